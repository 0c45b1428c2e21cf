import { describe, expect, it } from "vitest";
import { FluxInstance } from "../../components/flux";
import { clusterProvider, runComponent, tree, urnPrefix } from "./run";
import { standIn, standInUrn } from "./standIns";

const instanceType = "kubernetes:fluxcd.controlplane.io/v1:FluxInstance";

describe("FluxInstance alone", () => {
  it("registers one FluxInstance named flux that syncs the repository over SSH, waits for Ready, and is protected when asked", async () => {
    const run = await runComponent(() => {
      void new FluxInstance("flux", {
        distributionVersion: "2.9.x",
        registry: "ghcr.io/fluxcd",
        components: ["source-controller", "kustomize-controller"],
        clusterSize: "small",
        multitenant: false,
        networkPolicy: true,
        owner: "acme",
        repository: "fleet",
        branch: "main",
        path: "clusters/staging",
        syncInterval: "1m",
        auth: { kind: "deployKey", pullSecretName: "flux-git-auth" },
        provider: clusterProvider(),
        readyTimeoutSeconds: 300,
        dependsOn: [standIn("operator"), standIn("pull-secret")],
        protect: true,
        retainOnDelete: true,
      });
    });
    expect(tree(run).filter((line) => !line.startsWith("random:"))).toEqual([
      "gitops:flux:Instance flux",
      `${instanceType} flux < flux`,
      "pulumi:providers:kubernetes cluster",
    ]);
    const instance = run.one(instanceType);
    expect(instance.parent).toBe(`${urnPrefix}gitops:flux:Instance::flux`);
    expect([...instance.dependencies].sort()).toEqual([standInUrn("operator"), standInUrn("pull-secret")]);
    expect([instance.protect, instance.retainOnDelete]).toEqual([true, true]);
    expect(instance.customTimeouts).toEqual({ create: "300s", update: "300s", delete: "" });
    expect(instance.inputs.metadata).toMatchObject({ name: "flux", namespace: "flux-system", annotations: { "pulumi.com/waitFor": "condition=Ready" } });
    expect((instance.inputs.spec as { sync: unknown }).sync).toEqual({
      name: "flux-system",
      kind: "GitRepository",
      url: "ssh://git@github.com/acme/fleet.git",
      ref: "refs/heads/main",
      path: "clusters/staging",
      interval: "1m",
      pullSecret: "flux-git-auth",
    });
  });
});
