import * as vault from "@pulumi/vault";
import { describe, expect, it } from "vitest";
import { BootstrapSecrets } from "../../components/bootstrapSecrets";
import { newWorld } from "../../mocks/engine";
import { runComponent, tree, urnPrefix } from "./run";

const token = "s3cr3t-github-token-0001";

describe("BootstrapSecrets alone", () => {
  it("writes one KV v2 secret per spec under the component, with its fields as secret JSON, sorted", async () => {
    const world = newWorld();
    const run = await runComponent(
      () => {
        const vaultProvider = new vault.Provider("vault", { address: "http://127.0.0.1:8200" });
        const secrets = new BootstrapSecrets("bootstrap-secrets", {
          mount: "gitops",
          secrets: [{ name: "github-token", path: "clusters/staging/github", fields: { username: { value: "git" }, token: { value: token } } }],
          vaultProvider,
          retainOnDelete: true,
        });
        return { token: secrets.value("github-token", "token") };
      },
      { world, secrets: { githubToken: token } },
    );
    expect(tree(run)).toEqual([
      "gitops:secrets:BootstrapSecrets bootstrap-secrets",
      "pulumi:providers:vault vault",
      "vault:kv/secretV2:SecretV2 github-token < bootstrap-secrets",
    ]);
    const written = run.one("vault:kv/secretV2:SecretV2");
    expect(written.parent).toBe(`${urnPrefix}gitops:secrets:BootstrapSecrets::bootstrap-secrets`);
    expect(written.provider).toBe(`${urnPrefix}pulumi:providers:vault::vault::vault-id`);
    expect(written.retainOnDelete).toBe(true);
    expect(written.inputs).toEqual({ mount: "gitops", name: "clusters/staging/github", dataJson: `{"token":"${token}","username":"git"}` });
    expect(run.outputs.token).toEqual({ value: token, secret: true });
    expect(world.vaultKv.get("gitops/clusters/staging/github")).toEqual({ token, username: "git" });
  });

  it("reads a field nobody supplied back from Vault and writes what is there", async () => {
    const world = newWorld();
    world.vaultKv.set("gitops/clusters/staging/github", { token });
    const run = await runComponent(
      () => {
        const vaultProvider = new vault.Provider("vault", { address: "http://127.0.0.1:8200" });
        void new BootstrapSecrets("bootstrap-secrets", {
          mount: "gitops",
          secrets: [{ name: "github-token", path: "clusters/staging/github", fields: { token: { readBack: { configKey: "githubToken", envVar: "GITHUB_TOKEN" } } } }],
          vaultProvider,
          retainOnDelete: false,
        });
      },
      { world },
    );
    expect(run.invokes.map((invoke) => invoke.token)).toEqual(["vault:kv/getSecretV2:getSecretV2"]);
    expect(run.one("vault:kv/secretV2:SecretV2").inputs.dataJson).toBe(`{"token":"${token}"}`);
    expect(run.one("vault:kv/secretV2:SecretV2").retainOnDelete).toBe(false);
  });
});
