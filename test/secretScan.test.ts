/**
 * The secret scan is part of every program run (mocks/engine.ts runProgram): these runs leak on
 * purpose, one way each, and must fail with SecretLeakError naming where.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { newWorld, runProgram, RunOptions, SecretLeakError } from "../mocks/engine";

const token = "ghp_scanProbeToken0123456789";

async function leaksOf(options: RunOptions): Promise<readonly string[]> {
  const error = await runProgram(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the run should have failed with SecretLeakError").toBeInstanceOf(SecretLeakError);
  const leaks = (error as SecretLeakError).leaks;
  // The report names the secret, never its value.
  expect((error as Error).message).not.toContain(token);
  return leaks;
}

/** A program that reads GITHUB_TOKEN from its environment and hands it to `leak`. */
const leaking = (leak: (value: string) => void): RunOptions => ({
  env: { GITHUB_TOKEN: token },
  loadProgram: async () => {
    leak(process.env.GITHUB_TOKEN as string);
    return {};
  },
});

describe("every run fails when a secret leaks", () => {
  it.each(["debug", "info", "warn", "error"] as const)("in pulumi.log.%s", async (level) => {
    expect(await leaksOf(leaking((value) => void pulumi.log[level](`token is ${value}`)))).toContain(
      `pulumi.log.${level}: environment variable GITHUB_TOKEN`,
    );
  });

  it.each(["log", "info", "warn", "error", "debug"] as const)("in console.%s", async (method) => {
    expect(await leaksOf(leaking((value) => console[method]("token:", value)))).toContain(`console.${method}: environment variable GITHUB_TOKEN`);
  });

  it("as a prefix of 8 characters, or base64", async () => {
    expect(await leaksOf(leaking((value) => void pulumi.log.debug(`token starts ${value.slice(0, 8)}…`)))).toEqual([
      "pulumi.log.debug: environment variable GITHUB_TOKEN (first 8 characters)",
    ]);
    expect(await leaksOf(leaking((value) => console.log(Buffer.from(value).toString("base64"))))).toEqual([
      "console.log: environment variable GITHUB_TOKEN (base64)",
    ]);
  });

  it("in a registered input outside a secret, and not inside one", async () => {
    const registering = (value: pulumi.Input<string>): RunOptions => ({
      env: { GITHUB_TOKEN: token },
      loadProgram: async () => {
        new random.RandomString("probe", { length: 8, keepers: { token: value } });
        return {};
      },
    });
    expect(await leaksOf(registering(token))).toEqual(["inputs of random:index/randomString:RandomString probe keepers.token: environment variable GITHUB_TOKEN"]);
    await expect(runProgram(registering(pulumi.secret(token)))).resolves.toBeDefined();
  });

  it("in a stack output that is not secret", async () => {
    const leaks = await leaksOf({ env: { GITHUB_TOKEN: token }, loadProgram: async () => ({ exported: pulumi.output(token) }) });
    expect(leaks).toEqual(["stack output exported (value): environment variable GITHUB_TOKEN"]);
    await expect(runProgram({ env: { GITHUB_TOKEN: token }, loadProgram: async () => ({ exported: pulumi.secret(token) }) })).resolves.toBeDefined();
  });

  it("in a component's registered outputs", async () => {
    const leaks = await leaksOf({
      env: { GITHUB_TOKEN: token },
      loadProgram: async () => {
        class Probe extends pulumi.ComponentResource {
          constructor() {
            super("test:index:Probe", "probe");
            this.registerOutputs({ token });
          }
        }
        new Probe();
        return {};
      },
    });
    expect(leaks).toEqual(["outputs of urn:pulumi:staging::gitops-bootstrap::test:index:Probe::probe token: environment variable GITHUB_TOKEN"]);
  });

  it("in the run's error, which is kept as the cause", async () => {
    const error = await runProgram(
      leaking((value) => {
        throw new Error(`bad token ${value}`);
      }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as SecretLeakError).leaks).toContain("the run's error: environment variable GITHUB_TOKEN");
    expect(((error as SecretLeakError).runError as Error).message).toContain("bad token");
  });

  it("on a read-back run, for values the run only found in Vault or the cluster", async () => {
    const world = newWorld();
    world.vaultKv.set("gitops/clusters/staging/github", { token: "ghp_storedInVaultEarlier0001" });
    // A Secret an earlier run left in the cluster (e.g. a token reviewer's, filled by the token controller).
    world.kubernetesSecrets.set("vault/vault-token-reviewer", { token: "mock-reviewer-jwt-stored-0001" });
    const leaks = await leaksOf({
      world,
      loadProgram: async () => {
        pulumi.log.info(`read back ${world.vaultKv.get("gitops/clusters/staging/github")?.token}`);
        console.warn(`reviewer token ${world.kubernetesSecrets.get("vault/vault-token-reviewer")?.token}`);
        return {};
      },
    });
    expect(leaks).toContain('pulumi.log.info: Vault KV gitops/clusters/staging/github "token"');
    expect(leaks).toContain('console.warn: Kubernetes Secret vault/vault-token-reviewer "token"');
  });

  it("but not for public values stored beside secrets (public halves, IDs)", async () => {
    const world = newWorld();
    world.vaultKv.set("gitops/clusters/staging/flux/git-auth-v1", { identity: "s3cr3t-identity-0001", "identity.pub": "ssh-ed25519 AAAApublic", known_hosts: "github.com ecdsa AAAA" });
    world.kubernetesSecrets.set("vault/flags", { initialized: "true" });
    const run = await runProgram({
      world,
      loadProgram: async () => {
        pulumi.log.info("ssh-ed25519 AAAApublic github.com ecdsa AAAA initialized=true");
        return {};
      },
    });
    expect(run.logs).toEqual(["ssh-ed25519 AAAApublic github.com ecdsa AAAA initialized=true"]);
    expect(await leaksOf({ world, loadProgram: async () => (pulumi.log.info("s3cr3t-identity-0001"), {}) })).toEqual([
      'pulumi.log.info: Vault KV gitops/clusters/staging/flux/git-auth-v1 "identity"',
    ]);
  });

  it("for secrets the mocks generate", async () => {
    const leaks = await leaksOf({
      loadProgram: async () => {
        const password = new random.RandomPassword("probe", { length: 20 });
        password.result.apply((value) => pulumi.log.warn(`password ${value}`));
        return { result: password.result };
      },
    });
    expect(leaks).toEqual(["pulumi.log.warn: generated secret #1"]);
  });

  it("refuses a supplied secret too short to be found, rather than skip it", async () => {
    await expect(runProgram({ env: { GITHUB_TOKEN: "short" }, loadProgram: async () => ({}) })).rejects.toThrow(
      /secret scan needs secrets of at least 8 characters; too short: environment variable GITHUB_TOKEN/,
    );
  });

  it("passes a run that logs no secret, and records its lines", async () => {
    const run = await runProgram({
      env: { GITHUB_TOKEN: token },
      loadProgram: async () => {
        pulumi.log.debug("debug line");
        console.error("console line", 42);
        return {};
      },
    });
    expect(run.logs).toEqual(["debug line", "console line 42"]);
  });
});
