import { describe, expect, it } from "vitest";
import { repositoryPathProblem } from "../components/repositoryCheck";
import { newWorld, RegisteredResource } from "./support/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const location = { owner: "acme", repository: "fleet", branch: "main", path: "clusters/staging" };

describe("an empty repository or path fails early with what to commit", () => {
  it("accepts a path with at least one manifest", () => {
    expect(repositoryPathProblem(location, ["clusters/staging/apps.yaml"])).toBeUndefined();
    expect(repositoryPathProblem({ ...location, path: "./clusters/staging/" }, ["clusters/staging/x/kustomization.yml"])).toBeUndefined();
  });

  it("names what to commit when the path has no manifests", () => {
    for (const files of [[], ["clusters/staging-old/a.yaml"], ["clusters/staging/README.md"]]) {
      expect(repositoryPathProblem(location, files)).toMatch(
        /^gitops-bootstrap:github.path: "clusters\/staging" has no manifests on branch "main" of acme\/fleet.*Commit at least clusters\/staging\/kustomization.yaml/,
      );
    }
  });

  it("says the repository is empty when the branch does not exist", () => {
    expect(repositoryPathProblem(location, undefined)).toMatch(/^gitops-bootstrap:github.branch: branch "main" does not exist in acme\/fleet \(an empty repository has no branches\)/);
  });

  it("keeps the FluxInstance from being applied when the path is empty", async () => {
    const world = newWorld();
    world.githubTrees.set("fleet@main", ["README.md"]);
    const record: RegisteredResource[] = [];
    const error = await runProgram({ stack: "staging", env: firstRunEnv(), world, record }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe("RepositoryPathError");
    expect(error?.message).toMatch(/"clusters\/staging" has no manifests/);
    expect(record.filter((r) => r.type === "kubernetes:fluxcd.controlplane.io/v1:FluxInstance")).toEqual([]);
    const check = record.find((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret");
    expect(check).toBeDefined();
  });

  it("only warns during a preview, when the branch cannot be listed yet", async () => {
    const world = newWorld();
    world.githubTrees.clear();
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world, preview: true });
    expect(run.logs.join("\n")).toMatch(/could not list acme-platform\/fleet@main during preview; checked again on update/);
    expect(run.ofType("kubernetes:fluxcd.controlplane.io/v1:FluxInstance")).toHaveLength(1);
    await expect(runProgram({ stack: "staging", env: firstRunEnv(), world })).rejects.toThrow(/branch "main" does not exist in acme-platform\/fleet/);
  });
});
