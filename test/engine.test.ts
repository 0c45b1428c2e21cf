/**
 * The test engine's preview of a fresh stack behaves like the Pulumi engine where the program
 * depends on it (see runProgram in mocks/engine.ts for the rules and their upstream sources).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { describe, expect, it } from "vitest";
import { newWorld, runProgram, unknownSentinel, World } from "../mocks/engine";

/**
 * A service-account-token Secret, which the token controller fills after it is created (the engine's
 * model; the program reads such a Secret back for an external Vault's token reviewer).
 */
function tokenSecret(provider: k8s.Provider): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    "reviewer",
    {
      metadata: { name: "vault-token-reviewer", namespace: "vault", annotations: { "kubernetes.io/service-account.name": "vault-token-reviewer" } },
      type: "kubernetes.io/service-account-token",
    },
    { provider },
  );
}

/** Runs a small program that reads the filled Secret back with `id` as its ID. */
function readBack(world: World, preview: boolean, id: (created: k8s.core.v1.Secret) => pulumi.Input<string>) {
  return runProgram({
    world,
    preview,
    loadProgram: async () => {
      const provider = new k8s.Provider("cluster", { context: "staging" });
      const created = tokenSecret(provider);
      const filled = k8s.core.v1.Secret.get("reviewer-filled", id(created), { provider, dependsOn: [created] });
      return { token: pulumi.secret(filled.data.apply((data) => Buffer.from(data?.["token"] ?? "", "base64").toString("utf8"))) };
    },
  });
}

describe("test engine: preview of a fresh stack", () => {
  it("fails a read of an object the run creates when its ID is a plain string, whatever dependsOn says", async () => {
    await expect(readBack(newWorld(), true, () => "vault/vault-token-reviewer")).rejects.toThrow(
      "failed to read resource #vault/vault-token-reviewer 'reviewer-filled' [kubernetes:core/v1:Secret]: resource 'vault/vault-token-reviewer' does not exist",
    );
  });

  // pulumi-kubernetes answers a Create in preview with its inputs (or a server-side dry run) and no ID
  // (provider/pkg/provider/provider.go, Create: `CreateResponse{Id: "", Properties: req.GetProperties()}`).
  it("fails it too when the ID comes from an output the preview knows (metadata echoes the inputs)", async () => {
    await expect(readBack(newWorld(), true, (created) => created.metadata.apply(() => "vault/vault-token-reviewer"))).rejects.toThrow(
      "resource 'vault/vault-token-reviewer' does not exist",
    );
  });

  it("skips the read while the ID waits for the creating resource's ID, and reads it on the update", async () => {
    const world = newWorld();
    const preview = await readBack(world, true, (created) => created.id.apply(() => "vault/vault-token-reviewer"));
    expect(preview.outputs.token).toEqual({ value: unknownSentinel, secret: true });
    expect(world.kubernetesSecrets.size).toBe(0);

    const update = await readBack(world, false, (created) => created.id.apply(() => "vault/vault-token-reviewer"));
    expect(update.outputs.token).toEqual({ value: "mock-service-account-jwt-reviewer", secret: true });
    expect([...world.kubernetesSecrets.keys()]).toEqual(["vault/vault-token-reviewer"]);
  });

  it("gives created resources no ID and unknown computed outputs, and echoes their inputs", async () => {
    const run = await runProgram({
      world: newWorld(),
      preview: true,
      loadProgram: async () => {
        const password = new random.RandomPassword("password", { length: 20 });
        return { id: password.id, result: password.result, length: password.length };
      },
    });
    expect(run.outputs).toEqual({
      id: { value: unknownSentinel, secret: false },
      result: { value: unknownSentinel, secret: true },
      length: { value: 20, secret: false },
    });
    expect(run.generatedSecrets).toEqual([]);
  });

  it("answers invokes through a provider whose configuration is unknown with an empty result", async () => {
    const run = await runProgram({
      world: newWorld(),
      preview: true,
      loadProgram: async () => {
        const token = new random.RandomPassword("token", { length: 20 });
        const provider = new vault.Provider("vault", { address: "https://vault.example.com", token: token.result });
        const read = vault.kv.getSecretV2({ mount: "gitops", name: "x" }, { provider });
        return { keys: pulumi.output(read.then((result) => Object.keys(result).sort())) };
      },
    });
    expect(run.outputs.keys.value).toEqual([]);
    expect(run.invokes.map((invoke) => invoke.token)).toEqual(["vault:kv/getSecretV2:getSecretV2"]);
  });

  it("skips an output-form invoke that depends on a resource created in this preview (pulumi/pulumi#18133)", async () => {
    const program = async () => {
      const provider = new vault.Provider("vault", { address: "https://vault.example.com", token: "t" });
      const mount = new vault.Mount("kv", { path: "gitops", type: "kv" }, { provider });
      const read = vault.kv.getSecretV2Output({ mount: "gitops", name: "x" }, { provider, dependsOn: [mount] });
      return { path: read.path };
    };
    const world = newWorld();
    world.vaultKv.set("gitops/x", { a: "b" });
    const preview = await runProgram({ world, preview: true, loadProgram: program });
    expect(preview.outputs.path.value).toBe(unknownSentinel);
    expect(preview.invokes).toEqual([]);
    const update = await runProgram({ world, preview: false, loadProgram: program });
    expect(update.outputs.path.value).toBe("gitops/data/x");
  });
});
