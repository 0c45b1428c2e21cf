import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { formerTopLevelUrn } from "./aliases";
import { BranchProtection, BranchProtectionArgs } from "./branchProtection";
import { BuildPhase } from "./phases";
import { RepositoryLocation } from "./repositoryCheck";
import { Scaffold } from "./scaffold";

export interface GitHubRepositoryArgs extends RepositoryLocation {
  /** The token Pulumi acts with on GitHub (secret). */
  token: pulumi.Input<string>;
  /** Commit the starter layout when the repository or path is empty. */
  scaffold: boolean;
  /** The branch's ruleset, when enabled. */
  protection: Pick<BranchProtectionArgs, "requiredReviews" | "requireSignedCommits" | "requiredChecks" | "rulesetName"> & { enabled: boolean };
}

/**
 * The repository Flux syncs from, as Pulumi manages it: the GitHub provider (owner explicit:
 * without it resources would land in the token user's own account), the starter layout and the
 * branch ruleset.
 */
export class GitHubRepository extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:github:Repository";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 2;
  public readonly provider: github.Provider;
  /** Files the starter layout committed on this run; undefined without a scaffold. */
  public readonly scaffoldFiles: pulumi.Output<string[]> | undefined;

  constructor(name: string, args: GitHubRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GitHubRepository.type, name, {}, opts);
    this.provider = new github.Provider(
      "github",
      { owner: args.owner, token: args.token },
      { parent: this, aliases: [formerTopLevelUrn("pulumi:providers:github", "github")] },
    );
    const location = { owner: args.owner, repository: args.repository, branch: args.branch, path: args.path };
    // The starter layout lands before the ruleset, which would refuse direct commits.
    this.scaffoldFiles = args.scaffold
      ? new Scaffold("scaffold", { ...location, githubProvider: this.provider }, { parent: this, aliases: [formerTopLevelUrn("gitops:github:Scaffold", "scaffold")] }).files
      : undefined;
    if (args.protection.enabled) {
      new BranchProtection(
        "branch-protection",
        { ...args.protection, repository: args.repository, branch: args.branch, githubProvider: this.provider, after: this.scaffoldFiles },
        { parent: this, aliases: [formerTopLevelUrn("gitops:github:BranchProtection", "branch-protection")] },
      );
    }
    this.registerOutputs({});
  }
}
