import { describe, expect, it } from "vitest";
import { FluxMonitoring } from "../../components/monitoring";
import { clusterProvider, runComponent, tree, urnPrefix } from "./run";
import { standIn, standInUrn } from "./standIns";

describe("FluxMonitoring alone", () => {
  it("registers the PodMonitor, the dashboards' source and Kustomization and one Alert per provider, all after the FluxInstance", async () => {
    const run = await runComponent(() => {
      void new FluxMonitoring("flux-monitoring", {
        podMonitor: true,
        dashboards: true,
        alertProviders: ["slack"],
        alertNamespaces: ["apps"],
        namespace: "monitoring",
        source: { url: "https://github.com/fluxcd/flux2-monitoring-example", commit: "0123456789abcdef0123456789abcdef01234567" },
        components: ["source-controller"],
        provider: clusterProvider(),
        fluxInstance: standIn("flux-instance"),
        dashboardsNamespace: standIn("ns-monitoring"),
      });
    });
    expect(tree(run).filter((line) => !line.startsWith("random:") && !line.startsWith("pulumi:"))).toEqual([
      "gitops:flux:Monitoring flux-monitoring",
      "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization flux-monitoring-dashboards < flux-monitoring",
      "kubernetes:monitoring.coreos.com/v1:PodMonitor flux-monitoring-pod-monitor < flux-monitoring",
      "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert flux-monitoring-alert-slack < flux-monitoring",
      "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository flux-monitoring-source < flux-monitoring",
    ]);
    const source = run.one("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository");
    const dashboards = run.one("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization");
    for (const child of [source, run.one("kubernetes:monitoring.coreos.com/v1:PodMonitor"), run.one("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert")]) {
      expect(child.parent).toBe(`${urnPrefix}gitops:flux:Monitoring::flux-monitoring`);
      expect(child.dependencies).toEqual([standInUrn("flux-instance")]);
    }
    expect([...dashboards.dependencies].sort()).toEqual([source.urn, standInUrn("flux-instance"), standInUrn("ns-monitoring")]);
    expect(source.inputs.metadata).toMatchObject({ name: "flux-monitoring", namespace: "flux-system" });
    expect((source.inputs.spec as { ref: unknown }).ref).toEqual({ commit: "0123456789abcdef0123456789abcdef01234567" });
  });

  it("registers nothing but itself when everything is off", async () => {
    const run = await runComponent(() => {
      void new FluxMonitoring("flux-monitoring", {
        ...{ podMonitor: false, dashboards: false, alertProviders: [], alertNamespaces: [], namespace: "monitoring", components: [] },
        source: { url: "https://github.com/fluxcd/flux2-monitoring-example", commit: "0123456789abcdef0123456789abcdef01234567" },
        provider: clusterProvider(),
        fluxInstance: standIn("flux-instance"),
      });
    });
    expect(tree(run)).toEqual(["gitops:flux:Monitoring flux-monitoring", "pulumi:providers:kubernetes cluster", "random:index/randomString:RandomString flux-instance"]);
  });
});
