import * as github from "@pulumi/github";
import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { checkRepositoryPath, githubFailureOf, githubTreeProblem, repositoryPathProblem } from "../components/repositoryCheck";
import { githubApiErrors, newWorld, RegisteredResource, runProgram as runEngine, World } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const location = { owner: "acme", repository: "fleet", branch: "main", path: "clusters/staging" };
const token = { configKey: "gitops-bootstrap:githubToken", envVar: "GITHUB_TOKEN" };
const starter = '("apiVersion: kustomize.config.k8s.io/v1beta1\\nkind: Kustomization\\nresources: []")';

/** Runs the committed staging stack and returns its error (undefined when it succeeds). */
async function failureOf(world: World, preview: boolean, record: RegisteredResource[] = []): Promise<Error | undefined> {
  return runProgram({ stack: "staging", env: firstRunEnv(), world, preview, record }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
}

describe("an empty repository or path fails early with what to commit", () => {
  it("accepts a path with at least one manifest", () => {
    expect(repositoryPathProblem(location, ["clusters/staging/apps.yaml"])).toBeUndefined();
    expect(repositoryPathProblem({ ...location, path: "./clusters/staging/" }, ["clusters/staging/x/kustomization.yml"])).toBeUndefined();
  });

  it("names what to commit when the path has no manifests", () => {
    for (const files of [[], ["clusters/staging-old/a.yaml"], ["clusters/staging/README.md"]]) {
      expect(repositoryPathProblem(location, files)).toBe(
        'gitops-bootstrap:github.path: "clusters/staging" has no manifests on branch "main" of acme/fleet, so Flux would retry ' +
          `"kustomization path not found" forever. Commit at least clusters/staging/kustomization.yaml ${starter}, then run pulumi up again.`,
      );
    }
  });

  it("keeps the FluxInstance from being applied when the path is empty", async () => {
    const world = newWorld();
    world.githubTrees.set("fleet@main", ["README.md"]);
    const record: RegisteredResource[] = [];
    const error = await failureOf(world, false, record);
    expect(error?.name).toBe("RepositoryPathError");
    expect(error?.message).toMatch(/"clusters\/staging" has no manifests/);
    expect(record.filter((r) => r.type === "kubernetes:fluxcd.controlplane.io/v1:FluxInstance")).toEqual([]);
    expect(record.filter((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret").length).toBeGreaterThan(0);
  });
});

describe("GitHub's answer, each with its own fix (a bad token is not an empty repository)", () => {
  it("reads the status and message out of the provider's error", () => {
    const text =
      "invoking github:index/getTree:getTree: 1 error occurred:\n\t* GET https://api.github.com/repos/acme/fleet/git/trees/main?recursive=1: 409 Git Repository is empty. []\n\n";
    expect(githubFailureOf(text)).toEqual({ status: 409, message: "Git Repository is empty." });
    expect(githubFailureOf("GET https://api.github.com/repos/a/b/git/trees/main: 403 API rate limit exceeded for 1.2.3.4. [rate reset in 4m59s]")).toEqual({
      status: 403,
      message: "API rate limit exceeded for 1.2.3.4.",
    });
    expect(githubFailureOf("dial tcp: lookup api.github.com: no such host")).toBeUndefined();
  });

  it("401: the token is wrong, expired or revoked", () => {
    expect(githubTreeProblem(location, { status: 401, message: "Bad credentials" }, token)).toBe(
      "gitops-bootstrap:githubToken: GitHub refused the token (GitHub answered 401 Bad credentials) listing acme/fleet: it is wrong, expired or revoked. " +
        "Create a token with access to acme/fleet and set it with pulumi config set --secret gitops-bootstrap:githubToken … (or export GITHUB_TOKEN), then run pulumi up again.",
    );
  });

  it("403: the token lacks permission on the repository (or a rate limit)", () => {
    expect(githubTreeProblem(location, { status: 403, message: "Resource not accessible by personal access token" }, token)).toBe(
      "gitops-bootstrap:githubToken: the token may not read acme/fleet (GitHub answered 403 Resource not accessible by personal access token). " +
        "Give it access to that repository (fine-grained token: Contents read, and Administration and Webhooks read and write for the deploy key and webhook; " +
        "classic token: the repo scope), or use another token and set it with pulumi config set --secret gitops-bootstrap:githubToken … (or export GITHUB_TOKEN); then run pulumi up again.",
    );
    expect(githubTreeProblem(location, { status: 403, message: "API rate limit exceeded for 1.2.3.4." }, token)).toBe(
      "gitops-bootstrap:githubToken: GitHub's rate limit stopped the listing of acme/fleet (GitHub answered 403 API rate limit exceeded for 1.2.3.4.): wait for the reset, then run pulumi up again.",
    );
  });

  it("404: the repository is missing or invisible to the token, or only the branch is missing", () => {
    expect(githubTreeProblem(location, { status: 404, message: "Not Found", repositoryVisible: false }, token)).toBe(
      "gitops-bootstrap:github.repository: acme/fleet was not found, or the token cannot see it (GitHub answered 404 Not Found). " +
        "Check gitops-bootstrap:github.owner and gitops-bootstrap:github.repository, and that the token (gitops-bootstrap:githubToken or GITHUB_TOKEN) " +
        "may access acme/fleet (a fine-grained token lists the repositories it may use); then run pulumi up again.",
    );
    expect(githubTreeProblem(location, { status: 404, message: "Not Found", repositoryVisible: true }, token)).toBe(
      `gitops-bootstrap:github.branch: branch "main" does not exist in acme/fleet. Push it with clusters/staging/kustomization.yaml ${starter}, ` +
        "or set gitops-bootstrap:github.branch to an existing branch; then run pulumi up again.",
    );
  });

  it("409: the repository is empty", () => {
    expect(githubTreeProblem(location, { status: 409, message: "Git Repository is empty." }, token)).toBe(
      "gitops-bootstrap:github.repository: acme/fleet is empty (GitHub answered 409 Git Repository is empty.), so Flux has nothing to sync. " +
        `Push a first commit to "main" containing clusters/staging/kustomization.yaml ${starter}, then run pulumi up again.`,
    );
  });

  it.each([
    ["a bad token", "fleet", githubApiErrors.badCredentials, /gitops-bootstrap:githubToken: GitHub refused the token \(GitHub answered 401 Bad credentials\)/],
    ["a token without permission", "fleet", githubApiErrors.forbidden, /gitops-bootstrap:githubToken: the token may not read acme-platform\/fleet \(GitHub answered 403/],
    ["a repository the token cannot see", "fleet", githubApiErrors.notFound, /gitops-bootstrap:github\.repository: acme-platform\/fleet was not found, or the token cannot see it/],
    ["an empty repository", "fleet", githubApiErrors.emptyRepository, /gitops-bootstrap:github\.repository: acme-platform\/fleet is empty \(GitHub answered 409 Git Repository is empty\.\)/],
  ])("fails the preview and the update for %s, before the FluxInstance", async (_, repository, answer, expected) => {
    for (const preview of [true, false]) {
      const world = newWorld();
      world.githubTrees.set(repository, answer);
      const record: RegisteredResource[] = [];
      const error = await failureOf(world, preview, record);
      expect(error?.name).toBe("RepositoryPathError");
      expect(error?.message).toMatch(expected);
      expect(record.filter((r) => r.type === "kubernetes:fluxcd.controlplane.io/v1:FluxInstance")).toEqual([]);
    }
  });

  it("fails the preview for a missing branch of a visible repository", async () => {
    const world = newWorld();
    world.githubTrees.clear();
    const error = await failureOf(world, true);
    expect(error?.message).toMatch(/gitops-bootstrap:github\.branch: branch "main" does not exist in acme-platform\/fleet\. Push it with clusters\/staging\/kustomization\.yaml/);
  });

  it("only warns during a preview whose GitHub token is not known yet", async () => {
    const program = async () => {
      // A token this preview cannot know (like one read back from a Vault that does not exist yet).
      const unknownToken = new random.RandomPassword("token", { length: 40 });
      const provider = new github.Provider("github", { owner: "acme-platform", token: unknownToken.result });
      return { path: checkRepositoryPath({ ...location, owner: "acme-platform" }, provider, token) };
    };
    const world = newWorld();
    world.githubTrees.set("fleet", githubApiErrors.badCredentials);
    const preview = await runEngine({ world, preview: true, loadProgram: program });
    expect(preview.outputs.path.value).toBe("clusters/staging");
    expect(preview.logs).toEqual(["could not list acme-platform/fleet@main during this preview: the GitHub token is not known yet; checked again on update"]);
    // On the update the token is known, and GitHub's answer counts.
    await expect(runEngine({ world, preview: false, loadProgram: program })).rejects.toThrow(/^gitops-bootstrap:githubToken: GitHub refused the token/);
  });
});
