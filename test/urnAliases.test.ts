/**
 * Day 2 of the move into components: a stack created before it sees no create, replace or delete.
 * test/fixtures/urns-before-components.json holds what the program registered at f9e83ea (before
 * the deploy key, webhook token, pull secret and GitHub provider moved into components): each URN,
 * its provider and a digest of its inputs, recorded by test/fixtures/record-urns.ts. The change plan
 * (scripts/lib/changes.ts) pairs today's resources with those through their aliases.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ChangeResource, planChanges } from "../scripts/lib/changes";
import { inputsDigest } from "./fixtures/record-urns";
import { urnAliasCases } from "./fixtures/urnAliasCases";
import { RegisteredResource, runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

interface RecordedResource {
  readonly urn: string;
  readonly custom: boolean;
  readonly provider: string;
  readonly inputsSha256: string;
}
const recorded = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "urns-before-components.json"), "utf8")) as {
  stacks: Record<string, RecordedResource[]>;
};

const bare = { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], replaceOnChanges: [], dependencies: [] };

/** A resource in state as it was before the move: inputs compared by digest, provider by URN. */
function before(resource: RecordedResource): ChangeResource {
  const [, , qualifiedType, name] = resource.urn.split("::");
  return {
    ...bare,
    urn: resource.urn,
    type: qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1),
    name,
    parent: "",
    custom: resource.custom,
    inputs: { sha256: resource.inputsSha256 },
    provider: resource.provider === "" ? "" : `${resource.provider}::id`,
  };
}

/** A resource as the program registers it now, its inputs digested the same way. */
function after(resource: RegisteredResource, keepAliases = true): ChangeResource {
  const providerUrn = resource.provider.split("::").slice(0, -1).join("::");
  return {
    ...bare,
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    parent: resource.parent,
    custom: resource.custom,
    inputs: { sha256: inputsDigest(resource.inputs) },
    provider: providerUrn === "" ? "" : `${providerUrn}::id`,
    aliases: keepAliases ? resource.aliases : [],
  };
}

describe("moving resources into components keeps every existing resource", () => {
  it("has a recording for every case", () => {
    expect(Object.keys(recorded.stacks).sort()).toEqual(Object.keys(urnAliasCases).sort());
  });

  for (const [name, options] of Object.entries(urnAliasCases)) {
    it(`${name}: every resource recorded before the move is the same resource after it`, async () => {
      const run = await runProgram({ ...options(), env: firstRunEnv() });
      const now = run.resources.filter((resource) => !resource.read);
      const plan = planChanges(recorded.stacks[name].map(before), now.map((resource) => after(resource)));
      // A dynamic resource's serialized provider code is one of its inputs, so editing its module is an update.
      const changed = plan.changes.filter((change) => change.kind !== "same");
      expect(changed.filter((change) => !(change.kind === "update" && change.type.startsWith("pulumi-nodejs:dynamic:"))).map((change) => `${change.kind} ${change.urn}`)).toEqual([]);
      expect(plan.steps.filter((step) => step.op !== "update")).toEqual([]);
      expect(plan.changes.length).toBe(recorded.stacks[name].filter((resource) => resource.custom).length);

      // Things did move: without their aliases the same run would destroy and recreate them.
      const unaliased = planChanges(recorded.stacks[name].map(before), now.map((resource) => after(resource, false)));
      const deleted = unaliased.changes.filter((change) => change.kind === "delete").map((change) => `${change.type} ${change.name}`);
      const pullSecret = name.includes("app") ? ["flux-github-app"] : ["flux-git-auth-v1"];
      expect(deleted.sort()).toEqual(
        [
          ...pullSecret.map((secret) => `kubernetes:external-secrets.io/v1:ExternalSecret ${secret}`),
          "pulumi:providers:github github",
          "random:index/randomPassword:RandomPassword webhook-token-v1",
          ...(name.includes("app") ? [] : ["vault:kv/secretV2:SecretV2 flux-git-auth-v1"]),
          "vault:kv/secretV2:SecretV2 webhook-token-v1",
        ].sort(),
      );
    });
  }

  it("no resource is left without a component parent", async () => {
    const run = await runProgram({ stack: "prod", env: firstRunEnv() });
    expect(run.resources.filter((resource) => resource.custom && !resource.read && resource.parent === "").map((resource) => resource.urn)).toEqual([]);
  });
});
