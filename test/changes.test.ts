import { describe, expect, it } from "vitest";
import {
  applySets,
  ChangeResource,
  destructiveWarnings,
  diffResource,
  hooksThatRun,
  namesOf,
  parseSet,
  planChanges,
  refusedSteps,
  renderChanges,
} from "../scripts/lib/changes";
import { parseArgs } from "../scripts/plan";

const urnOf = (type: string, name: string) => `urn:pulumi:prod::gitops-bootstrap::${type}::${name}`;

function res(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<ChangeResource> = {}): ChangeResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    parent: "",
    custom: true,
    inputs,
    provider: "",
    dependencies: [],
    protect: false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    ignoreChanges: [],
    replaceOnChanges: [],
    ...extra,
  };
}

const command = "command:remote:Command";
const connection = { host: "10.0.0.1", user: "root", port: 22, privateKey: "k" };
const uninstall = "sudo /usr/local/bin/k3s-uninstall.sh || true";
const namespaceType = "kubernetes:core/v1:Namespace";
const kvType = "vault:kv/secretV2:SecretV2";

describe("change plan: replacement rules", () => {
  it("replaces a Command whose triggers change, and runs the old one's delete on its host after the new one is created", () => {
    const before = [res(command, "install", { connection, create: "install v1", delete: uninstall, triggers: ["v1"] })];
    const after = [res(command, "install", { connection, create: "install v2", delete: uninstall, triggers: ["v2"] })];
    const plan = planChanges(before, after);
    expect(plan.changes.map((c) => [c.kind, c.replaceReasons])).toEqual([["replace", ["triggers"]]]);
    expect(plan.steps.map((s) => s.op)).toEqual(["create-replacement", "delete-replaced"]);
    expect(hooksThatRun(plan)).toEqual(["10.0.0.1: sudo /usr/local/bin/k3s-uninstall.sh || true"]);
    expect(destructiveWarnings(plan)).toEqual([
      `DESTROYS DATA: runs \`${uninstall}\` on 10.0.0.1 (replacing command:remote:Command install (triggers changed), after its replacement is created); 10.0.0.1 STAYS IN THE PROGRAM`,
    ]);
  });

  it("updates a Command in place when anything but triggers changes (with or without `update`)", () => {
    const old = res(command, "install", { connection, create: "install v1", delete: uninstall });
    expect(diffResource(old, res(command, "install", { connection, create: "install v2", delete: uninstall }))).toEqual({
      kind: "update",
      changed: ["create"],
      replaceReasons: [],
    });
    expect(diffResource(old, res(command, "install", { connection, create: "install v2", update: "install v2" })).kind).toBe("update");
  });

  it("treats ignored paths as unchanged, as the engine does before diffing", () => {
    const old = res(command, "install", { connection, create: "install v1", triggers: ["v1", "config"] });
    const now = res(command, "install", { connection, create: "install v1" }, { ignoreChanges: ["triggers"] });
    expect(diffResource(old, now).kind).toBe("same");
    expect(diffResource(old, { ...now, ignoreChanges: [] }).kind).toBe("replace");
  });

  it("replaces a Kubernetes object on a name or namespace change or a replaceOnChanges path, and updates it otherwise", () => {
    const type = "kubernetes:external-secrets.io/v1:ExternalSecret";
    const old = res(type, "es", { metadata: { name: "a", namespace: "x" }, spec: { refreshInterval: "1h" } });
    expect(diffResource(old, res(type, "es", { metadata: { name: "b", namespace: "x" }, spec: { refreshInterval: "1h" } })).replaceReasons).toEqual(["metadata.name"]);
    expect(diffResource(old, res(type, "es", { metadata: { name: "a", namespace: "y" }, spec: { refreshInterval: "1h" } })).replaceReasons).toEqual(["metadata.namespace"]);
    const interval = res(type, "es", { metadata: { name: "a", namespace: "x" }, spec: { refreshInterval: "5m" } });
    expect(diffResource(old, interval)).toEqual({ kind: "update", changed: ["spec"], replaceReasons: [] });
    expect(diffResource(old, { ...interval, replaceOnChanges: ["spec.refreshInterval"] }).kind).toBe("replace");
    // Key order is not a change.
    expect(diffResource(old, res(type, "es", { spec: { refreshInterval: "1h" }, metadata: { namespace: "x", name: "a" } })).kind).toBe("same");
  });

  it("replaces a resource whose provider changes, and a random password on any input change", () => {
    const old = res(kvType, "s", { mount: "gitops", name: "p", dataJson: "{}" }, { provider: "urn:a::id" });
    expect(diffResource(old, { ...old, provider: "urn:b::id" })).toEqual({ kind: "replace", changed: ["provider"], replaceReasons: ["provider"] });
    expect(diffResource(old, { ...old, provider: "urn:a::other-id" }).kind).toBe("same");
    expect(diffResource(old, res(kvType, "s", { mount: "gitops", name: "p", dataJson: '{"a":"b"}' }, { provider: "urn:a::id" })).kind).toBe("update");
    const password = "random:index/randomPassword:RandomPassword";
    expect(diffResource(res(password, "t", { length: 40 }), res(password, "t", { length: 48 })).replaceReasons).toEqual(["length"]);
  });
});

