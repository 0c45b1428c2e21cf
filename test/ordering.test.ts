import { beforeAll, describe, expect, it } from "vitest";
import { newWorld, ProgramRun } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

describe("the phases are data dependencies, not a serial script", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
  });

  it("orders Vault mount → KV secret → ExternalSecret → FluxInstance", () => {
    const mount = run.one("vault:index/mount:Mount");
    const kv = run.one("vault:kv/secretV2:SecretV2", "flux-git-auth-v1");
    const gitAuth = run.one("kubernetes:external-secrets.io/v1:ExternalSecret", "flux-git-auth-v1");
    const flux = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    expect(run.dependsOn(kv, mount)).toBe(true);
    expect(run.dependsOn(gitAuth, kv)).toBe(true);
    expect(run.dependsOn(flux, gitAuth)).toBe(true);
    // …and the FluxInstance waits for the ExternalSecret to be Ready, not merely created.
    expect((gitAuth.inputs.metadata as { annotations: Record<string, string> }).annotations["pulumi.com/waitFor"]).toBe("condition=Ready");
  });

  it("waits for the Flux operator (CRDs) and the store before the custom resources that need them", () => {
    const flux = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    expect(run.dependsOn(flux, run.one("kubernetes:helm.sh/v3:Release", "flux-operator"))).toBe(true);
    const stores = run.ofType("kubernetes:external-secrets.io/v1:SecretStore");
    const namespaceOf = (r: { inputs: Record<string, unknown> }) => (r.inputs.metadata as { namespace: string }).namespace;
    expect(stores.length).toBe(4);
    for (const store of stores) {
      expect(run.dependsOn(store, run.one("kubernetes:helm.sh/v3:Release", "external-secrets"))).toBe(true);
      expect(run.dependsOn(store, run.one("vault:kubernetes/authBackendRole:AuthBackendRole", `vault-access-reader-${namespaceOf(store)}`))).toBe(true);
      expect(run.dependsOn(store, run.one("vault:kubernetes/authBackendConfig:AuthBackendConfig"))).toBe(true);
    }
    for (const externalSecret of run.ofType("kubernetes:external-secrets.io/v1:ExternalSecret")) {
      const own = stores.find((store) => namespaceOf(store) === namespaceOf(externalSecret));
      expect(own && run.dependsOn(externalSecret, own), externalSecret.name).toBe(true);
    }
    const receiver = run.one("kubernetes:notification.toolkit.fluxcd.io/v1:Receiver");
    expect(run.dependsOn(receiver, flux)).toBe(true);
  });

  it("registers the deploy key on GitHub before Flux is handed the key", () => {
    const gitAuth = run.one("kubernetes:external-secrets.io/v1:ExternalSecret", "flux-git-auth-v1");
    expect(run.dependsOn(gitAuth, run.one("github:index/repositoryDeployKey:RepositoryDeployKey"))).toBe(true);
  });

  it("lets independent work run concurrently", () => {
    const fluxOperator = run.one("kubernetes:helm.sh/v3:Release", "flux-operator");
    const eso = run.one("kubernetes:helm.sh/v3:Release", "external-secrets");
    const vault = run.one("kubernetes:helm.sh/v3:Release", "vault");
    const key = run.one("tls:index/privateKey:PrivateKey");
    const independent = [fluxOperator, eso, vault, key];
    for (const a of independent) {
      for (const b of independent) {
        if (a !== b) expect(run.dependsOn(a, b), `${a.name} must not wait for ${b.name}`).toBe(false);
      }
    }
    // Key generation waits for nothing at all; each chart waits only for its own namespace.
    expect(key.dependencies).toEqual([]);
    expect(fluxOperator.dependencies).toEqual([run.one("kubernetes:core/v1:Namespace", "ns-flux-system").urn]);
    expect(eso.dependencies).toEqual([run.one("kubernetes:core/v1:Namespace", "ns-external-secrets").urn]);
    // Namespaces do not wait for each other.
    for (const namespace of run.ofType("kubernetes:core/v1:Namespace")) {
      expect(namespace.dependencies.filter((urn) => urn.includes("Namespace"))).toEqual([]);
    }
  });

  it("does not make the FluxInstance wait for app secrets, the webhook or notifications", () => {
    const flux = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    for (const name of ["app-podinfo", "app-grafana", "cloudflare-api-token", "webhook-token-v1"]) {
      expect(run.dependsOn(flux, run.one("vault:kv/secretV2:SecretV2", name)), name).toBe(false);
    }
  });

  it("passes one explicit provider to every Kubernetes and Vault resource", () => {
    const kubernetesProvider = run.one("pulumi:providers:kubernetes");
    const vaultProvider = run.one("pulumi:providers:vault");
    for (const resource of run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))) {
      if (resource.type.startsWith("kubernetes:")) expect(resource.provider, resource.name).toContain(kubernetesProvider.urn);
      if (resource.type.startsWith("vault:")) expect(resource.provider, resource.name).toContain(vaultProvider.urn);
      if (resource.type.startsWith("github:")) expect(resource.provider, resource.name).toContain("pulumi:providers:github::github");
    }
  });

  it("names every Kubernetes object DNS-1123 and never registers one twice", () => {
    const seen = new Set<string>();
    for (const resource of run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom)) {
      const metadata = resource.inputs.metadata as { name?: string; namespace?: string } | undefined;
      if (metadata?.name === undefined) continue;
      expect(metadata.name, resource.urn).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      const key = `${resource.type}/${metadata.namespace ?? ""}/${metadata.name}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });
});
