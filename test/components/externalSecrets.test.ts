import { describe, expect, it } from "vitest";
import { AppSecrets } from "../../components/apps";
import { NamespaceSecretStores } from "../../components/externalSecrets";
import { clusterProvider, runComponent, tree, urnPrefix } from "./run";
import { standIn, standInUrn } from "./standIns";

const storeType = "kubernetes:external-secrets.io/v1:SecretStore";
const externalSecretType = "kubernetes:external-secrets.io/v1:ExternalSecret";

describe("NamespaceSecretStores and AppSecrets alone", () => {
  it("gives each namespace a reader and a store, and each app an ExternalSecret on its namespace's store", async () => {
    const run = await runComponent(() => {
      const provider = clusterProvider();
      const stores = new NamespaceSecretStores("secret-stores", {
        storeName: "vault",
        server: "http://vault.vault.svc:8200",
        kvMount: "gitops",
        authMount: "kubernetes",
        targets: [{ namespace: "apps", role: "eso-apps", namespaceResource: standIn("ns-apps"), roleReady: [standIn("role-apps")] }],
        provider,
        readyTimeoutSeconds: 120,
        dependsOn: [standIn("eso")],
      });
      void new AppSecrets("app-secrets", {
        apps: [{ name: "podinfo", namespace: "apps", secretName: "podinfo", vaultPath: "apps/podinfo", refreshInterval: "1h", dependsOn: [standIn("kv-podinfo")] }],
        storeName: "vault",
        storeFor: (namespace) => stores.store(namespace),
        provider,
        readyTimeoutSeconds: 120,
      });
    });
    expect(tree(run).filter((line) => line.startsWith("gitops:") || line.startsWith("kubernetes:"))).toEqual([
      "gitops:apps:AppSecrets app-secrets",
      "gitops:eso:NamespaceSecretStores secret-stores",
      "kubernetes:core/v1:ServiceAccount secret-stores-apps < secret-stores",
      `${externalSecretType} app-secrets-apps-podinfo < app-secrets`,
      `${storeType} secret-stores-apps < secret-stores`,
    ]);
    const account = run.one("kubernetes:core/v1:ServiceAccount");
    const store = run.one(storeType);
    const appSecret = run.one(externalSecretType);
    expect(account.inputs.metadata).toMatchObject({ name: "vault-reader", namespace: "apps" });
    expect(account.dependencies).toEqual([standInUrn("ns-apps")]);
    expect([...store.dependencies].sort()).toEqual([
      `${urnPrefix}gitops:eso:NamespaceSecretStores$kubernetes:core/v1:ServiceAccount::secret-stores-apps`,
      standInUrn("eso"),
      standInUrn("role-apps"),
    ]);
    expect(store.inputs.metadata).toMatchObject({ name: "vault", namespace: "apps", annotations: { "pulumi.com/waitFor": "condition=Ready" } });
    expect(store.customTimeouts).toEqual({ create: "120s", update: "120s", delete: "" });
    expect([...appSecret.dependencies].sort()).toEqual([store.urn, standInUrn("kv-podinfo")]);
    expect(appSecret.inputs.spec).toEqual({
      refreshInterval: "1h",
      secretStoreRef: { kind: "SecretStore", name: "vault" },
      target: { name: "podinfo", creationPolicy: "Owner", deletionPolicy: "Retain", template: { type: "Opaque", metadata: { labels: { "app.kubernetes.io/name": "podinfo" } } } },
      dataFrom: [{ extract: { key: "apps/podinfo" } }],
    });
  });
});
