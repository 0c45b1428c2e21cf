/**
 * Bootstrap secrets at their edges: what counts as "Vault has no value", the exact words a user
 * gets when a secret is missing, the stable form of what is written, and misuse of the component.
 */
import * as vault from "@pulumi/vault";
import { describe, expect, it } from "vitest";
import { BootstrapSecrets } from "../components/bootstrapSecrets";
import { newWorld, runProgram as runEngine } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

describe("reading back from Vault", () => {
  it("counts a field Vault holds as an empty string as missing, and says exactly what to do", async () => {
    const world = newWorld();
    await runProgram({ stack: "staging", env: firstRunEnv(), world });
    world.vaultKv.set("gitops/clusters/staging/cloudflare", { "api-token": "" });
    const env: Record<string, string> = firstRunEnv();
    delete env.CLOUDFLARE_API_TOKEN;
    const error = await runProgram({ stack: "staging", env, world }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe("MissingSecretsError");
    expect((error as { missing: string[] }).missing).toEqual([
      'gitops-bootstrap:cloudflareApiToken (or CLOUDFLARE_API_TOKEN), needed because gitops-bootstrap:cloudflare.enabled is true: not set, and gitops/clusters/staging/cloudflare has no "api-token"; ' +
        "run pulumi config set --secret gitops-bootstrap:cloudflareApiToken … or export CLOUDFLARE_API_TOKEN",
    ]);
    // (Pulumi prefixes where it was serializing when the error surfaced.)
    expect((error as Error).message).toContain(
      "Bootstrap secrets are missing and Vault holds no earlier value for them. Vault can supply a secret only on runs after one " +
        "that wrote it, so the first run (or the first after turning a setting on) must set it:\n" +
        '  - gitops-bootstrap:cloudflareApiToken (or CLOUDFLARE_API_TOKEN), needed because gitops-bootstrap:cloudflare.enabled is true: not set, and gitops/clusters/staging/cloudflare has no "api-token"; ' +
        "run pulumi config set --secret gitops-bootstrap:cloudflareApiToken … or export CLOUDFLARE_API_TOKEN",
    );
  });
});

describe("what is written", () => {
  it("writes each KV secret's fields in sorted order, whatever order config lists them in (no diff from reordering)", async () => {
    const run = await runProgram({
      stack: "staging",
      config: { apps: [{ name: "web", namespace: "web", keys: ["zeta-key", "alpha-key", "mid-key"] }] },
      env: firstRunEnv({ APP_WEB_ZETA_KEY: "s3cr3t-web-zeta-0001", APP_WEB_ALPHA_KEY: "s3cr3t-web-alpha-0002", APP_WEB_MID_KEY: "s3cr3t-web-mid-0003" }),
      world: newWorld(),
    });
    const write = run.one("vault:kv/secretV2:SecretV2", "app-web");
    expect(write.inputs.dataJson).toBe('{"alpha-key":"s3cr3t-web-alpha-0002","mid-key":"s3cr3t-web-mid-0003","zeta-key":"s3cr3t-web-zeta-0001"}');
    expect(write.inputs.name).toBe("clusters/staging/apps/web");
  });
});

describe("misuse of the component", () => {
  const withComponent = (use: (secrets: BootstrapSecrets) => void) =>
    runEngine({
      loadProgram: async () => {
        const provider = new vault.Provider("vault", {});
        const secrets = new BootstrapSecrets("probe", { mount: "kv", secrets: [{ name: "one", path: "p/one", fields: { f: { value: "s3cr3t-probe-value" } } }], vaultProvider: provider, retainOnDelete: false });
        use(secrets);
        return {};
      },
    });

  it("refuses two secrets of the same name", async () => {
    await expect(
      runEngine({
        loadProgram: async () => {
          const provider = new vault.Provider("vault", {});
          const spec = { name: "same", path: "p", fields: {} };
          new BootstrapSecrets("probe", { mount: "kv", secrets: [spec, { ...spec, path: "q" }], vaultProvider: provider, retainOnDelete: false });
          return {};
        },
      }),
    ).rejects.toThrow('BootstrapSecrets: duplicate secret name "same"');
  });

  it("refuses a lookup of a secret it does not write", async () => {
    await expect(withComponent((secrets) => secrets.secret("two"))).rejects.toThrow('BootstrapSecrets: no secret named "two"');
    await expect(withComponent((secrets) => secrets.value("two", "f"))).rejects.toThrow('BootstrapSecrets: no secret named "two"');
    await expect(withComponent((secrets) => secrets.secret("one"))).resolves.toBeDefined();
  });
});
