import * as github from "@pulumi/github";
import * as vault from "@pulumi/vault";
import { describe, expect, it } from "vitest";
import { GitAuth, GitAuthArgs } from "../../components/gitAuth";
import { newWorld } from "../../mocks/engine";
import { clusterProvider, runComponent, secretWire, tree, urnPrefix } from "./run";
import { standIn, standInUrn } from "./standIns";

const externalSecretType = "kubernetes:external-secrets.io/v1:ExternalSecret";
const kvType = "vault:kv/secretV2:SecretV2";
const deployKeyType = "github:index/repositoryDeployKey:RepositoryDeployKey";

function gitAuth(kind: GitAuthArgs["kind"], appCredentials?: () => GitAuthArgs["appCredentials"]) {
  return () => {
    const created = new GitAuth("git-auth", {
      kind,
      deployKey: { algorithm: "ED25519", readWrite: false, rotation: 2 },
      deployKeyTitle: "flux-staging",
      repository: "fleet",
      githubProvider: new github.Provider("github", { owner: "acme" }),
      vaultPath: "clusters/staging/git",
      pullSecretName: "flux-git",
      kvMount: "gitops",
      vaultProvider: new vault.Provider("vault", { address: "http://127.0.0.1:8200" }),
      appCredentials: appCredentials?.(),
      fluxSecrets: { storeName: "vault", store: standIn("store"), refreshInterval: "1h", provider: clusterProvider(), readyTimeoutSeconds: 120 },
      namespace: standIn("ns-flux-system"),
    });
    return { pullSecretName: created.pullSecretName, fingerprint: created.deployKeyFingerprint };
  };
}

describe("GitAuth alone", () => {
  it("deployKey: generates and registers a deploy key, writes it to Vault, and materialises the pull secret after both, the store and the namespace", async () => {
    const world = newWorld();
    const run = await runComponent(gitAuth("deployKey"), { world });
    expect(tree(run).filter((line) => !line.startsWith("random:") && !line.startsWith("pulumi:providers:"))).toEqual([
      `${deployKeyType} deploy-key-v2 < deploy-key`,
      "gitops:flux:GitAuth git-auth",
      "gitops:github:DeployKey deploy-key < git-auth",
      `${externalSecretType} flux-git < git-auth`,
      "tls:index/privateKey:PrivateKey deploy-key-v2 < deploy-key",
      `${kvType} flux-git < git-auth`,
    ]);
    const keyComponent = run.one("gitops:github:DeployKey");
    const deployKey = run.one(deployKeyType);
    const keyInVault = run.one(kvType);
    const pullSecret = run.one(externalSecretType);
    // Moved under GitAuth: each keeps its former URN as an alias, so no key is regenerated.
    expect(keyComponent.aliases).toContain(`${urnPrefix}gitops:github:DeployKey::deploy-key`);
    expect(keyInVault.aliases).toContain(`${urnPrefix}gitops:secrets:BootstrapSecrets$${kvType}::flux-git`);
    expect(pullSecret.aliases).toContain(`${urnPrefix}${externalSecretType}::flux-git`);
    expect(deployKey.inputs).toMatchObject({ repository: "fleet", title: "flux-staging-v2", readOnly: true });
    expect(keyInVault.provider).toBe(`${urnPrefix}pulumi:providers:vault::vault::vault-id`);
    expect(keyInVault.inputs).toMatchObject({ mount: "gitops", name: "clusters/staging/git" });
    expect(keyInVault.wireInputs.dataJson).toEqual(secretWire(keyInVault.inputs.dataJson));
    expect(Object.keys(world.vaultKv.get("gitops/clusters/staging/git") ?? {})).toEqual(["identity", "identity.pub", "known_hosts"]);
    expect(pullSecret.provider).toBe(`${urnPrefix}pulumi:providers:kubernetes::cluster::cluster-id`);
    expect([...pullSecret.dependencies].sort()).toEqual([deployKey.urn, keyInVault.urn, standInUrn("ns-flux-system"), standInUrn("store")].sort());
    expect(pullSecret.inputs.metadata).toMatchObject({ name: "flux-git", namespace: "flux-system", annotations: { "pulumi.com/waitFor": "condition=Ready" } });
    expect(pullSecret.inputs.spec).toEqual({
      refreshInterval: "1h",
      secretStoreRef: { kind: "SecretStore", name: "vault" },
      target: { name: "flux-git", creationPolicy: "Owner", deletionPolicy: "Retain" },
      dataFrom: [{ extract: { key: "clusters/staging/git" } }],
    });
    expect(run.outputs.pullSecretName.value).toBe("flux-git");
    expect(run.outputs.fingerprint.value).toMatch(/^SHA256:/);
  });

  it("app: no deploy key and no Vault write; the pull secret waits for the App's credentials", async () => {
    const run = await runComponent(gitAuth("app", () => standIn("kv-github-app")));
    expect(tree(run).filter((line) => !line.startsWith("random:") && !line.startsWith("pulumi:providers:"))).toEqual([
      "gitops:flux:GitAuth git-auth",
      `${externalSecretType} flux-git < git-auth`,
    ]);
    expect([...run.one(externalSecretType).dependencies].sort()).toEqual([standInUrn("kv-github-app"), standInUrn("ns-flux-system"), standInUrn("store")]);
    expect(run.outputs.fingerprint.value).toBeUndefined();
  });

  it("app: refuses to run without the App's credentials", async () => {
    await expect(runComponent(gitAuth("app"))).rejects.toThrow("GitAuth: a GitHub App needs appCredentials");
  });
});