describe("change plan: providers", () => {
  const kubeconfig = (server: string, token: string) =>
    `clusters:\n- name: c\n  cluster: { server: "${server}" }\ncontexts:\n- name: x\n  context: { cluster: c, user: u }\ncurrent-context: x\nusers:\n- name: u\n  user: { token: ${token} }\n`;
  const providerType = "pulumi:providers:kubernetes";
  const provider = (config: string) => res(providerType, "cluster", { kubeconfig: config });
  const namespace = (ref: ChangeResource) => res(namespaceType, "ns", { metadata: { name: "apps" } }, { provider: `${ref.urn}::cluster-id` });

  it("replaces the Kubernetes provider, and everything it manages, when the active cluster changes", () => {
    const before = provider(kubeconfig("https://a:6443", "t1"));
    const after = provider(kubeconfig("https://b:6443", "t1"));
    const plan = planChanges([before, namespace(before)], [after, namespace(after)]);
    expect(plan.changes.map((c) => [c.name, c.kind, c.replaceReasons])).toEqual([
      ["cluster", "replace", ["kubeconfig (active cluster)"]],
      ["ns", "replace", ["provider"]],
    ]);
    expect(destructiveWarnings(plan)).toContain(
      "DESTROYS DATA: deletes namespace apps and every object in it (replacing kubernetes:core/v1:Namespace ns (provider changed), after its replacement is created)",
    );
  });

  it("updates it in place when only the credentials change", () => {
    const before = provider(kubeconfig("https://a:6443", "t1"));
    const after = provider(kubeconfig("https://a:6443", "t2"));
    const plan = planChanges([before, namespace(before)], [after, namespace(after)]);
    expect(plan.changes.map((c) => [c.name, c.kind])).toEqual([
      ["cluster", "update"],
      ["ns", "same"],
    ]);
  });
});

