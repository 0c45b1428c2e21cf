import { describe, expect, it } from "vitest";
import { readPolicyHcl } from "../components/vaultAccess";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { caCertificateFile, standaloneServerConfig, vaultChartValues } from "../components/vault";
import { isPortForwardUrl } from "../components/validation";
import { findPlaintext, newWorld, RegisteredResource } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

/** A self-signed CA certificate (only parsed and written, never used to serve). */
const testCa = readFileSync(path.join(__dirname, "fixtures", "test-ca.pem"), "utf8");

const stagingVault = () => ({
  mode: "in-cluster",
  address: "https://vault.staging.acme.example",
  pathPrefix: "clusters/staging",
  ingressClassName: "traefik",
  tls: { certManagerIssuer: "letsencrypt" },
});

const externalVault = {
  mode: "external",
  address: "https://vault.acme.example:8200",
  pathPrefix: "clusters/staging",
  kubernetesHost: "https://k8s.staging.acme.example:6443",
};

describe("Vault", () => {
  it("in-cluster: chart, init from where Pulumi runs, provider token from the init's secret output", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const release = run.one("kubernetes:helm.sh/v3:Release", "vault");
    expect(release.inputs).toMatchObject({ chart: "vault", version: "0.31.0", namespace: "vault", repositoryOpts: { repo: "https://helm.releases.hashicorp.com" } });
    const init = run.one("pulumi-nodejs:dynamic:VaultInit", "vault-init");
    expect(init.inputs).toMatchObject({ address: "https://vault.staging.acme.example", shares: 1, threshold: 1, autoUnseal: false, caCertificate: "" });
    expect(run.dependsOn(init, release)).toBe(true);
    expect([...init.additionalSecretOutputs].sort()).toEqual(["existingInit", "recoveryKeys", "rootToken", "unsealKeys"]);
    // No Job, no RBAC, no read of a Secret the program would have to create first.
    expect(run.ofType("kubernetes:batch/v1:Job")).toEqual([]);
    expect(run.resources.filter((r) => r.read)).toEqual([]);
    expect(run.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role")).toEqual([]);
    expect(run.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")).toEqual([]);
    // The only service accounts are the per-namespace Vault readers (least privilege, components/externalSecrets.ts).
    expect([...new Set(run.ofType("kubernetes:core/v1:ServiceAccount").map((r) => (r.inputs.metadata as { name: string }).name))]).toEqual(["vault-reader"]);
    const provider = run.one("pulumi:providers:vault");
    expect(provider.inputs.address).toBe("https://vault.staging.acme.example");
    expect(provider.inputs.token).toBe("hvs.mock-root-token");
    expect(JSON.stringify(provider.wireInputs.token)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(provider.dependencies).toContain(init.urn);
    // That address is the chart's Ingress, with a certificate cert-manager issues for it.
    expect((release.inputs.values as { server: { ingress: unknown } }).server.ingress).toEqual({
      enabled: true,
      ingressClassName: "traefik",
      annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
      pathType: "Prefix",
      activeService: true,
      hosts: [{ host: "vault.staging.acme.example", paths: [] }],
      tls: [{ secretName: "vault-tls", hosts: ["vault.staging.acme.example"] }],
    });
    // ESO, in the cluster, uses the in-cluster address.
    const store = run.one("kubernetes:external-secrets.io/v1:SecretStore", "secret-stores-podinfo");
    expect((store.inputs.spec as { provider: { vault: { server: string } } }).provider.vault.server).toBe("http://vault.vault.svc:8200");
  });

  it.each([true, false])("puts no root token or unseal key in the cluster (preview %s)", async (preview) => {
    const run = await runProgram({ stack: "prod", env: firstRunEnv(), world: newWorld(), preview });
    const init = run.one("pulumi-nodejs:dynamic:VaultInit", "vault-init");
    expect(init.inputs).toMatchObject({ shares: 5, threshold: 3 });
    expect(init.protect).toBe(true);
    const kubernetes = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    const secrets = kubernetes.filter((r) => r.type === "kubernetes:core/v1:Secret");
    expect(secrets.filter((r) => r.inputs.data !== undefined || r.inputs.stringData !== undefined)).toEqual([]);
    const values = (run.one("kubernetes:helm.sh/v3:Release", "vault").inputs.values ?? {}) as { server: Record<string, unknown> };
    // Nothing mounted into Vault's pod, nothing run on its start.
    expect(Object.keys(values.server).sort()).toEqual(["authDelegator", "dataStorage", "ingress", "standalone"]);
    const rendered = JSON.stringify(kubernetes.map((r: RegisteredResource) => r.inputs));
    expect(rendered).not.toMatch(/hvs\.|mock-vault-key|root-token|unseal-key|vault operator/);
  });

  it("hands a Vault initialised before (the old init Job's material) to the init as a secret", async () => {
    const material = JSON.stringify({ rootToken: "hvs.old-job-root", unsealKeys: ["b2xkLWtleQ=="] });
    const run = await runProgram({ stack: "staging", env: firstRunEnv({ VAULT_EXISTING_INIT: material }), world: newWorld() });
    const init = run.one("pulumi-nodejs:dynamic:VaultInit", "vault-init");
    expect(init.inputs.existingInit).toBe(material);
    expect(JSON.stringify(init.wireInputs.existingInit)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(run.resources.flatMap((r) => findPlaintext(r.wireInputs, ["hvs.old-job-root", "b2xkLWtleQ=="]))).toEqual([]);
    expect(init.additionalSecretOutputs).toContain("existingInit");
  });

  it("with a transit seal: recovery keys, the seal stanza, the transit token from the user's Secret", async () => {
    const seal = { type: "transit", address: "https://vault.central.acme.example", keyName: "staging-unseal", tokenSecretName: "vault-transit-token" };
    const run = await runProgram({
      stack: "staging",
      config: { vault: { ...stagingVault(), seal, unseal: { shares: 3, threshold: 2 } } },
      env: firstRunEnv(),
      world: newWorld(),
    });
    const init = run.one("pulumi-nodejs:dynamic:VaultInit", "vault-init");
    expect(init.inputs).toMatchObject({ shares: 3, threshold: 2, autoUnseal: true });
    const server = (run.one("kubernetes:helm.sh/v3:Release", "vault").inputs.values as { server: Record<string, unknown> }).server;
    expect(server.extraSecretEnvironmentVars).toEqual([{ envName: "VAULT_TOKEN", secretName: "vault-transit-token", secretKey: "token" }]);
    expect((server.standalone as { config: string }).config).toContain(
      'seal "transit" {\n  address = "https://vault.central.acme.example"\n  key_name = "staging-unseal"\n  mount_path = "transit"\n}',
    );
  });

  it("trusts a configured CA in both the Vault provider and the init", async () => {
    const run = await runProgram({
      stack: "staging",
      config: { vault: { ...stagingVault(), tls: { secretName: "vault-tls-own", caCertificate: testCa } } },
      env: firstRunEnv(),
      world: newWorld(),
    });
    expect(run.one("pulumi-nodejs:dynamic:VaultInit", "vault-init").inputs.caCertificate).toBe(testCa);
    const file = String(run.one("pulumi:providers:vault").inputs.caCertFile);
    expect(readFileSync(file, "utf8")).toBe(testCa);
    const ingress = (run.one("kubernetes:helm.sh/v3:Release", "vault").inputs.values as { server: { ingress: Record<string, unknown> } }).server.ingress;
    expect(ingress.tls).toEqual([{ secretName: "vault-tls-own", hosts: ["vault.staging.acme.example"] }]);
    expect(ingress.annotations).toEqual({});
  });

  it("creates no Ingress for a port-forward address, and writes the CA file by content", () => {
    expect(isPortForwardUrl("http://127.0.0.1:8200")).toBe(true);
    expect(isPortForwardUrl("http://localhost:8200")).toBe(true);
    expect(isPortForwardUrl("https://vault.example.com")).toBe(false);
    // k3d maps its ports to the Ingress: a name under .localhost is served by an Ingress, not a port-forward.
    expect(isPortForwardUrl("http://vault.e2e.localhost")).toBe(false);
    expect(vaultChartValues({ address: "http://vault.e2e.localhost", ingressClassName: "traefik" }).server).toMatchObject({ ingress: { enabled: true, hosts: [{ host: "vault.e2e.localhost", paths: [] }] } });
    const portForward = vaultChartValues({ address: "http://127.0.0.1:8200" }) as { server: { ingress: unknown } };
    expect(portForward.server.ingress).toEqual({ enabled: false });
    expect(caCertificateFile(testCa)).toBe(caCertificateFile(`${testCa}`));
    expect(caCertificateFile(testCa)).not.toBe(caCertificateFile(testCa.replace("MII", "MIJ")));
    expect(standaloneServerConfig({ type: "transit", address: "https://t", keyName: "k", mountPath: "m", tokenSecretName: "s" })).toMatch(
      /^ui = true\n\nlistener "tcp" \{\n {2}tls_disable = 1\n[\s\S]*storage "file" \{\n {2}path = "\/vault\/data"\n\}\n/,
    );
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
