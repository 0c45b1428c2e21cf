/**
 * The GitHub Actions workflows: they parse, and everything they refer to exists in this repository
 * (npm scripts, Pulumi stacks, policy packs); the prod deploy waits for staging behind an
 * environment; actions are pinned and permissions are least-privilege.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  deployJobs,
  environmentName,
  needsOf,
  npmInvocations,
  npmProblems,
  parseWorkflow,
  permissionProblems,
  pinningProblems,
  policyFiles,
  policyProblems,
  promotionProblems,
  pulumiCliCalls,
  shapeProblems,
  stackProblems,
  stackReferences,
  type Workflow,
} from "./support/workflows";

const repoRoot = path.resolve(__dirname, "..");
const workflowDir = path.join(repoRoot, ".github", "workflows");
const workflowFiles = existsSync(workflowDir) ? readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

function load(file: string): Workflow {
  return parseWorkflow(readFileSync(path.join(workflowDir, file), "utf8"), file) as Workflow;
}

const scripts = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
const existingStacks = new Set(
  readdirSync(repoRoot)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined),
);
const existsInRepo = (relative: string, kind: "directory" | "file") => {
  const full = path.resolve(repoRoot, relative);
  if (!full.startsWith(repoRoot + path.sep) || !existsSync(full)) return false;
  return kind === "directory" ? statSync(full).isDirectory() : statSync(full).isFile();
};

describe("workflow files", () => {
  it("include preview.yml and deploy.yml", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["deploy.yml", "preview.yml"]));
  });

  describe.each(workflowFiles)("%s", (file) => {
    it("parses as YAML with on and jobs", () => {
      expect(shapeProblems(load(file))).toEqual([]);
    });
    it("runs only npm scripts that package.json defines", () => {
      expect(npmProblems(load(file), scripts)).toEqual([]);
    });
    it("uses only stacks that have a Pulumi.<stack>.yaml", () => {
      expect(stackProblems(load(file), existingStacks)).toEqual([]);
    });
    it("uses only policy packs (directories) and policy pack configs (files) that exist", () => {
      expect(policyProblems(load(file), existsInRepo)).toEqual([]);
    });
    it("pins actions to a major version", () => {
      expect(pinningProblems(load(file))).toEqual([]);
    });
    it("grants least-privilege permissions", () => {
      expect(permissionProblems(load(file))).toEqual([]);
    });
    it("promotes to prod only after staging, through an environment", () => {
      expect(promotionProblems(load(file), "staging", "prod")).toEqual([]);
    });
  });
});

describe("preview.yml", () => {
  const workflow = () => load("preview.yml");

  it("runs on pull requests and checks before previewing", () => {
    const wf = workflow();
    expect(wf.on).toHaveProperty("pull_request");
    const runs = Object.values(wf.jobs ?? {}).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? ""));
    for (const command of ["npm ci", "npm run typecheck", "npm run lint", "npm test"]) expect(runs).toContain(command);
  });

  it("previews staging and prod with the policy pack and a PR comment", () => {
    const wf = workflow();
    const previews = Object.values(wf.jobs ?? {}).flatMap((j) => (j.steps ?? []).filter((s) => s.uses === "pulumi/actions@v6"));
    expect(previews).toHaveLength(1);
    expect(previews[0].with).toMatchObject({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      "comment-on-pr": true,
      policyPacks: "policy",
      policyPackConfigs: "policy/config.${{ matrix.stack }}.json",
      "work-dir": ".",
    });
    expect(new Set(stackReferences(wf).references.map((r) => r.stack))).toEqual(new Set(["staging", "prod"]));
  });
});

describe("deploy.yml", () => {
  const workflow = () => load("deploy.yml");

  it("deploys on push to main and on manual promotion", () => {
    const on = workflow().on as Record<string, { branches?: string[]; inputs?: Record<string, unknown> }>;
    expect(on.push.branches).toEqual(["main"]);
    expect(on.workflow_dispatch.inputs).toHaveProperty("sha");
  });

  it("has a staging deploy and a prod deploy that needs it, in environment production", () => {
    const wf = workflow();
    const deploys = deployJobs(wf);
    expect(deploys.get("staging")).toEqual(["staging"]);
    expect(deploys.get("prod")).toEqual(["prod"]);
    const prod = (wf.jobs ?? {}).prod;
    expect(needsOf(prod)).toContain("staging");
    expect(environmentName(prod)).toBe("production");
  });

  it("tests before the staging up", () => {
    const steps = (workflow().jobs ?? {}).staging.steps ?? [];
    const testAt = steps.findIndex((s) => s.run === "npm test");
    const upAt = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
    expect(testAt).toBeGreaterThanOrEqual(0);
    expect(upAt).toBeGreaterThan(testAt);
  });

  it("checks out the same commit in both jobs", () => {
    const jobs = workflow().jobs ?? {};
    const ref = (job: string) => (jobs[job].steps ?? []).find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.ref;
    expect(ref("staging")).toContain("github.sha");
    expect(ref("prod")).toContain("github.sha");
  });

  it("never runs two ups of one stack at once", () => {
    const jobs = workflow().jobs ?? {};
    const groups = ["staging", "prod"].map((job) => jobs[job].concurrency as { group: string; "cancel-in-progress": boolean });
    expect(groups.map((g) => g["cancel-in-progress"])).toEqual([false, false]);
    expect(new Set(groups.map((g) => g.group)).size).toBe(2);
  });

  it("passes the bootstrap secrets to pulumi only", () => {
    const jobs = workflow().jobs ?? {};
    for (const job of ["staging", "prod"]) {
      const up = (jobs[job].steps ?? []).find((s) => s.uses?.startsWith("pulumi/actions@"));
      expect(up?.env).toMatchObject({
        GITHUB_TOKEN: "${{ secrets.GITOPS_GITHUB_TOKEN }}",
        CLOUDFLARE_API_TOKEN: "${{ secrets.CLOUDFLARE_API_TOKEN }}",
        VAULT_TOKEN: "${{ secrets.VAULT_TOKEN }}",
      });
      expect(jobs[job].env).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The helpers on small bad workflows: each check is shown able to fail.

const good: Workflow = {
  on: { push: { branches: ["main"] } },
  permissions: { contents: "read" },
  jobs: {
    staging: {
      "runs-on": "ubuntu-latest",
      steps: [
        { uses: "actions/checkout@v5" },
        { run: "npm ci\nnpm run lint && npm test" },
        { uses: "pulumi/actions@v6", with: { command: "up", "stack-name": "staging", policyPacks: "policy" } },
      ],
    },
    prod: {
      "runs-on": "ubuntu-latest",
      needs: "staging",
      environment: "production",
      steps: [{ run: "pulumi up --stack prod --yes --policy-pack policy" }],
    },
  },
};
const stacks = new Set(["staging", "prod"]);
const scriptsOk = { test: "vitest run", lint: "eslint ." };

function withJobs(jobs: Workflow["jobs"], extra: Partial<Workflow> = {}): Workflow {
  return { ...good, ...extra, jobs };
}

describe("workflow helpers", () => {
  it("accept a good workflow", () => {
    expect(shapeProblems(good)).toEqual([]);
    expect(npmProblems(good, scriptsOk)).toEqual([]);
    expect(stackProblems(good, stacks)).toEqual([]);
    expect(policyProblems(good, (p, kind) => p === "policy" && kind === "directory")).toEqual([]);
    expect(promotionProblems(good, "staging", "prod")).toEqual([]);
    expect(pinningProblems(good)).toEqual([]);
    expect(permissionProblems(good)).toEqual([]);
  });

  it("shapeProblems rejects missing on/jobs, steps and unknown needs", () => {
    expect(shapeProblems({ jobs: good.jobs })).toEqual(["workflow has no `on` trigger"]);
    expect(shapeProblems({ on: "push" })).toEqual(["workflow has no jobs"]);
    expect(shapeProblems(withJobs({ a: { "runs-on": "x", steps: [] } }))).toEqual(["job a has no steps"]);
    expect(shapeProblems(withJobs({ a: { "runs-on": "x", needs: "b", steps: [{ run: "true" }] } }))).toEqual(["job a needs unknown job b"]);
    expect(shapeProblems("just text")).toEqual(["workflow is not a mapping"]);
  });

  it("parseWorkflow keeps `on` a string key and rejects invalid YAML", () => {
    expect(parseWorkflow("on: push\njobs: {}\n")).toEqual({ on: "push", jobs: {} });
    expect(() => parseWorkflow("jobs:\n  a: 1\n  a: 2\n", "dup.yml")).toThrow(/dup.yml/);
  });

  it("npmInvocations finds scripts, shorthands and npm's own commands, not npx", () => {
    expect(npmInvocations("npm ci --no-audit && npm run -s typecheck; npm t\nnpx vitest\nnpm --silent run-script plan # npm run nope")).toEqual([
      { command: "ci" },
      { command: "run", script: "typecheck" },
      { command: "t", script: "test" },
      { command: "run-script", script: "plan" },
    ]);
  });

  it("npmProblems rejects an unknown script and an unknown npm command", () => {
    const wf = withJobs({ a: { "runs-on": "x", steps: [{ run: "npm run plan" }, { run: "npm bench" }, { run: "npm start" }] } });
    expect(npmProblems(wf, scriptsOk)).toEqual([
      'job a: npm script "plan" is not in package.json scripts',
      "job a: `npm bench` is neither an npm command nor a script shorthand (use npm run bench)",
      'job a: npm script "start" is not in package.json scripts',
    ]);
  });

  it("pulumiCliCalls reads --stack, -s, --policy-pack and --policy-pack-config in their forms", () => {
    expect(pulumiCliCalls("pulumi up --yes --stack=prod \\\n  --policy-pack ./policy --policy-pack-config=policy/c.json")).toEqual([
      { command: "up", stack: "prod", policyPacks: ["./policy"], policyPackConfigs: ["policy/c.json"] },
    ]);
    expect(pulumiCliCalls("pulumi preview -s 'staging' --policy-pack=policy")).toEqual([
      { command: "preview", stack: "staging", policyPacks: ["policy"], policyPackConfigs: [] },
    ]);
  });

  it("stackProblems rejects unknown stacks in stack-name, --stack and matrices, and unresolvable ones", () => {
    const wf = withJobs({
      a: {
        "runs-on": "x",
        strategy: { matrix: { stack: ["staging", "dev"], include: [{ stack: "qa" }] } },
        steps: [
          { uses: "pulumi/actions@v6", with: { command: "preview", "stack-name": "${{ matrix.stack }}" } },
          { uses: "pulumi/actions@v6", with: { command: "up", "stack-name": "acme/gitops-bootstrap/test" } },
          { run: "pulumi destroy --stack ${{ inputs.target }}" },
        ],
      },
    });
    expect(stackProblems(wf, stacks)).toEqual([
      "job a: cannot resolve stack ${{ inputs.target }} (--stack)",
      "job a: stack dev (matrix) has no Pulumi.dev.yaml",
      "job a: stack qa (matrix) has no Pulumi.qa.yaml",
      "job a: stack dev (stack-name) has no Pulumi.dev.yaml",
      "job a: stack qa (stack-name) has no Pulumi.qa.yaml",
      "job a: stack test (stack-name) has no Pulumi.test.yaml",
    ]);
  });

  it("stackReferences resolves env and workflow_dispatch choice inputs", () => {
    const wf: Workflow = {
      on: { workflow_dispatch: { inputs: { stack: { type: "choice", options: ["staging", "prod"] } } } },
      env: { STACK: "prod" },
      jobs: {
        a: {
          "runs-on": "x",
          steps: [{ run: "pulumi up -s ${{ env.STACK }}" }, { uses: "pulumi/actions@v6", with: { command: "up", "stack-name": "${{ inputs.stack }}" } }],
        },
      },
    };
    expect(stackReferences(wf)).toEqual({
      problems: [],
      references: [
        { job: "a", stack: "prod", source: "--stack", command: "up" },
        { job: "a", stack: "staging", source: "stack-name", command: "up" },
        { job: "a", stack: "prod", source: "stack-name", command: "up" },
      ],
    });
  });

  it("policyProblems rejects a missing pack directory or config file (relative to work-dir, matrix expanded)", () => {
    const wf = withJobs({
      a: {
        "runs-on": "x",
        strategy: { matrix: { stack: ["staging", "prod"] } },
        steps: [
          {
            uses: "pulumi/actions@v6",
            with: { command: "preview", "stack-name": "${{ matrix.stack }}", "work-dir": "infra", policyPacks: "policy\n../policies", policyPackConfigs: "policy/${{ matrix.stack }}.json" },
          },
          { run: "pulumi preview --stack prod --policy-pack ${{ vars.PACK }}" },
        ],
      },
    });
    expect(policyFiles(wf).map((f) => f.path)).toEqual(["infra/policy", "policies", "infra/policy/staging.json", "infra/policy/prod.json", undefined]);
    const existing = new Set(["policies:directory", "infra/policy/staging.json:file"]);
    expect(policyProblems(wf, (p, kind) => existing.has(`${p}:${kind}`))).toEqual([
      "job a: policy pack infra/policy is not a directory in the repository",
      "job a: policy pack config infra/policy/prod.json is not a file in the repository",
      "job a: cannot resolve policy pack ${{ vars.PACK }}",
    ]);
  });

  it("promotionProblems rejects a prod deploy that does not need staging or has no environment", () => {
    const jobs = good.jobs ?? {};
    expect(promotionProblems(withJobs({ ...jobs, prod: { ...jobs.prod, needs: undefined } }), "staging", "prod")).toEqual([
      "job prod deploys prod without needing a job that deploys staging",
    ]);
    expect(promotionProblems(withJobs({ ...jobs, prod: { ...jobs.prod, environment: undefined } }), "staging", "prod")).toEqual([
      "job prod deploys prod outside a GitHub environment",
    ]);
    // waiting for staging through an intermediate job counts
    const chained = withJobs({ ...jobs, smoke: { "runs-on": "x", needs: ["staging"], steps: [{ run: "true" }] }, prod: { ...jobs.prod, needs: ["smoke"] } });
    expect(promotionProblems(chained, "staging", "prod")).toEqual([]);
  });

  it("pinningProblems rejects branches and floating refs", () => {
    const wf = withJobs({ a: { "runs-on": "x", steps: [{ uses: "actions/checkout@main" }, { uses: "pulumi/actions" }, { uses: "actions/setup-node@v5.0.1" }, { uses: "./local" }] } });
    expect(pinningProblems(wf)).toHaveLength(3);
  });

  it("permissionProblems rejects missing or broad permissions and a needless pull-requests: write", () => {
    expect(permissionProblems({ ...good, permissions: undefined })).toEqual(["workflow does not restrict permissions (default token scopes apply)"]);
    expect(permissionProblems({ ...good, permissions: "write-all" })).toEqual(["workflow-level permissions grant write-all: write"]);
    const jobs = good.jobs ?? {};
    expect(permissionProblems(withJobs({ ...jobs, prod: { ...jobs.prod, permissions: { "pull-requests": "write", contents: "write" } } }))).toEqual([
      "job prod grants pull-requests: write but never comments on the PR",
      "job prod grants contents: write",
    ]);
    const commenting = withJobs({
      a: { "runs-on": "x", permissions: { "pull-requests": "write" }, steps: [{ uses: "pulumi/actions@v6", with: { command: "preview", "stack-name": "prod", "comment-on-pr": true } }] },
    });
    expect(permissionProblems(commenting)).toEqual([]);
  });
});
