import * as github from "@pulumi/github";
import * as vault from "@pulumi/vault";
import { describe, expect, it } from "vitest";
import { WebhookReceiver } from "../../components/webhook";
import { clusterProvider, runComponent, tree } from "./run";
import { standIn, standInUrn } from "./standIns";

const externalSecret = "kubernetes:external-secrets.io/v1:ExternalSecret";
const receiverType = "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver";

describe("WebhookReceiver alone", () => {
  it("owns its token: generated, written to Vault, synced by an ExternalSecret; then the Receiver, the Ingress and the GitHub webhook of its generation", async () => {
    const run = await runComponent(() => {
      void new WebhookReceiver("webhook", {
        host: "flux.example.com",
        certManagerIssuer: "letsencrypt",
        generation: 2,
        tokenSecretName: "webhook-token-v2",
        vaultPath: "clusters/staging/flux/webhook-token-v2",
        kvMount: "gitops",
        vaultProvider: new vault.Provider("vault", { address: "http://127.0.0.1:8200" }),
        fluxSecrets: { storeName: "vault", store: standIn("store"), refreshInterval: "1h", provider: clusterProvider(), readyTimeoutSeconds: 120 },
        repository: "fleet",
        githubProvider: new github.Provider("github", { owner: "acme" }),
        fluxInstance: standIn("flux-instance"),
      });
    });
    expect(tree(run).filter((line) => !line.startsWith("random:index/randomString") && !line.startsWith("pulumi:"))).toEqual([
      "github:index/repositoryWebhook:RepositoryWebhook webhook-v2 < webhook",
      "gitops:flux:WebhookReceiver webhook",
      `${externalSecret} webhook-token-v2 < webhook`,
      "kubernetes:networking.k8s.io/v1:Ingress webhook < webhook",
      `${receiverType} webhook-v2 < webhook`,
      "random:index/randomPassword:RandomPassword webhook-token-v2 < webhook",
      "vault:kv/secretV2:SecretV2 webhook-token-v2 < webhook",
    ]);
    const token = run.generatedSecrets.find((value) => value.startsWith("mock-random-webhook-token-v2"));
    expect(token).toBeDefined();
    const password = run.one("random:index/randomPassword:RandomPassword");
    expect(password.inputs).toMatchObject({ length: 40, special: false });
    const inVault = run.one("vault:kv/secretV2:SecretV2");
    expect(inVault.inputs).toMatchObject({ mount: "gitops", name: "clusters/staging/flux/webhook-token-v2", dataJson: JSON.stringify({ token }) });
    const tokenSecret = run.one(externalSecret);
    const receiver = run.one(receiverType);
    const hook = run.one("github:index/repositoryWebhook:RepositoryWebhook");
    expect([...tokenSecret.dependencies].sort()).toEqual([standInUrn("store"), inVault.urn].sort());
    expect((tokenSecret.inputs.spec as { dataFrom: unknown }).dataFrom).toEqual([{ extract: { key: "clusters/staging/flux/webhook-token-v2" } }]);
    expect([...receiver.dependencies].sort()).toEqual([tokenSecret.urn, standInUrn("flux-instance")].sort());
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
