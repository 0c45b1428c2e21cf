import { describe, expect, it } from "vitest";
import { newWorld, ProgramRun } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const github = (rotation: number) => ({ owner: "acme-platform", repository: "fleet", path: "clusters/staging", deployKey: { rotation } });
const webhook = (rotation: number) => ({ host: "flux-webhook.staging.acme.example", ingressClassName: "traefik", certManagerIssuer: "letsencrypt", rotation });
/**
 * What the engine deletes at the end of `after`'s update: resources `before` registered that
 * `after` no longer does, as "type name" (without the parent type chain), sorted.
 */
function deletedBetween(before: ProgramRun, after: ProgramRun): string[] {
  const kept = new Set(after.resources.map((r) => r.urn));
  return before.resources
    .filter((r) => !kept.has(r.urn))
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

describe("rotation: new credential, consumers switched, old one deleted last", () => {
  it("rotates the deploy key through a new generation of every dependent", async () => {
    const world = newWorld();
    const before = await runProgram({ stack: "staging", config: { github: github(1) }, env: firstRunEnv(), world });
    const after = await runProgram({ stack: "staging", config: { github: github(2) }, env: {}, world });

    const newKey = after.one("github:index/repositoryDeployKey:RepositoryDeployKey");
    const newKv = after.one("vault:kv/secretV2:SecretV2", "flux-git-auth-v2");
    const newPullSecret = after.one("kubernetes:external-secrets.io/v1:ExternalSecret", "flux-git-auth-v2");
    const flux = after.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    expect(newKey.inputs.title).toBe("flux-staging-v2");
    expect(newKv.inputs.name).toBe("clusters/staging/flux/git-auth-v2");
    expect((flux.inputs.spec as { sync: { pullSecret: string } }).sync.pullSecret).toBe("flux-git-auth-v2");
    // The new key is on GitHub and its Secret is Ready before Flux is switched to it.
    expect(after.dependsOn(newPullSecret, newKey)).toBe(true);
    expect(after.dependsOn(flux, newPullSecret)).toBe(true);
    // The FluxInstance is updated in place (same URN), never replaced.
    expect(flux.urn).toBe(before.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance").urn);

    // The old generation is no longer in the program: the engine deletes it after all creates and
    // updates of the run, i.e. after Flux uses the new key.
    expect(deletedBetween(before, after)).toEqual(
      [
        "tls:index/privateKey:PrivateKey deploy-key-v1",
        "github:index/repositoryDeployKey:RepositoryDeployKey deploy-key-v1",
        "vault:kv/secretV2:SecretV2 flux-git-auth-v1",
        "kubernetes:external-secrets.io/v1:ExternalSecret flux-git-auth-v1",
      ].sort(),
    );
    // Nothing in the new generation asks to be deleted before its replacement is ready.
    expect(after.resources.filter((r) => r.deleteBeforeReplace)).toEqual([]);
    // Vault lets flux-system's store read the new path.
    expect(String(after.one("vault:index/policy:Policy", "vault-access-reader-flux-system").inputs.policy)).toContain("clusters/staging/flux/git-auth-v2");
  });

  it("rotates the webhook token with a new Receiver and GitHub webhook next to the old ones", async () => {
    const world = newWorld();
    const before = await runProgram({ stack: "staging", config: { webhook: webhook(1) }, env: firstRunEnv(), world });
    const after = await runProgram({ stack: "staging", config: { webhook: webhook(2) }, env: {}, world });
    const receiver = after.one("kubernetes:notification.toolkit.fluxcd.io/v1:Receiver");
    expect((receiver.inputs.metadata as { name: string }).name).toBe("github-v2");
    expect((receiver.inputs.spec as { secretRef: { name: string } }).secretRef.name).toBe("webhook-token-v2");
    const hook = after.one("github:index/repositoryWebhook:RepositoryWebhook");
    expect(after.dependsOn(hook, receiver)).toBe(true);
    expect(after.outputs.webhookUrl.value).not.toEqual(before.outputs.webhookUrl.value);
    expect(deletedBetween(before, after)).toEqual(
      [
        "random:index/randomPassword:RandomPassword webhook-token-v1",
        "vault:kv/secretV2:SecretV2 webhook-token-v1",
        "kubernetes:external-secrets.io/v1:ExternalSecret flux-webhook-token-v1",
        "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver flux-webhook-v1",
        "github:index/repositoryWebhook:RepositoryWebhook flux-webhook-v1",
      ].sort(),
    );
    // The Ingress serves every receiver path, so it stays.
    expect(after.one("kubernetes:networking.k8s.io/v1:Ingress").urn).toBe(before.one("kubernetes:networking.k8s.io/v1:Ingress").urn);
  });
});