describe("change plan: deletes", () => {
  it("deletes removed resources at the end, dependents first, after every create and update", () => {
    const ns = res(namespaceType, "ns-apps", { metadata: { name: "apps" } });
    const kv = res(kvType, "app", { mount: "gitops", name: "apps/app", dataJson: "{}" });
    const es = res("kubernetes:external-secrets.io/v1:ExternalSecret", "es", { metadata: { name: "app", namespace: "apps" }, spec: { target: { name: "app" } } }, {
      dependencies: [ns.urn, kv.urn],
    });
    const kept = res(kvType, "kept", { mount: "gitops", name: "kept", dataJson: "{}" });
    const added = res(kvType, "added", { mount: "gitops", name: "added", dataJson: "{}" });
    const plan = planChanges([ns, kv, es, kept], [{ ...kept, inputs: { ...kept.inputs, dataJson: '{"a":"1"}' } }, added]);
    expect(plan.steps.map((s) => `${s.op} ${s.urn.split("::").pop()}`)).toEqual(["update kept", "create added", "delete es", "delete app", "delete ns-apps"]);
    expect(namesOf(plan, "delete")).toEqual(["kubernetes:core/v1:Namespace ns-apps", "kubernetes:external-secrets.io/v1:ExternalSecret es", `${kvType} app`]);
    expect(destructiveWarnings(plan)).toEqual([
      "DISRUPTS: deletes ExternalSecret apps/app; the Secret app goes with it (creationPolicy Owner); Vault keeps the data (deleting kubernetes:external-secrets.io/v1:ExternalSecret es)",
      `DESTROYS DATA: deletes gitops/apps/app in Vault, every version (deleting ${kvType} app)`,
      "DESTROYS DATA: deletes namespace apps and every object in it (deleting kubernetes:core/v1:Namespace ns-apps)",
    ]);
  });

  it("deletes before creating the replacement when deleteBeforeReplace is set", () => {
    const old = res(namespaceType, "ns", { metadata: { name: "a" } });
    const plan = planChanges([old], [res(namespaceType, "ns", { metadata: { name: "b" } }, { deleteBeforeReplace: true })]);
    expect(plan.steps.map((s) => s.op)).toEqual(["delete-replaced", "create-replacement"]);
  });

  it("retains what retainOnDelete keeps and runs no hook for it", () => {
    const host = res(command, "uninstall", { connection, delete: uninstall }, { retainOnDelete: true });
    const secret = res(kvType, "app", { mount: "gitops", name: "apps/app", dataJson: "{}" }, { retainOnDelete: true });
    const plan = planChanges([host, secret], []);
    expect(plan.changes.map((c) => c.deletion?.outcome)).toEqual(["retained", "retained"]);
    expect(hooksThatRun(plan)).toEqual([]);
    expect(destructiveWarnings(plan)).toEqual([
      `RETAINED: deleting ${kvType} app: Pulumi forgets it and leaves it in place (retainOnDelete), instead of: deletes gitops/apps/app in Vault, every version`,
      `RETAINED: deleting command:remote:Command uninstall: Pulumi forgets it and leaves it in place (retainOnDelete), instead of: runs \`${uninstall}\` on 10.0.0.1`,
    ]);
  });

  it("fails the run for a protected resource it would delete or replace", () => {
    const gone = res(command, "uninstall", { connection, delete: uninstall }, { protect: true, retainOnDelete: true });
    const replaced = res(namespaceType, "ns", { metadata: { name: "a" } }, { protect: true });
    const plan = planChanges([gone, replaced], [res(namespaceType, "ns", { metadata: { name: "b" } }, { protect: true })]);
    expect(refusedSteps(plan).map((c) => c.name).sort()).toEqual(["ns", "uninstall"]);
    expect(hooksThatRun(plan)).toEqual([]);
    expect(destructiveWarnings(plan).every((line) => line.startsWith("FAILS THE RUN: "))).toBe(true);
    // Unprotecting in the same run lets the replacement go ahead (step_generator checks old and new).
    const unprotected = planChanges([replaced], [res(namespaceType, "ns", { metadata: { name: "b" } })]);
    expect(unprotected.changes[0].deletion?.outcome).toBe("runs");
  });

  it("names the generation that supersedes a deleted one", () => {
    const type = "github:index/repositoryDeployKey:RepositoryDeployKey";
    const plan = planChanges([res(type, "deploy-key-v1", { title: "flux-v1" })], [res(type, "deploy-key-v2", { title: "flux-v2" })]);
    expect(plan.changes.find((c) => c.kind === "delete")?.deletion?.supersededBy).toBe("deploy-key-v2");
    expect(destructiveWarnings(plan)).toEqual([
      `DELETES OLD GENERATION: deleting ${type} deploy-key-v1, superseded by deploy-key-v2: removes the deploy key from the GitHub repository`,
    ]);
  });

  it("pairs a renamed resource with its old URN through its aliases", () => {
    const old = res(command, "k3s-agent-node-1-uninstall", { connection, delete: uninstall });
    const renamed = { ...res(command, "k3s-agent-node--1-uninstall", { connection, delete: uninstall }), aliases: [old.urn] };
    expect(planChanges([old], [renamed]).changes.map((c) => [c.name, c.kind])).toEqual([["k3s-agent-node--1-uninstall", "same"]]);
    const plan = planChanges([old], [{ ...renamed, aliases: [] }]);
    expect(plan.changes.map((c) => [c.name, c.kind]).sort()).toEqual([["k3s-agent-node--1-uninstall", "create"], ["k3s-agent-node-1-uninstall", "delete"]]);
    expect(hooksThatRun(plan)).toEqual([`10.0.0.1: ${uninstall}`]);
  });

  it("ignores reads and components, and says when nothing is destructive", () => {
    const read = res("kubernetes:core/v1:Secret", "init", { metadata: { name: "x" } }, { read: true });
    const component = res("gitops:cluster:K3s", "k3s", {}, { custom: false });
    const plan = planChanges([read, component], []);
    expect(plan.changes).toEqual([]);
    expect(renderChanges(plan, "prod", ["a=b"])).toContain("No destructive step");
  });
});

