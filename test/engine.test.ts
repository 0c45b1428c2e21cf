/**
 * The test engine's preview of a fresh stack behaves like the Pulumi engine where the program
 * depends on it (see runProgram in support/engine.ts for the rules and their upstream sources).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { describe, expect, it } from "vitest";
import { newWorld, runProgram, unknownSentinel, World } from "./support/engine";

/** A Job that writes the Secret "vault/vault-init" when it runs (the engine's model of the Vault init Job). */
function initJob(provider: k8s.Provider): k8s.batch.v1.Job {
  return new k8s.batch.v1.Job(
    "init",
    { metadata: { name: "vault-init", namespace: "vault" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } },
    { provider },
  );
}

/** Runs a small program that reads the Job's Secret back with `id` as its ID. */
function readBack(world: World, preview: boolean, id: (job: k8s.batch.v1.Job) => pulumi.Input<string>) {
  return runProgram({
    world,
    preview,
    loadProgram: async () => {
      const provider = new k8s.Provider("cluster", { context: "staging" });
      const job = initJob(provider);
      const secret = k8s.core.v1.Secret.get("init-material", id(job), { provider, dependsOn: [job] });
      return { rootToken: secret.data.apply((data) => Buffer.from(data?.["root-token"] ?? "", "base64").toString("utf8")) };
    },
  });
}

describe("test engine: preview of a fresh stack", () => {
  it("fails a read of an object the run creates when its ID is a plain string, whatever dependsOn says", async () => {
    await expect(readBack(newWorld(), true, () => "vault/vault-init")).rejects.toThrow(
      "failed to read resource #vault/vault-init 'init-material' [kubernetes:core/v1:Secret]: resource 'vault/vault-init' does not exist",
    );
  });

  // pulumi-kubernetes answers a Create in preview with its inputs (or a server-side dry run) and no ID
  // (provider/pkg/provider/provider.go, Create: `CreateResponse{Id: "", Properties: req.GetProperties()}`).
  it("fails it too when the ID comes from an output the preview knows (metadata echoes the inputs)", async () => {
    await expect(readBack(newWorld(), true, (job) => job.metadata.apply(() => "vault/vault-init"))).rejects.toThrow(
      "resource 'vault/vault-init' does not exist",
    );
  });

  it("skips the read while the ID waits for the creating resource's ID, and reads it on the update", async () => {
    const world = newWorld();
    const preview = await readBack(world, true, (job) => job.id.apply(() => "vault/vault-init"));
    expect(preview.outputs.rootToken).toEqual({ value: unknownSentinel, secret: false });
    expect(world.kubernetesSecrets.size).toBe(0);

    const update = await readBack(world, false, (job) => job.id.apply(() => "vault/vault-init"));
    expect(update.outputs.rootToken).toEqual({ value: "hvs.mock-root-token", secret: true });
    expect([...world.kubernetesSecrets.keys()]).toEqual(["vault/vault-init"]);
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
