import { describe, expect, it } from "vitest";
import { Operator, operators } from "../../components/operators";
import { clusterProvider, runComponent, tree, urnPrefix } from "./run";
import { standIn, standInUrn } from "./standIns";

const releaseType = "kubernetes:helm.sh/v3:Release";

describe("Operator alone", () => {
  it("installs the Flux operator's OCI chart as one protected, atomic release under the component, on the given provider", async () => {
    const run = await runComponent(() => {
      const operator = new Operator("flux-operator", {
        operator: operators.flux,
        chartVersion: "0.58.1",
        provider: clusterProvider(),
        timeoutSeconds: 300,
        dependsOn: [standIn("ns-flux-system")],
        protect: true,
        retainOnDelete: true,
      });
      return { status: operator.release.status };
    });
    expect(tree(run)).toEqual([
      "gitops:flux:Operator flux-operator",
      `${releaseType} flux-operator < flux-operator`,
      "pulumi:providers:kubernetes cluster",
      "random:index/randomString:RandomString ns-flux-system",
    ]);
    const release = run.one(releaseType);
    expect(release.parent).toBe(`${urnPrefix}gitops:flux:Operator::flux-operator`);
    expect(release.provider).toBe(`${urnPrefix}pulumi:providers:kubernetes::cluster::cluster-id`);
    expect(release.dependencies).toEqual([standInUrn("ns-flux-system")]);
    expect([release.protect, release.retainOnDelete]).toEqual([true, true]);
    expect(release.inputs).toMatchObject({
      name: "flux-operator",
      chart: "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator",
      version: "0.58.1",
      namespace: "flux-system",
      createNamespace: false,
      atomic: true,
      skipAwait: false,
      timeout: 300,
    });
    // An OCI chart takes no repository (pulumi-kubernetes #2334).
    expect(release.inputs.repositoryOpts).toBeUndefined();
  });

  it("installs External Secrets Operator from its Helm repository with its CRDs and the service account ESO's readers bind to", async () => {
    const run = await runComponent(() => {
      void new Operator("external-secrets", {
        operator: operators.externalSecrets,
        chartVersion: "2.9.0",
        provider: clusterProvider(),
        timeoutSeconds: 120,
        dependsOn: [standIn("ns-external-secrets")],
        protect: false,
        retainOnDelete: false,
      });
    });
    expect(tree(run).filter((line) => !line.startsWith("random:"))).toEqual([
      "gitops:eso:Operator external-secrets",
      `${releaseType} external-secrets < external-secrets`,
      "pulumi:providers:kubernetes cluster",
    ]);
    const release = run.one(releaseType);
    expect(release.parent).toBe(`${urnPrefix}gitops:eso:Operator::external-secrets`);
    expect([release.protect, release.retainOnDelete]).toEqual([false, false]);
    expect(release.inputs).toMatchObject({
      name: "external-secrets",
      chart: "external-secrets",
      version: "2.9.0",
      repositoryOpts: { repo: "https://charts.external-secrets.io" },
      namespace: "external-secrets",
      timeout: 120,
      values: { installCRDs: true, serviceAccount: { create: true, name: "external-secrets" } },
    });
  });
});
