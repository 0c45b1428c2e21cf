/**
 * The pack against what the program really registers (run under the engine mocks), not fixtures:
 * the guardrails accept both stacks with their own config, and catch staging's unprotected
 * stateful resources when held to prod's rules.
 */
import { describe, expect, it } from "vitest";
import { newWorld, RegisteredResource } from "../mocks/engine";
import { runProgram } from "../test/support/harness";
import { firstRunEnv } from "../test/support/scenarios";
import { readConfigFile, ResourceInit, runPack } from "./testing";

/** A registered resource as an analyzer sees it: plain inputs (secrets unwrapped) and its options. */
function asPolicyResource(resource: RegisteredResource): ResourceInit {
  return { type: resource.type, name: resource.name, props: resource.inputs, opts: { protect: resource.protect } };
}

async function programResources(stack: string): Promise<ResourceInit[]> {
  const run = await runProgram({ stack, env: firstRunEnv(), world: newWorld() });
  return run.resources.filter((resource) => resource.custom && !resource.read).map(asPolicyResource);
}

describe("the policy pack on the program's own resources", () => {
  it("passes prod and staging with their config files", async () => {
    expect(await runPack(await programResources("prod"), readConfigFile("config.prod.json"))).toEqual([]);
    expect(await runPack(await programResources("staging"), readConfigFile("config.staging.json"))).toEqual([]);
  });

  it("flags the program's own graph once a Vault role is bound beyond its namespace", async () => {
    const widened = (await programResources("staging")).map((resource) =>
      resource.name === "vault-access-reader-podinfo" && resource.type === "vault:kubernetes/authBackendRole:AuthBackendRole"
        ? { ...resource, props: { ...resource.props, boundServiceAccountNamespaces: ["podinfo", "monitoring"] } }
        : resource,
    );
    const findings = await runPack(widened, readConfigFile("config.staging.json"));
    expect(findings.map((f) => f.message)).toEqual([
      'Vault role "eso-podinfo" lets namespace monitoring read gitops/data/clusters/staging/apps/podinfo, which no ExternalSecret in monitoring names. ' +
        "Bind each role to one namespace and grant exactly that namespace's paths.",
    ]);
  });

  it("flags every unprotected stateful resource of staging under prod's rules", async () => {
    const findings = await runPack(await programResources("staging"), readConfigFile("config.prod.json"));
    expect(findings.map((f) => `${f.policy} ${f.resource?.split("::").pop()}`).sort()).toEqual(
      [
        "protect-stateful-resources external-secrets",
        "protect-stateful-resources flux",
        "protect-stateful-resources flux-operator",
        "protect-stateful-resources vault",
        "protect-stateful-resources vault-access-kv",
      ].sort(),
    );
  });
});
