import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { classifyTreeError, scaffoldPlan, starterLayout } from "../components/scaffold";
import { phaseMembers, planResources } from "../scripts/lib/graph";
import type { KubernetesObject } from "./support/crds";
import { newWorld, RegisteredResource } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { validateWithModels } from "./support/models";
import { firstRunEnv } from "./support/scenarios";

const fileType = "github:index/repositoryFile:RepositoryFile";
const fluxInstanceType = "kubernetes:fluxcd.controlplane.io/v1:FluxInstance";
const starterPaths = ["infrastructure/kustomization.yaml", "apps/kustomization.yaml", "clusters/staging/infrastructure.yaml", "clusters/staging/apps.yaml"];
const scaffolding = { github: { owner: "acme-platform", repository: "fleet", branch: "main", path: "clusters/staging", scaffold: true } };

function contentOf(file: string): Record<string, unknown> {
  const found = starterLayout("clusters/staging").find((candidate) => candidate.path === file);
  if (found === undefined) throw new Error(`no starter file ${file}`);
  return parseYaml(found.content) as Record<string, unknown>;
}

describe("the starter layout", () => {
  it("has the two Flux Kustomizations in the cluster path and a placeholder per folder they apply", () => {
    expect(starterLayout("./clusters/staging/").map((file) => file.path)).toEqual(starterPaths);
  });

  it("applies apps after infrastructure, waits for health, prunes, and validates with the Kustomization model", () => {
    const infrastructure = contentOf("clusters/staging/infrastructure.yaml");
    const apps = contentOf("clusters/staging/apps.yaml");
    expect(infrastructure).toMatchObject({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "infrastructure", namespace: "flux-system" },
      spec: { path: "./infrastructure", prune: true, wait: true, sourceRef: { kind: "GitRepository", name: "flux-system" } },
    });
    expect((infrastructure.spec as Record<string, unknown>).dependsOn).toBeUndefined();
    expect(apps).toMatchObject({ metadata: { name: "apps" }, spec: { path: "./apps", prune: true, wait: true, dependsOn: [{ name: "infrastructure" }] } });
    // The model was generated from an older Flux than the 2.9.x deployed: see test/support/models.ts.
    for (const object of [infrastructure, apps]) {
      expect(() => validateWithModels(object as unknown as KubernetesObject)).not.toThrow();
    }
  });

  it("marks every CRD in infrastructure/ as never pruned", () => {
    const kustomization = contentOf("infrastructure/kustomization.yaml") as { resources: unknown[]; patches: { target: unknown; patch: string }[] };
    expect(kustomization.resources).toEqual([]);
    expect(kustomization.patches).toHaveLength(1);
    expect(kustomization.patches[0].target).toEqual({ group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" });
    expect(parseYaml(kustomization.patches[0].patch)).toMatchObject({
      kind: "CustomResourceDefinition",
      metadata: { annotations: { "kustomize.toolkit.fluxcd.io/prune": "disabled" } },
    });
  });

  it("the Kustomization check can fail", () => {
    const apps = contentOf("clusters/staging/apps.yaml") as { spec: Record<string, unknown> };
    const broken = { ...apps, spec: { ...apps.spec, prune: "yes" } };
    expect(() => validateWithModels(broken as unknown as KubernetesObject)).toThrow("kustomize.toolkit.fluxcd.io/v1 Kustomization apps: data/spec/prune must be boolean");
    const oldVersion = { ...apps, apiVersion: "kustomize.toolkit.fluxcd.io/v1beta1" };
    expect(() => validateWithModels(oldVersion as unknown as KubernetesObject)).toThrow("no model for kustomize.toolkit.fluxcd.io/v1beta1 Kustomization");
  });
});

describe("what the scaffold commits", () => {
  const location = { path: "clusters/staging" };

  it("commits the whole layout into an empty path, and nothing into a path with manifests", () => {
    expect(scaffoldPlan(location, { kind: "files", files: ["README.md", "clusters/prod/apps.yaml"] }).map((file) => file.path)).toEqual(starterPaths);
    expect(scaffoldPlan(location, { kind: "files", files: ["clusters/staging/podinfo.yaml"] })).toEqual([]);
    expect(scaffoldPlan(location, { kind: "emptyRepository" }).map((file) => file.path)).toEqual(starterPaths);
  });

  it("never writes a file that exists (another stack's shared folders)", () => {
    const files = ["infrastructure/kustomization.yaml", "apps/kustomization.yaml", "clusters/prod/apps.yaml"];
    expect(scaffoldPlan(location, { kind: "files", files }).map((file) => file.path)).toEqual(["clusters/staging/infrastructure.yaml", "clusters/staging/apps.yaml"]);
  });

  it("leaves missing branches, unknown repositories and bad tokens to the repository check", () => {
    expect(classifyTreeError(new Error("GET https://api.github.com/repos/acme/fleet/git/trees/main: 409 Git Repository is empty. []"))).toEqual({ kind: "emptyRepository" });
    const notFound = classifyTreeError(new Error("GET /repos/fleet/git/trees/main: 404 Not Found"));
    expect(notFound.kind).toBe("unavailable");
    expect(scaffoldPlan(location, notFound)).toEqual([]);
    expect(classifyTreeError(new Error("401 Bad credentials")).kind).toBe("unavailable");
  });
});

describe("the program scaffolds an empty path instead of failing", () => {
  it("commits the layout one file after another, never overwriting, retained, before Flux and the ruleset", async () => {
    const world = newWorld();
    world.githubTrees.set("fleet@main", ["README.md"]);
    const run = await runProgram({
      stack: "staging",
      config: { github: { ...scaffolding.github, protection: { enabled: true } } },
      env: firstRunEnv(),
      world,
    });
    const files = run.ofType(fileType);
    expect(files.map((file) => file.inputs.file)).toEqual(starterPaths);
    for (const [index, file] of files.entries()) {
      expect(file.inputs).toMatchObject({ repository: "fleet", branch: "main", overwriteOnCreate: false });
      expect(file.inputs.commitMessage).toBe(`gitops-bootstrap: starter layout for clusters/staging (${index + 1}/4: ${starterPaths[index]})`);
      expect(file.retainOnDelete).toBe(true);
      expect(file.ignoreChanges).toEqual(["content", "commitMessage"]);
      expect(file.provider).toMatch(/gitops:github:Repository\$pulumi:providers:github::github::/);
      if (index > 0) expect(file.dependencies).toContain(files[index - 1].urn);
    }
    const last = files[files.length - 1] as RegisteredResource;
    expect(run.dependsOn(run.one(fluxInstanceType), last)).toBe(true);
    expect(run.dependsOn(run.one("github:index/repositoryRuleset:RepositoryRuleset"), last)).toBe(true);

    // In the plan: phase 2, with the GitHub side, each commit a wave after the previous, all before Flux.
    const plan = planResources(run.resources);
    const phase2 = phaseMembers(plan, 2).map((node) => node.name);
    expect(phase2).toEqual(expect.arrayContaining(["branch-protection", ...files.map((file) => file.name)]));
    const waves = files.map((file) => plan.waves.get(file.urn) as number);
    expect(waves.slice(1).map((wave, index) => wave - waves[index])).toEqual([1, 1, 1]);
    expect(plan.waves.get(run.one(fluxInstanceType).urn)).toBeGreaterThan(waves[3]);
    expect(plan.waves.get(run.one("github:index/repositoryRuleset:RepositoryRuleset").urn)).toBeGreaterThan(waves[3]);
  });

  it("shows the commits in a preview", async () => {
    const world = newWorld();
    world.githubTrees.set("fleet@main", ["README.md"]);
    const run = await runProgram({ stack: "staging", config: scaffolding, env: firstRunEnv(), world, preview: true });
    expect(run.ofType(fileType).map((file) => file.inputs.file)).toEqual(starterPaths);
    expect(run.ofType(fluxInstanceType)).toHaveLength(1);
  });

  it("stops managing the files once the path has manifests, so nothing is deleted", async () => {
    const world = newWorld();
    world.githubTrees.set("fleet@main", ["README.md", ...starterPaths]);
    const run = await runProgram({ stack: "staging", config: scaffolding, env: firstRunEnv(), world });
    expect(run.ofType(fileType)).toEqual([]);
    expect(run.ofType(fluxInstanceType)).toHaveLength(1);
  });

  it("without github.scaffold, an empty path still fails with what to commit", async () => {
    const world = newWorld();
    world.githubTrees.set("fleet@main", ["README.md"]);
    const record: RegisteredResource[] = [];
    await expect(runProgram({ stack: "staging", env: firstRunEnv(), world, record })).rejects.toThrow(/"clusters\/staging" has no manifests/);
    expect(record.filter((resource) => resource.type === fileType)).toEqual([]);
  });
});
