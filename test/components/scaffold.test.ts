import * as github from "@pulumi/github";
import { describe, expect, it } from "vitest";
import { Scaffold } from "../../components/scaffold";
import { newWorld } from "../../mocks/engine";
import { runComponent, urnPrefix } from "./run";

const fileType = "github:index/repositoryFile:RepositoryFile";

function scaffold() {
  const githubProvider = new github.Provider("github", { owner: "acme" });
  const created = new Scaffold("scaffold", { owner: "acme", repository: "fleet", branch: "main", path: "clusters/dev", githubProvider });
  return { files: created.files };
}

describe("Scaffold alone", () => {
  it("commits the starter files into a path without manifests, one after another, under the component, retained", async () => {
    // The default world's fleet@main has clusters/staging and clusters/prod, nothing under clusters/dev.
    const run = await runComponent(scaffold, { world: newWorld() });
    const files = run.ofType(fileType);
    const starter = ["infrastructure/kustomization.yaml", "apps/kustomization.yaml", "clusters/dev/infrastructure.yaml", "clusters/dev/apps.yaml"];
    expect(files.map((file) => file.inputs.file)).toEqual(starter);
    expect(run.outputs.files.value).toEqual(starter);
    for (const [index, file] of files.entries()) {
      expect(file.parent).toBe(`${urnPrefix}gitops:github:Scaffold::scaffold`);
      expect(file.dependencies).toEqual(index === 0 ? [] : [files[index - 1].urn]);
      expect(file.inputs).toMatchObject({ repository: "fleet", branch: "main", overwriteOnCreate: false });
      expect([file.retainOnDelete, file.ignoreChanges]).toEqual([true, ["content", "commitMessage"]]);
    }
    expect(run.invokes.map((invoke) => [invoke.token, invoke.inputs.treeSha])).toEqual([["github:index/getTree:getTree", "main"]]);
  });

  it("commits nothing where the path already holds manifests", async () => {
    const world = newWorld();
    world.githubTrees.set("fleet@main", ["clusters/dev/kustomization.yaml"]);
    const run = await runComponent(scaffold, { world });
    expect(run.ofType(fileType)).toEqual([]);
    expect(run.outputs.files.value).toEqual([]);
  });
});
