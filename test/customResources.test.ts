import { describe, expect, it } from "vitest";
import { newWorld, ProgramRun, RegisteredResource } from "../mocks/engine";
import { knownCustomResourceKinds, KubernetesObject, unsupportedCelRules, validateCustomResource } from "./support/crds";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const crdGroups = new Set(knownCustomResourceKinds().map((kind) => kind.group));

/** Custom resources of the groups the upstream CRDs define, as the API server would receive them. */
function customResources(run: ProgramRun): { resource: RegisteredResource; object: KubernetesObject }[] {
  return run.resources
    .filter((resource) => resource.type.startsWith("kubernetes:") && crdGroups.has(resource.type.split(":")[1].split("/")[0]))
    .map((resource) => ({ resource, object: resource.inputs as unknown as KubernetesObject }));
}

const variants: [string, Parameters<typeof runProgram>[0]][] = [
  ["staging", { stack: "staging" }],
  ["prod", { stack: "prod" }],
  [
    "GitHub App and Discord",
    {
      stack: "staging",
      config: {
        github: { owner: "acme-platform", repository: "fleet", path: "clusters/staging", auth: "app", app: { appId: 1, installationId: 2 } },
        notifications: { discord: true, slack: true, channel: "ops", severity: "info" },
      },
    },
  ],
  [
    "external Vault",
    {
      stack: "staging",
      config: { vault: { mode: "external", address: "https://vault.acme.example", pathPrefix: "clusters/x", kubernetesHost: "https://k8s.acme.example:6443" } },
    },
  ],
];

describe.each(variants)("every custom resource validates against the upstream CRDs (%s)", (_, options) => {
  it("passes the schema and CEL rules of its served version", async () => {
    const run = await runProgram({ ...options, env: firstRunEnv(), world: newWorld() });
    const objects = customResources(run);
    expect(objects.length).toBeGreaterThanOrEqual(7);
    const problems = objects.flatMap(({ resource, object }) => validateCustomResource(object).map((p) => `${resource.name}: ${p}`));
    expect(problems).toEqual([]);
    expect(unsupportedCelRules()).toEqual([]);
  });
});

describe("the conformance check can fail", () => {
  it("rejects what the program would get wrong", () => {
    const bad: KubernetesObject = {
      apiVersion: "external-secrets.io/v1beta1",
      kind: "ExternalSecret",
      metadata: { name: "x", namespace: "flux-system" },
      spec: {},
    };
    expect(validateCustomResource(bad).join("\n")).toMatch(/not served/);
  });
});
