import { describe, expect, it } from "vitest";
import { readPolicyHcl } from "../components/vaultAccess";
import { isLoopbackAddress, vaultChartValues, vaultInitScript, vaultStoreScript } from "../components/vault";
import { newWorld } from "./support/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const externalVault = {
  mode: "external",
  address: "https://vault.acme.example:8200",
  pathPrefix: "clusters/staging",
  kubernetesHost: "https://k8s.staging.acme.example:6443",
};

describe("Vault", () => {
  it("in-cluster: chart, one-time init Job, token read back from the init Secret, provider on the reachable address", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const release = run.one("kubernetes:helm.sh/v3:Release", "vault");
    expect(release.inputs).toMatchObject({ chart: "vault", version: "0.31.0", namespace: "vault", repositoryOpts: { repo: "https://helm.releases.hashicorp.com" } });
    const job = run.one("kubernetes:batch/v1:Job", "vault-init");
    expect(run.dependsOn(job, release)).toBe(true);
    const initSecret = run.one("kubernetes:core/v1:Secret", "vault-init-material");
    expect(initSecret.read).toBe(true);
    expect(run.dependsOn(initSecret, job)).toBe(true);
    const provider = run.one("pulumi:providers:vault");
    expect(provider.inputs.address).toBe("https://vault.staging.acme.example");
    // That address is the chart's Ingress, so pulumi reaches Vault as soon as it runs.
    expect((release.inputs.values as { server: { ingress: unknown } }).server.ingress).toEqual({
      enabled: true,
      ingressClassName: "traefik",
      pathType: "Prefix",
      activeService: true,
      hosts: [{ host: "vault.staging.acme.example", paths: [] }],
      tls: [],
    });
    expect(provider.inputs.token).toBe("hvs.mock-root-token");
    expect(JSON.stringify(provider.wireInputs.token)).toContain("1b47061264138c4ac30d75fd1eb44270");
    // ESO, in the cluster, uses the in-cluster address.
    const store = run.one("kubernetes:external-secrets.io/v1:SecretStore", "secret-stores-flux-system");
    expect((store.inputs.spec as { provider: { vault: { server: string } } }).provider.vault.server).toBe("http://vault.vault.svc:8200");
    // Vault reviews the readers' tokens itself: no reviewer account, only one reader per reading namespace.
    expect(run.ofType("kubernetes:core/v1:ServiceAccount").map((r) => r.name).sort()).toEqual(
      ["secret-stores-cert-manager", "secret-stores-flux-system", "secret-stores-monitoring", "secret-stores-podinfo", "vault-init"],
    );
  });

  it("creates no Ingress for a port-forward address, and TLS where a Secret is named", () => {
    expect(isLoopbackAddress("http://127.0.0.1:8200")).toBe(true);
    expect(isLoopbackAddress("http://localhost:8200")).toBe(true);
    expect(isLoopbackAddress("https://vault.example.com")).toBe(false);
    const portForward = vaultChartValues({ address: "http://127.0.0.1:8200" }) as { server: { ingress: unknown } };
    expect(portForward.server.ingress).toEqual({ enabled: false });
    const withTls = vaultChartValues({ address: "https://vault.example.com", tlsSecretName: "vault-tls" }) as { server: { ingress: { tls: unknown } } };
    expect(withTls.server.ingress.tls).toEqual([{ secretName: "vault-tls", hosts: ["vault.example.com"] }]);
  });

  it("initialises only an uninitialised Vault and prints no secret", () => {
    expect(vaultInitScript).toMatch(/if vault status \| grep -Eq '\^Initialized \+false'; then/);
    expect(vaultInitScript).not.toMatch(/cat \/work\/(root-token|unseal-key)\s*$/m);
    expect(vaultInitScript).toMatch(/>\/dev\/null/);
    expect(vaultStoreScript).toMatch(/kubectl -n vault create secret generic vault-init/);
  });

  it("external: no chart, token from VAULT_TOKEN as a secret, a token reviewer for the Kubernetes auth method", async () => {
    const run = await runProgram({ stack: "staging", config: { vault: externalVault }, env: firstRunEnv(), world: newWorld() });
    expect(run.ofType("kubernetes:helm.sh/v3:Release").map((r) => r.name).sort()).toEqual(["external-secrets", "flux-operator"]);
    expect(run.ofType("kubernetes:batch/v1:Job")).toEqual([]);
    const provider = run.one("pulumi:providers:vault");
    expect(provider.inputs).toMatchObject({ address: "https://vault.acme.example:8200", token: firstRunEnv().VAULT_TOKEN });
    expect(JSON.stringify(provider.wireInputs.token)).toContain("1b47061264138c4ac30d75fd1eb44270");
    const authConfig = run.one("vault:kubernetes/authBackendConfig:AuthBackendConfig");
    expect(authConfig.inputs).toMatchObject({ kubernetesHost: "https://k8s.staging.acme.example:6443", disableLocalCaJwt: true });
    expect(JSON.stringify(authConfig.wireInputs.tokenReviewerJwt)).toContain("1b47061264138c4ac30d75fd1eb44270");
    const binding = run.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    expect(binding.inputs).toMatchObject({ roleRef: { name: "system:auth-delegator" } });
    const store = run.one("kubernetes:external-secrets.io/v1:SecretStore", "secret-stores-podinfo");
    expect((store.inputs.spec as { provider: { vault: { server: string } } }).provider.vault.server).toBe("https://vault.acme.example:8200");
  });

  it("external mode needs a token before anything is registered", async () => {
    const env = { ...firstRunEnv() } as Record<string, string>;
    delete env.VAULT_TOKEN;
    await expect(runProgram({ stack: "staging", config: { vault: externalVault }, env, world: newWorld() })).rejects.toThrow(
      /gitops-bootstrap:vaultToken: is required to reach the external Vault.*VAULT_TOKEN/,
    );
  });

  it("never points the provider at a cluster-internal address", async () => {
    await expect(
      runProgram({ stack: "staging", config: { vault: { ...externalVault, address: "http://vault.vault.svc:8200" } }, env: firstRunEnv() }),
    ).rejects.toThrow(/gitops-bootstrap:vault.address: must be reachable from the machine that runs pulumi/);
  });

  it("gives each reading namespace a role bound to its own reader, with a policy on exactly its paths", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const pathsOf = (namespace: string) => {
      const policy = String(run.one("vault:index/policy:Policy", `vault-access-reader-${namespace}`).inputs.policy);
      expect(policy).not.toMatch(/\*|github"|create|update|delete|list/);
      return [...policy.matchAll(/path "([^"]+)"/g)].map((m) => m[1]).sort();
    };
    expect(pathsOf("flux-system")).toEqual(["gitops/data/clusters/staging/flux/git-auth-v1", "gitops/data/clusters/staging/flux/webhook-token-v1"]);
    expect(pathsOf("podinfo")).toEqual(["gitops/data/clusters/staging/apps/podinfo"]);
    expect(pathsOf("monitoring")).toEqual(["gitops/data/clusters/staging/apps/grafana"]);
    expect(pathsOf("cert-manager")).toEqual(["gitops/data/clusters/staging/cloudflare"]);
    expect(run.ofType("vault:index/policy:Policy").length).toBe(4);
    expect(run.one("vault:kubernetes/authBackendRole:AuthBackendRole", "vault-access-reader-podinfo").inputs).toMatchObject({
      roleName: "eso-podinfo",
      boundServiceAccountNames: ["vault-reader"],
      boundServiceAccountNamespaces: ["podinfo"],
      tokenPolicies: ["gitops-podinfo-read"],
    });
    expect(run.outputs.vaultReaderRoles.value).toEqual({
      "flux-system": "eso-flux-system",
      "cert-manager": "eso-cert-manager",
      podinfo: "eso-podinfo",
      monitoring: "eso-monitoring",
    });
    const mount = run.one("vault:index/mount:Mount");
    expect(mount.inputs).toMatchObject({ path: "gitops", type: "kv", options: { version: "2" } });
  });

  it("renders a deterministic, deduplicated policy", () => {
    expect(readPolicyHcl("kv", ["b", "a", "b"])).toBe('path "kv/data/a" {\n  capabilities = ["read"]\n}\n\npath "kv/data/b" {\n  capabilities = ["read"]\n}\n');
  });
});
