import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { beforeAll, describe, expect, it } from "vitest";
import { findPlaintext, newWorld, ProgramRun, runProgram as runEngine, unwrapSecrets } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv, suppliedSecrets } from "./support/scenarios";

describe("the engine mocks mark secrets like the engine", () => {
  it("returns additionalSecretOutputs as secrets, and plain outputs as plain", async () => {
    const run = await runEngine({
      loadProgram: async () => {
        const password = new random.RandomPassword("probe", { length: 20 });
        const key = new tls.PrivateKey("probe", { algorithm: "ED25519" });
        return { result: password.result, privateKey: key.privateKeyOpenssh, publicKey: key.publicKeyOpenssh };
      },
    });
    expect(run.outputs.result.secret).toBe(true);
    expect(run.outputs.privateKey.secret).toBe(true);
    expect(run.outputs.publicKey.secret).toBe(false);
    expect(run.one("random:index/randomPassword:RandomPassword").additionalSecretOutputs).toContain("result");
  });

  it("finds plaintext outside secret wrappers, and only there", () => {
    const wrapped = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cret" };
    expect(findPlaintext({ a: { b: ["x", "has s3cret inside"] } }, ["s3cret"])).toEqual(["a.b[1]"]);
    expect(findPlaintext({ a: wrapped, b: "clean" }, ["s3cret"])).toEqual([]);
    expect(unwrapSecrets({ a: wrapped })).toEqual({ a: "s3cret" });
  });

  it("refuses duplicate URNs as the engine does", async () => {
    await expect(
      runEngine({
        loadProgram: async () => {
          new random.RandomPassword("same", { length: 8 });
          new random.RandomPassword("same", { length: 8 });
          return {};
        },
      }),
    ).rejects.toThrow(/Duplicate resource URN/);
  });

  it("throws on invokes it does not know", async () => {
    await expect(
      runEngine({
        loadProgram: async () => ({ value: pulumi.output(pulumi.runtime.invoke("github:index/getUser:getUser", { username: "x" })) }),
      }),
    ).rejects.toThrow("mock: unknown invoke github:index/getUser:getUser");
  });
});

/** A secret can also leak base64-encoded (Kubernetes data, shell commands). */
function withEncodings(values: readonly string[]): string[] {
  return values.flatMap((value) => [value, Buffer.from(value).toString("base64")]);
}

describe.each(["staging", "prod"])("no plaintext secret anywhere (%s)", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack, env: firstRunEnv(), world: newWorld() });
  });

  it("registers no input that carries a secret in plaintext", async () => {
    const { resources, generatedSecrets } = run;
    const needles = withEncodings([...suppliedSecrets, ...generatedSecrets, "hvs.mock-root-token"]);
    const leaks = resources.flatMap((resource) =>
      findPlaintext(resource.wireInputs, needles).map((where) => `${resource.type} ${resource.name}: ${where}`),
    );
    expect(leaks).toEqual([]);
    // The scan saw the secrets: they are there, wrapped.
    const vaultWrites = resources.filter((r) => r.type === "vault:kv/secretV2:SecretV2");
    expect(vaultWrites.length).toBeGreaterThan(3);
    expect(JSON.stringify(vaultWrites.map((r) => r.inputs))).toContain(suppliedSecrets[0]);
  });

  it("exports secrets only as secrets, and logs none", async () => {
    const { outputs, generatedSecrets, logs } = run;
    const needles = withEncodings([...suppliedSecrets, ...generatedSecrets]);
    for (const [name, output] of Object.entries(outputs)) {
      if (output.secret) continue;
      expect(findPlaintext(output.value, needles), name).toEqual([]);
    }
    expect(findPlaintext(logs, needles)).toEqual([]);
  });

  it("sends every secret-bearing input to the engine as a secret", async () => {
    const { resources } = run;
    const secretFields: [string, string][] = [
      ["vault:kv/secretV2:SecretV2", "dataJson"],
      ["pulumi:providers:github", "token"],
      ["pulumi:providers:vault", "token"],
      ["github:index/repositoryWebhook:RepositoryWebhook", "configuration"],
    ];
    for (const [type, field] of secretFields) {
      const registered = resources.filter((r) => r.type === type);
      expect(registered.length, type).toBeGreaterThan(0);
      for (const resource of registered) {
        expect(findPlaintext(resource.wireInputs[field], ["mock", "ghp_", "hvs."]), `${type} ${resource.name}.${field}`).toEqual([]);
        expect(JSON.stringify(resource.wireInputs[field]), `${type} ${resource.name}.${field}`).toContain("1b47061264138c4ac30d75fd1eb44270");
      }
    }
  });
});
