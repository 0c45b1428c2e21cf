import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { WebhookReceiver } from "../../components/webhook";
import { clusterProvider, runComponent, tree } from "./run";
import { standIn, standInUrn } from "./standIns";

const externalSecret = "kubernetes:external-secrets.io/v1:ExternalSecret";
const receiverType = "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver";
const token = "s3cr3t-hook-token-0001";

describe("WebhookReceiver alone", () => {
  it("registers the token's ExternalSecret, the Receiver, the Ingress and the GitHub webhook of its generation", async () => {
    const run = await runComponent(() => {
      void new WebhookReceiver("webhook", {
        host: "flux.example.com",
        certManagerIssuer: "letsencrypt",
        generation: 2,
        token: pulumi.secret(token),
        vaultPath: "clusters/staging/webhook",
        tokenKvSecret: standIn("kv-webhook"),
        storeName: "vault",
        store: standIn("store"),
        refreshInterval: "1h",
        repository: "fleet",
        githubProvider: new github.Provider("github", { owner: "acme" }),
        provider: clusterProvider(),
        readyTimeoutSeconds: 120,
        fluxInstance: standIn("flux-instance"),
      });
    }, { secrets: { webhookToken: token } });
    expect(tree(run).filter((line) => !line.startsWith("random:") && !line.startsWith("pulumi:"))).toEqual([
      "github:index/repositoryWebhook:RepositoryWebhook webhook-v2 < webhook",
      "gitops:flux:WebhookReceiver webhook",
      `${externalSecret} webhook-token-v2 < webhook`,
      "kubernetes:networking.k8s.io/v1:Ingress webhook < webhook",
      `${receiverType} webhook-v2 < webhook`,
    ]);
    const tokenSecret = run.one(externalSecret);
    const receiver = run.one(receiverType);
    const hook = run.one("github:index/repositoryWebhook:RepositoryWebhook");
    expect([...tokenSecret.dependencies].sort()).toEqual([standInUrn("kv-webhook"), standInUrn("store")]);
    expect([...receiver.dependencies].sort()).toEqual([tokenSecret.urn, standInUrn("flux-instance")]);
    expect(hook.dependencies).toContain(receiver.urn);
    expect(receiver.inputs.metadata).toMatchObject({ name: "github-v2", namespace: "flux-system" });
    expect((receiver.inputs.spec as { secretRef: unknown }).secretRef).toEqual({ name: "webhook-token-v2" });
    const ingress = run.one("kubernetes:networking.k8s.io/v1:Ingress");
    expect((ingress.inputs.metadata as { annotations: unknown }).annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
    expect((ingress.inputs.spec as { tls: unknown }).tls).toEqual([{ hosts: ["flux.example.com"], secretName: "flux-webhook-tls" }]);
    // The URL embeds sha256(token + "github-v2" + "flux-system"), so it is sent as a secret.
    expect(hook.inputs.configuration).toMatchObject({ contentType: "json", insecureSsl: false, secret: token });
    expect((hook.inputs.configuration as { url: string }).url).toMatch(/^https:\/\/flux\.example\.com\/hook\/[0-9a-f]{64}$/);
  });
});
