import { beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { alertManifest, providerManifest } from "../components/notifications";
import { receiverWebhookPath } from "../components/webhook";
import { newWorld, ProgramRun, RegisteredResource } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const spec = (resource: RegisteredResource) => resource.inputs.spec as Record<string, unknown>;
const metadata = (resource: RegisteredResource) => resource.inputs.metadata as { name: string; namespace?: string; annotations?: Record<string, string> };

describe("phase 4 on staging", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
  });

  it("gives each app an ExternalSecret in its namespace that reads only its own Vault path", () => {
    const podinfo = run.ofType("kubernetes:external-secrets.io/v1:ExternalSecret").find((r) => metadata(r).name === "podinfo-secrets");
    const grafana = run.ofType("kubernetes:external-secrets.io/v1:ExternalSecret").find((r) => metadata(r).name === "grafana-secrets");
    expect(podinfo && metadata(podinfo).namespace).toBe("podinfo");
    expect(grafana && metadata(grafana).namespace).toBe("monitoring");
    expect(spec(podinfo as RegisteredResource)).toMatchObject({
      refreshInterval: "15m",
      secretStoreRef: { kind: "SecretStore", name: "vault-backend" },
      target: { name: "podinfo-secrets", creationPolicy: "Owner" },
      dataFrom: [{ extract: { key: "clusters/staging/apps/podinfo" } }],
    });
    expect(run.dependsOn(podinfo as RegisteredResource, run.one("vault:kv/secretV2:SecretV2", "app-podinfo"))).toBe(true);
    expect(run.dependsOn(podinfo as RegisteredResource, run.one("vault:kv/secretV2:SecretV2", "app-grafana"))).toBe(false);
    expect(run.outputs.appsWired.value).toEqual(["podinfo/podinfo-secrets", "monitoring/grafana-secrets"]);
  });

  it("hands the Cloudflare token to the configured namespaces", () => {
    const cloudflare = run.ofType("kubernetes:external-secrets.io/v1:ExternalSecret").filter((r) => metadata(r).name === "cloudflare-api-token");
    expect(cloudflare.map((r) => metadata(r).namespace)).toEqual(["cert-manager"]);
  });

  it("gives a store only to the namespaces that sync secrets, each logging in as itself", () => {
    const stores = run.ofType("kubernetes:external-secrets.io/v1:SecretStore");
    expect(stores.map((store) => metadata(store).namespace).sort()).toEqual(["cert-manager", "flux-system", "monitoring", "podinfo"]);
    for (const store of stores) {
      expect(metadata(store).name).toBe("vault-backend");
      expect((spec(store).provider as { vault: { auth: unknown } }).vault.auth).toEqual({
        kubernetes: { mountPath: "kubernetes", role: `eso-${metadata(store).namespace}`, serviceAccountRef: { name: "vault-reader" } },
      });
    }
    expect(run.ofType("kubernetes:external-secrets.io/v1:ClusterSecretStore")).toEqual([]);
  });

  it("wires a GitHub push webhook to a Flux Receiver on a token only Vault and the cluster hold", () => {
    const receiver = run.one("kubernetes:notification.toolkit.fluxcd.io/v1:Receiver");
    expect(metadata(receiver)).toMatchObject({ name: "github-v1", namespace: "flux-system" });
    expect(spec(receiver)).toEqual({
      type: "github",
      events: ["ping", "push"],
      secretRef: { name: "webhook-token-v1" },
      resources: [{ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: "flux-system" }],
    });
    const token = run.generatedSecrets.find((value) => value.startsWith("mock-random-webhook-token-v1"));
    expect(token).toBeDefined();
    const expectedPath = `/hook/${createHash("sha256").update(`${token}github-v1flux-system`).digest("hex")}`;
    expect(receiverWebhookPath(token as string, "github-v1", "flux-system")).toBe(expectedPath);
    expect(run.outputs.webhookUrl).toEqual({ value: `https://flux-webhook.staging.acme.example${expectedPath}`, secret: true });
    const hook = run.one("github:index/repositoryWebhook:RepositoryWebhook");
    expect(hook.inputs).toMatchObject({
      repository: "fleet",
      active: true,
      events: ["push"],
      configuration: { url: `https://flux-webhook.staging.acme.example${expectedPath}`, contentType: "json", secret: token, insecureSsl: false },
    });
    expect(JSON.stringify(hook.wireInputs.configuration)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(run.dependsOn(hook, receiver)).toBe(true);
    const ingress = run.one("kubernetes:networking.k8s.io/v1:Ingress");
    expect(spec(ingress)).toMatchObject({
      ingressClassName: "traefik",
      rules: [{ host: "flux-webhook.staging.acme.example", http: { paths: [{ path: "/hook/", pathType: "Prefix", backend: { service: { name: "webhook-receiver", port: { number: 80 } } } }] } }],
    });
  });

  it("has no notification resources when neither Slack nor Discord is on", () => {
    expect(run.ofType("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider")).toEqual([]);
  });

  it("waits for Ready on what has a Ready condition, within the configured timeout", () => {
    const waited = run.resources.filter((r) => metadata(r)?.annotations?.["pulumi.com/waitFor"] !== undefined);
    expect(waited.map((r) => r.type.split(":")[2]).sort()).toEqual(
      ["SecretStore", "SecretStore", "SecretStore", "SecretStore", "ExternalSecret", "ExternalSecret", "ExternalSecret", "ExternalSecret", "ExternalSecret", "FluxInstance", "Receiver"].sort(),
    );
    for (const resource of waited) {
      expect(metadata(resource).annotations?.["pulumi.com/waitFor"]).toBe("condition=Ready");
      expect(resource.customTimeouts).toMatchObject({ create: "300s", update: "300s" });
    }
    expect(run.outputs.ready.value).toEqual([
      "SecretStore flux-system/vault-backend",
      "SecretStore cert-manager/vault-backend",
      "SecretStore podinfo/vault-backend",
      "SecretStore monitoring/vault-backend",
      "ExternalSecret flux-system/flux-git-auth-v1",
      "FluxInstance flux-system/flux",
      "ExternalSecret podinfo/podinfo-secrets",
      "ExternalSecret monitoring/grafana-secrets",
      "ExternalSecret cert-manager/cloudflare-api-token",
      "Receiver flux-system/github-v1",
    ]);
  });
});