describe("--set", () => {
  it("parses dotted keys and YAML or JSON values", () => {
    expect(parseSet("cluster.k3s.version=v1.34.1+k3s1")).toEqual({ path: ["cluster", "k3s", "version"], value: "v1.34.1+k3s1" });
    expect(parseSet("gitops-bootstrap:webhook.rotation=2")).toEqual({ path: ["webhook", "rotation"], value: 2 });
    expect(parseSet('apps.0.keys=["api-key","token"]')).toEqual({ path: ["apps", "0", "keys"], value: ["api-key", "token"] });
    expect(parseSet("flux.multitenant=true").value).toBe(true);
    expect(parseSet("webhook=").value).toBeUndefined();
    expect(() => parseSet("novalue")).toThrow(/key=value/);
    expect(() => parseSet("a..b=1")).toThrow(/dotted config path/);
  });

  it("changes only the touched top-level keys, without modifying the stack's config", () => {
    const config = { cluster: { mode: "k3s", k3s: { version: "v1", agents: [{ host: "a" }, { host: "b" }] } }, flux: { syncInterval: "1m" } };
    const frozen = JSON.stringify(config);
    const changed = applySets(config, [
      parseSet("cluster.k3s.version=v2"),
      parseSet('cluster.k3s.agents.2={"host":"c"}'),
      parseSet("cluster.k3s.agents.0="),
    ]);
    expect(changed).toEqual({ cluster: { mode: "k3s", k3s: { version: "v2", agents: [{ host: "b" }, { host: "c" }] } } });
    expect(JSON.stringify(config)).toBe(frozen);
    expect(applySets(config, [parseSet("flux.registry=ghcr.io/x")])).toEqual({ flux: { syncInterval: "1m", registry: "ghcr.io/x" } });
    expect(() => applySets(config, [parseSet("cluster.mode.x=1")])).toThrow(/cluster\.mode is not an object/);
    expect(() => applySets(config, [parseSet("cluster.k3s.agents.5=1")])).toThrow(/is a list; use an index from 0 to 2/);
  });
});

describe("npm run plan arguments", () => {
  it("collects every --set and keeps today's graph when there is none", () => {
    expect(parseArgs(["--stack", "prod", "--set", "cluster.k3s.version=v1.34.1+k3s1", "--set=flux.syncInterval=5m"])).toEqual({
      stack: "prod",
      mermaidOnly: false,
      writeReadme: false,
      sets: ["cluster.k3s.version=v1.34.1+k3s1", "flux.syncInterval=5m"],
    });
    expect(parseArgs(["--stack", "staging"]).sets).toEqual([]);
    expect(() => parseArgs(["--set"])).toThrow(/--set needs key=value/);
    expect(() => parseArgs(["--set", "version"])).toThrow(/--set needs key=value/);
  });
});

describe("change plan: resources moved with aliases", () => {
  const component = (type: string, name: string, extra: Partial<ChangeResource> = {}) => res(type, name, {}, { custom: false, ...extra });

  it("keeps a child of a moved component: it inherits the component's alias", () => {
    const before = [res("tls:index/privateKey:PrivateKey", "key", { algorithm: "ED25519" }, { urn: "urn:pulumi:prod::gitops-bootstrap::gitops:github:DeployKey$tls:index/privateKey:PrivateKey::key" })];
    const auth = component("gitops:flux:GitAuth", "git-auth");
    const deployKey = component("gitops:github:DeployKey", "deploy-key", {
      urn: "urn:pulumi:prod::gitops-bootstrap::gitops:flux:GitAuth$gitops:github:DeployKey::deploy-key",
      parent: auth.urn,
      aliases: [urnOf("gitops:github:DeployKey", "deploy-key")],
    });
    const key = res("tls:index/privateKey:PrivateKey", "key", { algorithm: "ED25519" }, {
      urn: "urn:pulumi:prod::gitops-bootstrap::gitops:flux:GitAuth$gitops:github:DeployKey$tls:index/privateKey:PrivateKey::key",
      parent: deployKey.urn,
    });
    expect(planChanges(before, [auth, deployKey, key]).changes.map((c) => c.kind)).toEqual(["same"]);
    expect(planChanges(before, [auth, { ...deployKey, aliases: [] }, key]).changes.map((c) => c.kind).sort()).toEqual(["create", "delete"]);
  });

  it("does not replace what an aliased provider manages", () => {
    const oldProvider = res("pulumi:providers:github", "github", { owner: "acme" });
    const newProvider = res("pulumi:providers:github", "github", { owner: "acme" }, {
      urn: "urn:pulumi:prod::gitops-bootstrap::gitops:github:Repository$pulumi:providers:github::github",
      aliases: [oldProvider.urn],
    });
    const ruleset = (provider: ChangeResource) => res("github:index/repositoryRuleset:RepositoryRuleset", "rules", { name: "r" }, { provider: `${provider.urn}::id` });
    const plan = planChanges([oldProvider, ruleset(oldProvider)], [newProvider, ruleset(newProvider)]);
    expect(plan.changes.map((c) => [c.name, c.kind]).sort()).toEqual([
      ["github", "same"],
      ["rules", "same"],
    ]);
    const unaliased = planChanges([oldProvider, ruleset(oldProvider)], [{ ...newProvider, aliases: [] }, ruleset(newProvider)]);
    expect(unaliased.changes.find((c) => c.name === "rules")?.kind).toBe("replace");
  });
});
