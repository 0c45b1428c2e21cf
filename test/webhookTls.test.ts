import { describe, expect, it } from "vitest";
import { newWorld } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

describe("webhook TLS", () => {
  it.each([
    ["staging", "flux-webhook.staging.acme.example"],
    ["prod", "flux-webhook.prod.acme.example"],
  ])("%s: the webhook Ingress asks cert-manager for a certificate GitHub trusts", async (stack, host) => {
    const run = await runProgram({ stack, env: firstRunEnv(), world: newWorld() });
    const ingress = run.one("kubernetes:networking.k8s.io/v1:Ingress", "flux-webhook");
    const metadata = ingress.inputs.metadata as { annotations?: Record<string, string> };
    expect(metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
    expect((ingress.inputs.spec as { tls: unknown }).tls).toEqual([{ hosts: [host], secretName: "flux-webhook-tls" }]);
    const hook = run.one("github:index/repositoryWebhook:RepositoryWebhook");
    expect((hook.inputs.configuration as { insecureSsl: boolean }).insecureSsl).toBe(false);
  });
});
