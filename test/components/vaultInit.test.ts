import { describe, expect, it } from "vitest";
import { VaultInit } from "../../components/vaultInit";
import { runComponent, tree } from "./run";

describe("VaultInit alone (under the engine mocks; test/vaultInit.test.ts drives its provider against a fake Vault)", () => {
  it("registers one dynamic resource with its inputs, the keys coming back as secrets", async () => {
    const run = await runComponent(() => {
      const init = new VaultInit("vault-init", { address: "http://127.0.0.1:8200", shares: 3, threshold: 2, autoUnseal: false, timeoutSeconds: 60 });
      return { rootToken: init.rootToken, unsealKeys: init.unsealKeys, recoveryKeys: init.recoveryKeys };
    });
    expect(tree(run)).toEqual(["pulumi-nodejs:dynamic:VaultInit vault-init"]);
    const init = run.one("pulumi-nodejs:dynamic:VaultInit");
    expect(init.inputs).toMatchObject({ address: "http://127.0.0.1:8200", caCertificate: "", existingInit: "", shares: 3, threshold: 2, autoUnseal: false, timeoutSeconds: 60 });
    expect([...init.additionalSecretOutputs].sort()).toEqual(["existingInit", "recoveryKeys", "rootToken", "unsealKeys"]);
    expect(run.outputs.rootToken).toEqual({ value: "hvs.mock-root-token", secret: true });
    expect(run.outputs.unsealKeys).toEqual({ value: ["mock-vault-key-1-of-3", "mock-vault-key-2-of-3", "mock-vault-key-3-of-3"], secret: true });
    expect(run.outputs.recoveryKeys).toEqual({ value: [], secret: true });
  });
});
