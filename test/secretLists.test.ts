import { describe, expect, it } from "vitest";
import { parseConfig } from "../components/config";
import { vaultLayout } from "../components/layout";
import { appSecretSources, notificationChannelSources, userSecretSpecs } from "../components/secretLists";
import { stackSource } from "./support/configFixtures";
import { firstRunEnv } from "./support/scenarios";

const staging = parseConfig(stackSource("staging", {}, firstRunEnv()));

describe("the bootstrap's secret lists, as pure functions of the config", () => {
  it("staging: the GitHub and Cloudflare tokens and each app's keys, at their paths", () => {
    const shape = userSecretSpecs(staging, vaultLayout(staging)).map((spec) => [
      spec.name,
      spec.path,
      Object.fromEntries(Object.entries(spec.fields).map(([key, field]) => [key, "value" in field ? "supplied" : "read back"])),
    ]);
    expect(shape).toEqual([
      ["github-token", "clusters/staging/github", { token: "supplied" }],
      ["cloudflare-api-token", "clusters/staging/cloudflare", { "api-token": "supplied" }],
      ["app-podinfo", "clusters/staging/apps/podinfo", { "api-key": "supplied" }],
      ["app-grafana", "clusters/staging/apps/grafana", { "admin-password": "supplied" }],
    ]);
  });

  it("asks Vault for a value nobody supplied", () => {
    const config = parseConfig(stackSource("staging", { cloudflare: { enabled: false } }, {}));
    expect(userSecretSpecs(config, vaultLayout(config)).map((spec) => [spec.name, Object.values(spec.fields).map((field) => "readBack" in field)])).toEqual([
      ["github-token", [true]],
      ["app-podinfo", [true]],
      ["app-grafana", [true]],
    ]);
  });

  it("staging: one ExternalSecret per app and one Cloudflare token per namespace that asked", () => {
    expect(appSecretSources(staging, vaultLayout(staging))).toEqual([
      { name: "podinfo", namespace: "podinfo", secretName: "podinfo-secrets", vaultPath: "clusters/staging/apps/podinfo", refreshInterval: "15m", kvSecretName: "app-podinfo" },
      { name: "grafana", namespace: "monitoring", secretName: "grafana-secrets", vaultPath: "clusters/staging/apps/grafana", refreshInterval: "15m", kvSecretName: "app-grafana" },
      { name: "cloudflare", namespace: "cert-manager", secretName: "cloudflare-api-token", vaultPath: "clusters/staging/cloudflare", refreshInterval: "15m", kvSecretName: "cloudflare-api-token" },
    ]);
  });

  it("lists the notification channels that are on, each with its webhook URL's KV secret", () => {
    expect(notificationChannelSources(staging, vaultLayout(staging))).toEqual([]);
    const both = parseConfig(stackSource("staging", { notifications: { slack: true, discord: true, channel: "#flux", severity: "error" } }, firstRunEnv()));
    expect(notificationChannelSources(both, vaultLayout(both))).toEqual([
      { type: "slack", channel: "#flux", vaultPath: "clusters/staging/flux/notifications/slack", kvSecretName: "slack-webhook" },
      { type: "discord", vaultPath: "clusters/staging/flux/notifications/discord", kvSecretName: "discord-webhook" },
    ]);
  });

  it("names Flux's pull secret and the webhook token by their rotation generation", () => {
    expect(vaultLayout(staging).secretNames).toEqual({ gitAuth: "flux-git-auth-v1", webhookToken: "webhook-token-v1" });
    const rotated = parseConfig(
      stackSource("staging", { github: { owner: "acme-platform", repository: "fleet", path: "clusters/staging", deployKey: { rotation: 3 } } }, firstRunEnv()),
    );
    expect([vaultLayout(rotated).secretNames.gitAuth, vaultLayout(rotated).gitAuth]).toEqual(["flux-git-auth-v3", "clusters/staging/flux/git-auth-v3"]);
  });
});
