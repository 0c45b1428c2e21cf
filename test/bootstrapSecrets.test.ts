import { describe, expect, it } from "vitest";
import { MissingSecretsError } from "../components/bootstrapSecrets";
import { newWorld, RegisteredResource } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { appSecretEnv, firstRunEnv } from "./support/scenarios";

const kvWrites = (resources: readonly RegisteredResource[]) =>
  Object.fromEntries(
    resources.filter((r) => r.type === "vault:kv/secretV2:SecretV2").map((r) => [r.name, { mount: r.inputs.mount, name: r.inputs.name, data: JSON.parse(String(r.inputs.dataJson)) }]),
  );

describe("bootstrap secrets in Vault KV v2", () => {
  it("writes each secret to its path under the stack's prefix", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const writes = kvWrites(run.resources);
    expect(writes["github-token"]).toEqual({ mount: "gitops", name: "clusters/staging/github", data: { token: firstRunEnv().GITHUB_TOKEN } });
    expect(writes["cloudflare-api-token"].data).toEqual({ "api-token": firstRunEnv().CLOUDFLARE_API_TOKEN });
    expect(writes["app-podinfo"]).toEqual({ mount: "gitops", name: "clusters/staging/apps/podinfo", data: { "api-key": appSecretEnv.APP_PODINFO_API_KEY } });
    expect(Object.keys(writes["flux-git-auth-v1"].data).sort()).toEqual(["identity", "identity.pub", "known_hosts"]);
  });

  it("prefers a config secret over the environment variable", async () => {
    const run = await runProgram({
      stack: "staging",
      env: firstRunEnv(),
      secrets: { githubToken: "ghp_fromStackConfig", appSecrets: JSON.stringify({ podinfo: { "api-key": "from-config" } }) },
      world: newWorld(),
    });
    const writes = kvWrites(run.resources);
    expect(writes["github-token"].data.token).toBe("ghp_fromStackConfig");
    expect(writes["app-podinfo"].data["api-key"]).toBe("from-config");
    expect(writes["app-grafana"].data["admin-password"]).toBe(appSecretEnv.APP_GRAFANA_ADMIN_PASSWORD);
  });

  it("reads everything back on a later run without variables, and registers the same data", async () => {
    const world = newWorld();
    const first = await runProgram({ stack: "staging", env: firstRunEnv(), world });
    const second = await runProgram({ stack: "staging", env: {}, world });
    expect(kvWrites(second.resources)).toEqual(kvWrites(first.resources));
    expect(second.resources.map((r) => r.urn).sort()).toEqual(first.resources.map((r) => r.urn).sort());
    // The github provider got the token back from Vault.
    expect(second.one("pulumi:providers:github").inputs.token).toBe(firstRunEnv().GITHUB_TOKEN);
    const reads = second.invokes.filter((i) => i.token === "vault:kv/getSecretV2:getSecretV2").map((i) => i.inputs.name);
    expect(reads.sort()).toEqual(
      ["clusters/staging/apps/grafana", "clusters/staging/apps/podinfo", "clusters/staging/cloudflare", "clusters/staging/github"].sort(),
    );
    // Only what was missing is read: the first run read nothing back.
    expect(first.invokes.filter((i) => i.token === "vault:kv/getSecretV2:getSecretV2")).toEqual([]);
  });

  it("reads back only the missing fields and keeps the ones given", async () => {
    const world = newWorld();
    await runProgram({ stack: "staging", env: firstRunEnv(), world });
    const rerun = await runProgram({ stack: "staging", env: { APP_PODINFO_API_KEY: "rotated-by-hand" }, world });
    const writes = kvWrites(rerun.resources);
    expect(writes["app-podinfo"].data["api-key"]).toBe("rotated-by-hand");
    expect(writes["app-grafana"].data["admin-password"]).toBe(appSecretEnv.APP_GRAFANA_ADMIN_PASSWORD);
    expect(writes["github-token"].data.token).toBe(firstRunEnv().GITHUB_TOKEN);
  });

  it("fails a first run without secrets with one error naming every missing key, and writes none of those", async () => {
    const record: RegisteredResource[] = [];
    const error = await runProgram({ stack: "staging", env: { GITHUB_TOKEN: "ghp_only" }, world: newWorld(), record }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // index.ts is re-imported per run, so compare by name rather than class identity.
    expect((error as Error).name).toBe("MissingSecretsError");
    expect((error as Error).message).toMatch(/Bootstrap secrets are missing and Vault holds no earlier value/);
    const missing = (error as MissingSecretsError).missing;
    expect(missing).toHaveLength(3);
    expect(missing.join("\n")).toMatch(/gitops-bootstrap:cloudflareApiToken \(or CLOUDFLARE_API_TOKEN\)/);
    expect(missing.join("\n")).toMatch(/gitops-bootstrap:appSecrets.podinfo.api-key \(or APP_PODINFO_API_KEY\)/);
    expect(missing.join("\n")).toMatch(/gitops-bootstrap:appSecrets.grafana.admin-password \(or APP_GRAFANA_ADMIN_PASSWORD\)/);
    const written = record.filter((r) => r.type === "vault:kv/secretV2:SecretV2").map((r) => r.name);
    for (const name of ["cloudflare-api-token", "app-podinfo", "app-grafana"]) expect(written).not.toContain(name);
  });

  it("names the setting that needs a secret Vault cannot yet supply (Discord turned on without its URL)", async () => {
    const world = newWorld();
    await runProgram({ stack: "staging", env: firstRunEnv(), world });
    const env: Record<string, string> = { ...firstRunEnv() };
    delete env.DISCORD_WEBHOOK_URL;
    const record: RegisteredResource[] = [];
    const error = await runProgram({ stack: "staging", config: { notifications: { discord: true } }, env, world, record }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/the first run \(or the first after turning a setting on\) must set it/);
    expect(error?.message).toContain(
      "gitops-bootstrap:discordWebhookUrl (or DISCORD_WEBHOOK_URL), needed because gitops-bootstrap:notifications.discord is true: " +
        'not set, and gitops/clusters/staging/flux/notifications/discord has no "address"',
    );
    // Nothing that would carry the missing URL is written.
    expect(record.filter((r) => r.type === "vault:kv/secretV2:SecretV2").map((r) => r.name)).not.toContain("discord-webhook");
    // Once a run has written it, later runs read it back without the variable.
    await runProgram({ stack: "staging", config: { notifications: { discord: true } }, env: firstRunEnv(), world });
    await expect(runProgram({ stack: "staging", config: { notifications: { discord: true } }, env, world })).resolves.toBeDefined();
  });
});
