import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GitHubRepository, GitHubRepositoryArgs } from "../../components/githubRepository";
import { runComponent, secretWire, tree, urnPrefix } from "./run";

const fileType = "github:index/repositoryFile:RepositoryFile";
const rulesetType = "github:index/repositoryRuleset:RepositoryRuleset";
const token = "ghp_s3cr3tGithubRepositoryToken0001";

function repository(overrides: Partial<GitHubRepositoryArgs>) {
  return () => {
    const created = new GitHubRepository("repository", {
      owner: "acme",
      repository: "fleet",
      branch: "main",
      // The default world's fleet@main has no manifests under clusters/dev.
      path: "clusters/dev",
      token: pulumi.secret(token),
      scaffold: true,
      protection: { enabled: true, requiredReviews: 1, requireSignedCommits: false, requiredChecks: [], rulesetName: "gitops-dev" },
      ...overrides,
    });
    return { scaffoldFiles: created.scaffoldFiles };
  };
}

describe("GitHubRepository alone", () => {
  it("builds the GitHub provider for the owner, commits the starter layout, then protects the branch, all under the component", async () => {
    const run = await runComponent(repository({}), { secrets: { githubToken: token } });
    expect(tree(run).filter((line) => !line.startsWith(fileType))).toEqual([
      `${rulesetType} branch-protection < branch-protection`,
      "gitops:github:BranchProtection branch-protection < repository",
      "gitops:github:Repository repository",
      "gitops:github:Scaffold scaffold < repository",
      "pulumi:providers:github github < repository",
    ]);
    const provider = run.one("pulumi:providers:github");
    expect(provider.inputs).toMatchObject({ owner: "acme", token });
    expect(provider.wireInputs.token).toEqual(secretWire(token));
    // Moved under the component: the former top-level URNs are aliases, so nothing is replaced.
    expect(provider.aliases).toContain(`${urnPrefix}pulumi:providers:github::github`);
    expect(run.one("gitops:github:Scaffold").aliases).toContain(`${urnPrefix}gitops:github:Scaffold::scaffold`);
    expect(run.one("gitops:github:BranchProtection").aliases).toContain(`${urnPrefix}gitops:github:BranchProtection::branch-protection`);
    const files = run.ofType(fileType);
    expect(files.map((file) => file.inputs.file)).toEqual(["infrastructure/kustomization.yaml", "apps/kustomization.yaml", "clusters/dev/infrastructure.yaml", "clusters/dev/apps.yaml"]);
    const providerRef = `${urnPrefix}gitops:github:Repository$pulumi:providers:github::github::github-id`;
    expect(files.every((file) => file.provider === providerRef)).toBe(true);
    const ruleset = run.one(rulesetType);
    expect(ruleset.provider).toBe(providerRef);
    // The ruleset would refuse direct commits: it comes after the last starter file.
    expect(ruleset.dependencies).toContain(files[files.length - 1].urn);
    expect(ruleset.inputs).toMatchObject({ name: "gitops-dev", repository: "fleet", conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } } });
    expect(run.outputs.scaffoldFiles.value).toEqual(files.map((file) => file.inputs.file));
  });

  it("registers only the provider when neither the scaffold nor the protection is wanted", async () => {
    const run = await runComponent(
      repository({ scaffold: false, protection: { enabled: false, requiredReviews: 1, requireSignedCommits: false, requiredChecks: [], rulesetName: "gitops-dev" } }),
      { secrets: { githubToken: token } },
    );
    expect(tree(run)).toEqual(["gitops:github:Repository repository", "pulumi:providers:github github < repository"]);
    expect(run.invokes).toEqual([]);
    expect(run.outputs.scaffoldFiles.value).toBeUndefined();
  });
});
