import * as github from "@pulumi/github";
import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { BranchProtection } from "../../components/branchProtection";
import { runComponent, tree, urnPrefix } from "./run";

describe("BranchProtection alone", () => {
  it("registers one active branch ruleset under the component, after what it is told to wait for", async () => {
    const run = await runComponent(() => {
      const githubProvider = new github.Provider("github", { owner: "acme" });
      const scaffolded = new random.RandomString("scaffolded", { length: 8 });
      void new BranchProtection(
        "fleet-protection",
        { repository: "fleet", branch: "main", requiredReviews: 1, requireSignedCommits: true, requiredChecks: ["preview"], rulesetName: "gitops-staging", githubProvider, after: scaffolded.id },
      );
    });
    expect(tree(run)).toEqual([
      "github:index/repositoryRuleset:RepositoryRuleset fleet-protection < fleet-protection",
      "gitops:github:BranchProtection fleet-protection",
      "pulumi:providers:github github",
      "random:index/randomString:RandomString scaffolded",
    ]);
    const ruleset = run.one("github:index/repositoryRuleset:RepositoryRuleset");
    expect(ruleset.parent).toBe(`${urnPrefix}gitops:github:BranchProtection::fleet-protection`);
    expect(ruleset.dependencies).toEqual([`${urnPrefix}random:index/randomString:RandomString::scaffolded`]);
    expect(ruleset.inputs).toEqual({
      name: "gitops-staging",
      repository: "fleet",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } },
      rules: {
        deletion: true,
        nonFastForward: true,
        requiredSignatures: true,
        pullRequest: { requiredApprovingReviewCount: 1, dismissStaleReviewsOnPush: true, requireLastPushApproval: true },
        requiredStatusChecks: { requiredChecks: [{ context: "preview" }], strictRequiredStatusChecksPolicy: true },
      },
    });
  });
});