describe("notifications (prod)", () => {
  it("sends Kustomization and HelmRelease errors to Slack with the URL from Vault", async () => {
    const run = await runProgram({ stack: "prod", env: firstRunEnv(), world: newWorld() });
    const provider = run.one("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider");
    expect(provider.inputs).toMatchObject(providerManifest({ type: "slack", channel: "platform-alerts" }, "slack-webhook"));
    const alert = run.one("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert", "notifications-slack-alert");
    // An event source without a namespace means the Alert's own, and there is no namespace wildcard
    // (notification-controller eventMatchesAlertSource): one source per managed namespace and kind.
    expect(metadata(alert)).toMatchObject({ name: "slack", namespace: "flux-system" });
    expect(spec(alert)).toEqual({
      providerRef: { name: "slack" },
      eventSeverity: "error",
      eventSources: [
        { kind: "Kustomization", name: "*", namespace: "cert-manager" },
        { kind: "Kustomization", name: "*", namespace: "external-secrets" },
        { kind: "Kustomization", name: "*", namespace: "flux-system" },
        { kind: "Kustomization", name: "*", namespace: "monitoring" },
        { kind: "Kustomization", name: "*", namespace: "podinfo" },
        { kind: "Kustomization", name: "*", namespace: "vault" },
        { kind: "HelmRelease", name: "*", namespace: "cert-manager" },
        { kind: "HelmRelease", name: "*", namespace: "external-secrets" },
        { kind: "HelmRelease", name: "*", namespace: "flux-system" },
        { kind: "HelmRelease", name: "*", namespace: "monitoring" },
        { kind: "HelmRelease", name: "*", namespace: "podinfo" },
        { kind: "HelmRelease", name: "*", namespace: "vault" },
      ],
    });
    const address = run.ofType("kubernetes:external-secrets.io/v1:ExternalSecret").find((r) => metadata(r).name === "slack-webhook") as RegisteredResource;
    expect(spec(address).dataFrom).toEqual([{ extract: { key: "clusters/prod/flux/notifications/slack" } }]);
    expect(run.dependsOn(provider, address)).toBe(true);
    expect(run.dependsOn(alert, provider)).toBe(true);
    // v1beta3 Providers and Alerts have no status: waiting for Ready would hang.
    expect(metadata(provider).annotations?.["pulumi.com/waitFor"]).toBeUndefined();
    const kv = JSON.parse(String(run.one("vault:kv/secretV2:SecretV2", "slack-webhook").inputs.dataJson)) as Record<string, string>;
    expect(kv).toEqual({ address: firstRunEnv().SLACK_WEBHOOK_URL });
  });

  it("names every namespace in each event source, once, in order", () => {
    expect(alertManifest("discord", "info", ["podinfo", "flux-system", "podinfo"]).spec).toEqual({
      providerRef: { name: "discord" },
      eventSeverity: "info",
      eventSources: [
        { kind: "Kustomization", name: "*", namespace: "flux-system" },
        { kind: "Kustomization", name: "*", namespace: "podinfo" },
        { kind: "HelmRelease", name: "*", namespace: "flux-system" },
        { kind: "HelmRelease", name: "*", namespace: "podinfo" },
      ],
    });
  });

  it("adds Discord when asked, at info severity", async () => {
    const run = await runProgram({ stack: "staging", config: { notifications: { discord: true, severity: "info" } }, env: firstRunEnv(), world: newWorld() });
    expect(run.one("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider").inputs).toMatchObject({ spec: { type: "discord", secretRef: { name: "discord-webhook" } } });
    expect(run.one("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert").inputs).toMatchObject({ spec: { eventSeverity: "info" } });
  });
});
