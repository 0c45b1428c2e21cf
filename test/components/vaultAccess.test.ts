import * as vault from "@pulumi/vault";
import { describe, expect, it } from "vitest";
import { VaultAccess, VaultAccessArgs } from "../../components/vaultAccess";
import { clusterProvider, runComponent, secretWire, tree, urnPrefix } from "./run";
import { standIn, standInUrn } from "./standIns";

const mountType = "vault:index/mount:Mount";
const authType = "vault:index/authBackend:AuthBackend";
const configType = "vault:kubernetes/authBackendConfig:AuthBackendConfig";
const policyType = "vault:index/policy:Policy";
const roleType = "vault:kubernetes/authBackendRole:AuthBackendRole";
const secretType = "kubernetes:core/v1:Secret";

function access(mode: VaultAccessArgs["mode"]) {
  return () => {
    const created = new VaultAccess("vault-access", {
      vaultProvider: new vault.Provider("vault", { address: "http://127.0.0.1:8200" }),
      k8sProvider: clusterProvider(),
      mode,
      kvMount: "gitops",
      authMount: "kubernetes",
      kubernetesHost: "https://10.0.0.1:6443",
      readers: [
        { namespace: "flux-system", serviceAccount: "vault-reader", paths: ["clusters/staging/git", "clusters/staging/slack", "clusters/staging/git"] },
        { namespace: "apps", serviceAccount: "vault-reader", paths: ["apps/podinfo"] },
      ],
      dependsOn: [standIn("vault-ready")],
      protect: true,
    });
    return { role: created.reader("apps").role.roleName, ready: created.reader("apps").ready.length };
  };
}

describe("VaultAccess alone", () => {
  it("in-cluster: a protected KV v2 mount, the Kubernetes auth method, and one role and policy per reading namespace, all on the Vault provider after Vault", async () => {
    const run = await runComponent(access("in-cluster"));
    expect(tree(run).filter((line) => !line.startsWith("random:"))).toEqual([
      "gitops:vault:Access vault-access",
      "pulumi:providers:kubernetes cluster",
      "pulumi:providers:vault vault",
      `${authType} vault-access-kubernetes < vault-access`,
      `${mountType} vault-access-kv < vault-access`,
      `${policyType} vault-access-reader-apps < vault-access`,
      `${policyType} vault-access-reader-flux-system < vault-access`,
      `${configType} vault-access-kubernetes < vault-access`,
      `${roleType} vault-access-reader-apps < vault-access`,
      `${roleType} vault-access-reader-flux-system < vault-access`,
    ]);
    const vaultResources = run.resources.filter((resource) => resource.type.startsWith("vault:"));
    for (const resource of vaultResources) {
      expect(resource.parent).toBe(`${urnPrefix}gitops:vault:Access::vault-access`);
      expect(resource.provider).toBe(`${urnPrefix}pulumi:providers:vault::vault::vault-id`);
      expect(resource.dependencies).toContain(standInUrn("vault-ready"));
      expect(resource.protect).toBe(resource.type === mountType);
    }
    expect(run.one(mountType).inputs).toEqual({ path: "gitops", type: "kv", options: { version: "2" }, description: "GitOps bootstrap secrets (KV v2)" });
    expect(run.one(authType).inputs).toMatchObject({ type: "kubernetes", path: "kubernetes" });
    expect(run.one(configType).inputs).toEqual({ backend: "kubernetes", kubernetesHost: "https://10.0.0.1:6443", disableLocalCaJwt: false });
    expect(run.one(policyType, "vault-access-reader-flux-system").inputs).toEqual({
      name: "gitops-flux-system-read",
      policy: 'path "gitops/data/clusters/staging/git" {\n  capabilities = ["read"]\n}\n\npath "gitops/data/clusters/staging/slack" {\n  capabilities = ["read"]\n}\n',
    });
    expect(run.one(roleType, "vault-access-reader-apps").inputs).toEqual({
      backend: "kubernetes",
      roleName: "eso-apps",
      boundServiceAccountNames: ["vault-reader"],
      boundServiceAccountNamespaces: ["apps"],
      tokenPolicies: ["gitops-apps-read"],
      tokenTtl: 3600,
    });
    expect(run.outputs.role.value).toBe("eso-apps");
    expect(run.outputs.ready.value).toBe(3);
    expect(run.ofType(secretType)).toEqual([]);
  });

  it("external: adds a token reviewer account bound to system:auth-delegator, and hands its token and the cluster CA to the auth config as secrets", async () => {
    const run = await runComponent(access("external"));
    expect(tree(run).filter((line) => line.startsWith("kubernetes:"))).toEqual([
      `${secretType} vault-access-token-reviewer < vault-access`,
      `${secretType} vault-access-token-reviewer-filled < vault-access`,
      "kubernetes:core/v1:ServiceAccount vault-access-token-reviewer < vault-access",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding vault-access-token-reviewer < vault-access",
    ]);
    const account = run.one("kubernetes:core/v1:ServiceAccount");
    const binding = run.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    const tokenSecret = run.resources.find((resource) => resource.type === secretType && !resource.read);
    const filled = run.one(secretType, "vault-access-token-reviewer-filled");
    expect(account.provider).toBe(`${urnPrefix}pulumi:providers:kubernetes::cluster::cluster-id`);
    expect(account.dependencies).toEqual([standInUrn("vault-ready")]);
    expect(account.inputs.metadata).toMatchObject({ name: "vault-token-reviewer", namespace: "vault" });
    expect(binding.inputs).toMatchObject({
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
      subjects: [{ kind: "ServiceAccount", name: "vault-token-reviewer", namespace: "vault" }],
    });
    expect(tokenSecret?.inputs).toMatchObject({
      type: "kubernetes.io/service-account-token",
      metadata: { name: "vault-token-reviewer", namespace: "vault", annotations: { "kubernetes.io/service-account.name": "vault-token-reviewer" } },
    });
    expect(tokenSecret?.dependencies).toEqual([account.urn]);
    expect([filled.read, filled.readId]).toEqual([true, "vault/vault-token-reviewer"]);
    const config = run.one(configType);
    expect(config.inputs).toEqual({
      backend: "kubernetes",
      kubernetesHost: "https://10.0.0.1:6443",
      disableLocalCaJwt: true,
      tokenReviewerJwt: "mock-service-account-jwt-vault-access-token-reviewer",
      kubernetesCaCert: "-----BEGIN CERTIFICATE-----\nmock-cluster-ca\n-----END CERTIFICATE-----\n",
    });
    expect(config.wireInputs.tokenReviewerJwt).toEqual(secretWire("mock-service-account-jwt-vault-access-token-reviewer"));
  });

  it("refuses a namespace listed as a reader twice", async () => {
    await expect(
      runComponent(() => {
        void new VaultAccess("vault-access", {
          vaultProvider: new vault.Provider("vault", { address: "http://127.0.0.1:8200" }),
          k8sProvider: clusterProvider(),
          mode: "in-cluster",
          kvMount: "gitops",
          authMount: "kubernetes",
          kubernetesHost: "https://10.0.0.1:6443",
          readers: [
            { namespace: "apps", serviceAccount: "vault-reader", paths: ["a"] },
            { namespace: "apps", serviceAccount: "vault-reader", paths: ["b"] },
          ],
          dependsOn: [],
          protect: false,
        });
      }),
    ).rejects.toThrow('namespace "apps" is listed as a Vault reader twice');
  });
});
