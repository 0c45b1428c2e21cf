import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Vault, VaultArgs } from "../../components/vault";
import { clusterProvider, runComponent, secretWire, tree, urnPrefix } from "./run";
import { standIn, standInUrn } from "./standIns";

const releaseType = "kubernetes:helm.sh/v3:Release";
const initType = "pulumi-nodejs:dynamic:VaultInit";
const vaultProviderType = "pulumi:providers:vault";
const externalToken = "hvs.s3cr3t-external-vault-token-0001";

function vaultArgs(overrides: Partial<VaultArgs>): VaultArgs {
  return {
    mode: "in-cluster",
    address: "http://127.0.0.1:8200",
    inClusterAddress: "http://vault.vault.svc:8200",
    chartVersion: "0.31.0",
    unseal: { shares: 3, threshold: 2 },
    provider: clusterProvider(),
    dependsOn: [standIn("ns-vault")],
    timeoutSeconds: 90,
    protect: true,
    retainOnDelete: true,
    ...overrides,
  };
}

describe("Vault alone", () => {
  it("in-cluster: installs the chart without waiting, initialises it after the install (protected), and builds the Vault provider after both", async () => {
    const run = await runComponent(() => {
      const created = new Vault("vault", vaultArgs({}));
      return { address: created.address, inClusterAddress: created.inClusterAddress };
    });
    expect(tree(run)).toEqual([
      "gitops:vault:Vault vault",
      `${releaseType} vault < vault`,
      `${initType} vault-init < vault`,
      "pulumi:providers:kubernetes cluster",
      `${vaultProviderType} vault < vault`,
      "random:index/randomString:RandomString ns-vault",
    ]);
    const release = run.one(releaseType);
    const init = run.one(initType);
    const provider = run.one(vaultProviderType);
    expect(release.parent).toBe(`${urnPrefix}gitops:vault:Vault::vault`);
    expect(release.provider).toBe(`${urnPrefix}pulumi:providers:kubernetes::cluster::cluster-id`);
    expect(release.dependencies).toEqual([standInUrn("ns-vault")]);
    expect([release.protect, release.retainOnDelete]).toEqual([true, true]);
    expect(release.inputs).toMatchObject({
      name: "vault",
      chart: "vault",
      version: "0.31.0",
      repositoryOpts: { repo: "https://helm.releases.hashicorp.com" },
      namespace: "vault",
      atomic: false,
      skipAwait: true,
      timeout: 90,
    });
    // A loopback address is a port-forward: no Ingress.
    expect((release.inputs.values as { server: { ingress: unknown } }).server.ingress).toEqual({ enabled: false });
    expect(init.dependencies).toEqual([release.urn]);
    expect(init.protect).toBe(true);
    expect(init.inputs).toMatchObject({ address: "http://127.0.0.1:8200", shares: 3, threshold: 2, autoUnseal: false, timeoutSeconds: 90 });
    expect([...provider.dependencies].sort()).toEqual([init.urn, release.urn].sort());
    expect(provider.inputs).toMatchObject({ address: "http://127.0.0.1:8200", token: "hvs.mock-root-token" });
    expect(provider.wireInputs.token).toEqual(secretWire("hvs.mock-root-token"));
    expect(provider.inputs.caCertFile).toBeUndefined();
    expect(run.outputs).toEqual({
      address: { value: "http://127.0.0.1:8200", secret: false },
      inClusterAddress: { value: "http://vault.vault.svc:8200", secret: false },
    });
  });

  it("external: registers only the Vault provider, with the given token as a secret and the CA in a file", async () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBexternal-ca\n-----END CERTIFICATE-----\n";
    const run = await runComponent(
      () => void new Vault("vault", vaultArgs({ mode: "external", address: "https://vault.example.com", token: externalToken, tls: { caCertificate: pem } })),
      { secrets: { vaultToken: externalToken } },
    );
    expect(tree(run).filter((line) => !line.startsWith("random:"))).toEqual([
      "gitops:vault:Vault vault",
      "pulumi:providers:kubernetes cluster",
      `${vaultProviderType} vault < vault`,
    ]);
    const provider = run.one(vaultProviderType);
    expect(provider.dependencies).toEqual([]);
    expect(provider.inputs).toMatchObject({ address: "https://vault.example.com", token: externalToken });
    expect(provider.wireInputs.token).toEqual(secretWire(externalToken));
    expect(provider.inputs.caCertFile).toMatch(/[/\\]gitops-bootstrap[/\\]vault-ca-[0-9a-f]{16}\.pem$/);
    expect(readFileSync(provider.inputs.caCertFile as string, "utf8")).toBe(pem);
  });
});
