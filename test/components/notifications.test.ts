import { describe, expect, it } from "vitest";
import { Notifications } from "../../components/notifications";
import { clusterProvider, runComponent, tree, urnPrefix } from "./run";
import { standIn, standInUrn } from "./standIns";

const externalSecret = "kubernetes:external-secrets.io/v1:ExternalSecret";
const fluxProvider = "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider";
const fluxAlert = "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert";

describe("Notifications alone", () => {
  it("per channel: an ExternalSecret of the webhook URL, a Provider after it and the FluxInstance, an Alert after the Provider", async () => {
    const run = await runComponent(() => {
      void new Notifications("notifications", {
        channels: [{ type: "slack", channel: "#ops", vaultPath: "clusters/staging/slack", kvSecret: standIn("kv-slack") }],
        severity: "error",
        fluxSecrets: { storeName: "vault", store: standIn("store"), refreshInterval: "1h", provider: clusterProvider(), readyTimeoutSeconds: 120 },
        fluxInstance: standIn("flux-instance"),
        namespaces: ["apps", "flux-system"],
      });
    });
    expect(tree(run).filter((line) => !line.startsWith("random:"))).toEqual([
      "gitops:flux:Notifications notifications",
      `${externalSecret} notifications-slack-address < notifications`,
      `${fluxAlert} notifications-slack-alert < notifications`,
      `${fluxProvider} notifications-slack < notifications`,
      "pulumi:providers:kubernetes cluster",
    ]);
    const address = run.one(externalSecret);
    const provider = run.one(fluxProvider);
    const alert = run.one(fluxAlert);
    expect(provider.parent).toBe(`${urnPrefix}gitops:flux:Notifications::notifications`);
    expect(run.componentOutputs[`${urnPrefix}gitops:flux:Notifications::notifications`]).toEqual({ channels: ["slack"] });
    expect([...address.dependencies].sort()).toEqual([standInUrn("kv-slack"), standInUrn("store")]);
    expect([...provider.dependencies].sort()).toEqual([address.urn, standInUrn("flux-instance")]);
    expect(alert.dependencies).toEqual([provider.urn]);
    expect((address.inputs.spec as { dataFrom: unknown }).dataFrom).toEqual([{ extract: { key: "clusters/staging/slack" } }]);
    expect(provider.inputs.spec).toEqual({ type: "slack", channel: "#ops", secretRef: { name: "slack-webhook" } });
    expect(alert.inputs.spec).toEqual({
      providerRef: { name: "slack" },
      eventSeverity: "error",
      eventSources: [
        { kind: "Kustomization", name: "*", namespace: "apps" },
        { kind: "Kustomization", name: "*", namespace: "flux-system" },
        { kind: "HelmRelease", name: "*", namespace: "apps" },
        { kind: "HelmRelease", name: "*", namespace: "flux-system" },
      ],
    });
  });
});
