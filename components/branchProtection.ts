import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

export interface BranchProtectionArgs {
  /** Repository name (the provider carries the owner). */
  repository: string;
  /** The branch Flux syncs from. */
  branch: string;
  /** Approving reviews a pull request needs; 0 still requires a pull request. */
  requiredReviews: number;
  /** Reject commits without a verified signature. */
  requireSignedCommits: boolean;
  /** Status check contexts that must pass: the job names of .github/workflows/preview.yml. */
  requiredChecks: readonly string[];
  /** Ruleset name, unique per repository (stacks sharing a branch each add theirs; GitHub applies all). */
  rulesetName: string;
  githubProvider: github.Provider;
  /**
   * Resolves once the starter layout is committed: the ruleset (pull requests only) would refuse
   * the scaffold's direct commits.
   */
  after?: pulumi.Input<unknown>;
}

/** The ruleset's rules; a pure function so tests read the policy without the provider. */
export function rulesetRules(args: Pick<BranchProtectionArgs, "requiredReviews" | "requireSignedCommits" | "requiredChecks">): github.types.input.RepositoryRulesetRules {
  return {
    // In the ruleset API `true` means "restricted": only bypass actors (none here) may delete or force-push.
    deletion: true,
    nonFastForward: true,
    requiredSignatures: args.requireSignedCommits,
    pullRequest: {
      requiredApprovingReviewCount: args.requiredReviews,
      dismissStaleReviewsOnPush: true,
      requireLastPushApproval: args.requiredReviews > 0,
    },
    ...(args.requiredChecks.length > 0
      ? { requiredStatusChecks: { requiredChecks: args.requiredChecks.map((context) => ({ context })), strictRequiredStatusChecksPolicy: true } }
      : {}),
  };
}

/**
 * A repository ruleset on the fleet branch: changes arrive through reviewed pull requests that
 * passed the preview workflow; no force push, no deletion. Rulesets layer: with two stacks on one
 * branch the stricter rule of each kind applies.
 */
export class BranchProtection extends pulumi.ComponentResource {
  public readonly ruleset: github.RepositoryRuleset;

  constructor(name: string, args: BranchProtectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:github:BranchProtection", name, {}, opts);
    this.ruleset = new github.RepositoryRuleset(
      name,
      {
        name: args.rulesetName,
        repository: args.after === undefined ? args.repository : pulumi.output(args.after).apply(() => args.repository),
        target: "branch",
        enforcement: "active",
        conditions: { refName: { includes: [`refs/heads/${args.branch}`], excludes: [] } },
        rules: rulesetRules(args),
      },
      { parent: this, provider: args.githubProvider },
    );
    this.registerOutputs({ rulesetId: this.ruleset.rulesetId });
  }
}
