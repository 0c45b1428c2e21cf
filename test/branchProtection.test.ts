import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { rulesetRules } from "../components/branchProtection";
import { ConfigError, parseConfig } from "../components/config";
import { readConfigFile, runPack } from "../policy/testing";
import { stackSource } from "./support/configFixtures";
import { newWorld, readStackConfig, repoRoot } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const rulesetType = "github:index/repositoryRuleset:RepositoryRuleset";
const fleet = { owner: "acme-platform", repository: "fleet", branch: "main", path: "clusters/staging" };

/** The status check contexts GitHub reports for preview.yml: each job's name, matrix expanded. */
function previewWorkflowContexts(): string[] {
  const workflow = parseYaml(readFileSync(path.join(repoRoot, ".github/workflows/preview.yml"), "utf8")) as {
    jobs: Record<string, { name?: string; strategy?: { matrix?: Record<string, unknown> } }>;
  };
  return Object.entries(workflow.jobs).flatMap(([id, job]) => {
    const name = job.name ?? id;
    const reference = /\$\{\{\s*matrix\.(\w+)\s*\}\}/.exec(name);
    if (reference === null) return [name];
    const values = job.strategy?.matrix?.[reference[1]] as string[];
    return values.map((value) => name.replace(reference[0], value));
  });
}

describe("the branch ruleset's rules", () => {
  it("requires pull requests with the reviews, signatures and checks asked for, and refuses force pushes and deletion", () => {
    expect(rulesetRules({ requiredReviews: 2, requireSignedCommits: true, requiredChecks: ["a", "b"] })).toEqual({
      deletion: true,
      nonFastForward: true,
      requiredSignatures: true,
      pullRequest: { requiredApprovingReviewCount: 2, dismissStaleReviewsOnPush: true, requireLastPushApproval: true },
      requiredStatusChecks: { requiredChecks: [{ context: "a" }, { context: "b" }], strictRequiredStatusChecksPolicy: true },
    });
    const lenient = rulesetRules({ requiredReviews: 0, requireSignedCommits: false, requiredChecks: [] });
    expect(lenient.pullRequest).toEqual({ requiredApprovingReviewCount: 0, dismissStaleReviewsOnPush: true, requireLastPushApproval: false });
    expect(lenient.requiredStatusChecks).toBeUndefined();
  });

  it("defaults the required checks to the job names of .github/workflows/preview.yml, which both stacks use", () => {
    const contexts = previewWorkflowContexts();
    expect(contexts).toEqual(["typecheck, lint, test", "preview staging", "preview prod"]);
    const config = parseConfig(stackSource("staging", { github: { ...fleet, protection: { enabled: true } } }));
    expect(config.github.protection).toEqual({ enabled: true, requiredReviews: 1, requireSignedCommits: false, requiredChecks: contexts });
    for (const stack of ["staging", "prod"]) {
      expect(parseConfig(stackSource(stack)).github.protection.requiredChecks, stack).toEqual(contexts);
    }
  });

  it("refuses a negative review count and unknown fields, naming the key", () => {
    try {
      parseConfig(stackSource("staging", { github: { ...fleet, protection: { enabled: true, requiredReviews: -1, reviews: 2 } } }));
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        "gitops-bootstrap:github.protection.requiredReviews: Too small: expected number to be >=0",
        'gitops-bootstrap:github.protection: has unknown field(s) "reviews"',
      ]);
    }
  });
});

describe("the program protects the fleet branch per stack", () => {
  it("prod: two reviews, signed commits, the preview checks, on refs/heads/main of fleet, through the GitHub provider", async () => {
    const run = await runProgram({ stack: "prod", env: firstRunEnv(), world: newWorld() });
    const ruleset = run.one(rulesetType);
    expect(ruleset.inputs).toMatchObject({
      name: "gitops-bootstrap-prod",
      repository: "fleet",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } },
      rules: {
        deletion: true,
        nonFastForward: true,
        requiredSignatures: true,
        pullRequest: { requiredApprovingReviewCount: 2 },
        requiredStatusChecks: { requiredChecks: [{ context: "typecheck, lint, test" }, { context: "preview staging" }, { context: "preview prod" }] },
      },
    });
    expect(ruleset.provider).toMatch(/gitops:github:Repository\$pulumi:providers:github::github::/);
  });

  it("staging: one review, unsigned commits allowed; disabled protection registers no ruleset", async () => {
    const staging = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    expect(staging.one(rulesetType).inputs).toMatchObject({
      name: "gitops-bootstrap-staging",
      rules: { requiredSignatures: false, pullRequest: { requiredApprovingReviewCount: 1 } },
    });
    const off = await runProgram({ stack: "staging", config: { github: fleet }, env: firstRunEnv(), world: newWorld() });
    expect(off.ofType(rulesetType)).toEqual([]);
  });

  it("the policy pack refuses prod without branch protection", async () => {
    const prodGithub = readStackConfig("prod")["gitops-bootstrap:github"] as Record<string, unknown>;
    const run = await runProgram({
      stack: "prod",
      config: { github: { ...prodGithub, protection: { enabled: false } } },
      env: firstRunEnv(),
      world: newWorld(),
    });
    const resources = run.resources
      .filter((resource) => resource.custom && !resource.read)
      .map((resource) => ({ type: resource.type, name: resource.name, props: resource.inputs, opts: { protect: resource.protect } }));
    const findings = await runPack(resources, readConfigFile("config.prod.json"));
    expect(findings.map((finding) => `${finding.policy} ${finding.resource?.split("::").pop()}`)).toEqual(["branch-protection-required flux"]);
  });
});
