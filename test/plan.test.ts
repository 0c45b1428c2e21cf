import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  appsFromConfig,
  assignPhase,
  buildGraph as buildGraphOf,
  computeWaves,
  criticalPath,
  generatedBlock,
  mermaidBlock,
  phaseMembers,
  placeholderSecretsEnv,
  Plan,
  planMarkers,
  PlanResource,
  planResources as planResourcesOf,
  registrationChain,
  renderMermaid,
  renderText,
  replaceGeneratedBlock,
  transitiveDependencies,
  transitiveReduction,
} from "../scripts/lib/graph";
import { readStackConfig, repoRoot, runProgram } from "./support/harness";

// ------------------------------------------------------------------------------------------------
// Synthetic resources
// ------------------------------------------------------------------------------------------------
const urnOf = (type: string, name: string, parentType?: string) =>
  `urn:pulumi:test::gitops-bootstrap::${parentType ? `${parentType}$` : ""}${type}::${name}`;

interface Spec {
  type?: string;
  name: string;
  parent?: PlanResource;
  custom?: boolean;
  deps?: readonly PlanResource[];
  provider?: PlanResource;
  waitFor?: string;
  read?: boolean;
}

/** The component synthetic resources live in when a test gives them none: a phase-3 one (SecretStores). */
const storesComponent: PlanResource = {
  urn: urnOf("gitops:eso:NamespaceSecretStores", "stores"),
  type: "gitops:eso:NamespaceSecretStores",
  name: "stores",
  parent: "",
  custom: false,
  dependencies: [],
  provider: "",
  inputs: {},
};
/** The graph of `resources` and the component they default to. */
const buildGraph = (resources: readonly PlanResource[]) => buildGraphOf([storesComponent, ...resources]);
const planResources = (resources: readonly PlanResource[]) => planResourcesOf([storesComponent, ...resources]);

/** A resource; without a parent it lives in `storesComponent` (phase 3), as every resource has a component. */
function res(spec: Spec): PlanResource {
  const type = spec.type ?? "kubernetes:external-secrets.io/v1:ClusterSecretStore";
  const parent = spec.parent ?? (spec.custom === false ? undefined : storesComponent);
  return {
    urn: urnOf(type, spec.name, parent?.type),
    type,
    name: spec.name,
    parent: parent?.urn ?? "",
    custom: spec.custom ?? true,
    dependencies: (spec.deps ?? []).map((dep) => dep.urn),
    provider: spec.provider ? `${spec.provider.urn}::${spec.provider.name}-id` : "",
    inputs: spec.waitFor ? { metadata: { name: spec.name, annotations: { "pulumi.com/waitFor": spec.waitFor } } } : { metadata: { name: spec.name } },
    read: spec.read,
  };
}

const component = (type: string, name: string, parent?: PlanResource, deps: readonly PlanResource[] = []) =>
  res({ type, name, parent, custom: false, deps });

function wavesByName(resources: readonly PlanResource[]): Record<string, number> {
  const graph = buildGraph(resources);
  const waves = computeWaves(graph);
  return Object.fromEntries(graph.nodes.map((node) => [node.name, waves.get(node.id) ?? -1]));
}

describe("graph: waves", () => {
  it("puts roots in wave 1 and each resource one wave after its latest dependency", () => {
    const a = res({ name: "a" });
    const b = res({ name: "b", deps: [a] });
    const c = res({ name: "c", deps: [a, b] });
    const d = res({ name: "d" });
    const e = res({ name: "e", deps: [d] });
    expect(wavesByName([a, b, c, d, e])).toEqual({ a: 1, b: 2, c: 3, d: 1, e: 2 });
  });

  it("refuses a cycle and names it", () => {
    const a = res({ name: "a" });
    const b = res({ name: "b", deps: [a] });
    const cyclic = { ...a, dependencies: [b.urn] };
    expect(() => computeWaves(buildGraph([cyclic, b]))).toThrow(/cycle/);
  });

  it("counts providers as nodes: a resource waits for its provider", () => {
    const provider = res({ type: "pulumi:providers:kubernetes", name: "cluster", parent: component("gitops:cluster:Cluster", "cluster") });
    const namespace = res({ type: "kubernetes:core/v1:Namespace", name: "ns", parent: component("gitops:cluster:Namespaces", "namespaces"), provider });
    const cluster = component("gitops:cluster:Cluster", "cluster");
    const namespaces = component("gitops:cluster:Namespaces", "namespaces");
    const graph = buildGraph([cluster, namespaces, provider, namespace]);
    expect(graph.nodes.map((node) => node.name).sort()).toEqual(["cluster", "ns"]);
    expect(graph.deps.get(namespace.urn)).toEqual([provider.urn]);
    expect(wavesByName([cluster, namespaces, provider, namespace])).toEqual({ cluster: 1, ns: 2 });
  });
});

describe("graph: component collapsing", () => {
  const vault = component("gitops:vault:Vault", "vault");
  const release = res({ type: "kubernetes:helm.sh/v3:Release", name: "vault", parent: vault });
  const job = res({ type: "kubernetes:batch/v1:Job", name: "vault-init", parent: vault, deps: [release] });
  const nested = component("gitops:cluster:K3s", "inner", vault);
  const deep = res({ type: "command:remote:Command", name: "deep", parent: nested });
  const consumer = res({ name: "consumer", deps: [vault] });

  it("turns a dependency on a component into one on each of its custom descendants, nested ones too", () => {
    const graph = buildGraph([vault, release, job, nested, deep, consumer]);
    expect(graph.nodes.some((node) => node.type === "gitops:vault:Vault")).toBe(false);
    expect([...(graph.deps.get(consumer.urn) ?? [])].sort()).toEqual([deep.urn, job.urn, release.urn].sort());
    // Only the chain's end remains after reduction: the Job already waits for the release.
    expect([...(transitiveReduction(graph).get(consumer.urn) ?? [])].sort()).toEqual([deep.urn, job.urn].sort());
  });

  it("makes a child wait for what its component ancestors depend on", () => {
    const before = res({ name: "before" });
    const outer = component("gitops:flux:Instance", "flux", undefined, [before]);
    const inner = component("gitops:flux:Operator", "inner", outer);
    const child = res({ type: "kubernetes:fluxcd.controlplane.io/v1:FluxInstance", name: "child", parent: inner });
    expect(wavesByName([before, outer, inner, child])).toEqual({ before: 1, child: 2 });
  });
});

describe("graph: critical path", () => {
  it("is the longest chain, first to last, and its length is the number of waves", () => {
    const a = res({ name: "a" });
    const b = res({ name: "b", deps: [a] });
    const c = res({ name: "c", deps: [b] });
    const d = res({ name: "d", deps: [a] });
    const x = res({ name: "x" });
    const graph = buildGraph([a, b, c, d, x]);
    const path = criticalPath(graph);
    expect(path.length).toBe(3);
    expect(path.path).toEqual([a.urn, b.urn, c.urn]);
  });

  it("is empty for no resources", () => {
    expect(criticalPath(buildGraph([]))).toEqual({ path: [], length: 0 });
  });

  it("under the mock schedule, also counts a component's registration", () => {
    const cluster = component("gitops:cluster:Cluster", "cluster");
    const provider = res({ type: "pulumi:providers:kubernetes", name: "k8s", parent: cluster });
    const ns = res({ type: "kubernetes:core/v1:Namespace", name: "ns", parent: component("gitops:cluster:Namespaces", "namespaces"), provider });
    const resources = [cluster, component("gitops:cluster:Namespaces", "namespaces"), provider, ns];
    expect(planResources(resources).critical.length).toBe(2);
    expect(registrationChain(resources).length).toBe(3);
  });
});

describe("graph: transitive reduction", () => {
  const a = res({ name: "a" });
  const b = res({ name: "b", deps: [a] });
  const c = res({ name: "c", deps: [a, b] });

  it("drops an edge a longer path already implies, keeps the rest", () => {
    const graph = buildGraph([a, b, c]);
    const reduced = transitiveReduction(graph);
    expect(reduced.get(c.urn)).toEqual([b.urn]);
    expect(reduced.get(b.urn)).toEqual([a.urn]);
    expect([...(transitiveDependencies(graph).get(c.urn) ?? [])].sort()).toEqual([a.urn, b.urn].sort());
  });

  it("draws only reduced edges in Mermaid and counts the implied ones in text", () => {
    const plan = planResources([a, b, c]);
    const mermaid = renderMermaid(plan);
    expect(mermaid).toContain("n_ClusterSecretStore_a --> n_ClusterSecretStore_b");
    expect(mermaid).toContain("n_ClusterSecretStore_b --> n_ClusterSecretStore_c");
    expect(mermaid).not.toContain("n_ClusterSecretStore_a --> n_ClusterSecretStore_c");
    expect(renderText(plan, "test")).toMatch(/\[wave 3\] \S+ClusterSecretStore c {2}← waits for: \S+ClusterSecretStore b \(\+1 implied\)/);
  });
});

describe("graph: phases", () => {
  const byUrn = (resources: readonly PlanResource[]) => new Map(resources.map((resource) => [resource.urn, resource]));

  it("assigns by the top-level component, however deep the resource sits", () => {
    const cluster = component("gitops:cluster:Cluster", "cluster");
    const k3s = component("gitops:cluster:K3s", "cluster-k3s", cluster);
    const command = res({ type: "command:remote:Command", name: "install", parent: k3s });
    const apps = component("gitops:apps:AppSecrets", "app-secrets");
    const appSecret = res({ type: "kubernetes:external-secrets.io/v1:ExternalSecret", name: "app", parent: apps });
    const secrets = component("gitops:secrets:BootstrapSecrets", "bootstrap-secrets");
    const kv = res({ type: "vault:kv/secretV2:SecretV2", name: "kv", parent: secrets });
    const all = byUrn([cluster, k3s, command, apps, appSecret, secrets, kv]);
    expect(assignPhase(command, all)).toBe(1);
    expect(assignPhase(kv, all)).toBe(2);
    expect(assignPhase(appSecret, all)).toBe(4);
  });

  it("refuses a resource outside any component, and a component that declares no phase", () => {
    const provider = { ...res({ type: "pulumi:providers:github", name: "github" }), parent: "", urn: urnOf("pulumi:providers:github", "github") };
    expect(() => assignPhase(provider, byUrn([provider]))).toThrow(/pulumi:providers:github github has no component parent/);
    const unknown = component("gitops:unknown:Thing", "thing");
    const child = res({ type: "kubernetes:core/v1:ConfigMap", name: "cm", parent: unknown });
    expect(() => assignPhase(child, byUrn([unknown, child]))).toThrow(/gitops:unknown:Thing/);
  });

  it("takes each phase from the component class that declares it", () => {
    const all = ["gitops:github:Repository", "gitops:flux:GitAuth", "gitops:flux:WebhookReceiver", "gitops:vault:Vault"].map((type) => component(type, "c"));
    const children = all.map((parent) => res({ type: "kubernetes:core/v1:ConfigMap", name: "cm", parent }));
    expect(children.map((child) => assignPhase(child, byUrn([...all, ...children])))).toEqual([2, 3, 4, 1]);
  });

  it("lists waitFor resources as phase-5 gates while they keep their creation phase", () => {
    const store = res({ name: "store", waitFor: "condition=Ready" });
    const plain = res({ name: "plain", deps: [store] });
    const plan = planResources([store, plain]);
    expect(phaseMembers(plan, 3).map((node) => node.name)).toEqual(["store", "plain"]);
    expect(phaseMembers(plan, 5).map((node) => [node.name, node.gate])).toEqual([["store", "condition=Ready"]]);
    expect(renderText(plan, "test")).toContain("holds until condition=Ready (created in phase 3)");
  });
});

describe("graph: rendering and README blocks", () => {
  it("gives every node a unique Mermaid-safe id and one subgraph per phase", () => {
    const one = res({ name: "a.b" });
    const two = res({ name: "a-b" });
    const mermaid = renderMermaid(planResources([one, two]));
    expect(mermaid.startsWith("flowchart LR\n")).toBe(true);
    expect(mermaid).toContain('n_ClusterSecretStore_a_b["');
    expect(mermaid).toContain('n_ClusterSecretStore_a_b_2["');
    expect(mermaid.match(/^ {2}subgraph phase\d/gm)).toHaveLength(5);
    for (const line of mermaid.split("\n").filter((text) => /^\s+n_\w+\[/.test(text))) {
      expect(line.replace(/<br\/>/g, "")).not.toMatch(/[<>]/);
    }
  });

  it("replaces only the text between markers, and reports missing markers", () => {
    const { begin, end } = planMarkers("staging");
    const doc = `# Title\n\n${begin}\nold\n${end}\n\nTail\n`;
    const updated = replaceGeneratedBlock(doc, begin, end, "```mermaid\nnew\n```");
    expect(updated).toBe(`# Title\n\n${begin}\n\`\`\`mermaid\nnew\n\`\`\`\n${end}\n\nTail\n`);
    expect(generatedBlock(updated ?? "", begin, end)).toBe("```mermaid\nnew\n```");
    expect(replaceGeneratedBlock("# no markers", begin, end, "x")).toBeUndefined();
    expect(replaceGeneratedBlock(`${end}\n${begin}`, begin, end, "x")).toBeUndefined();
  });

  it("makes placeholder secrets for every app key, all clearly fake", () => {
    const env = placeholderSecretsEnv([{ name: "pod-info", keys: ["api.key"] }]);
    expect(env.APP_POD_INFO_API_KEY).toMatch(/placeholder-not-a-secret/);
    for (const value of Object.values(env)) expect(value).toMatch(/placeholder-not-a-secret/);
  });
});

// ------------------------------------------------------------------------------------------------
// The real staging stack
// ------------------------------------------------------------------------------------------------
const readmePath = path.join(repoRoot, "README.md");
const stagingMarkers = planMarkers("staging");
const readmeBlock = existsSync(readmePath) ? generatedBlock(readFileSync(readmePath, "utf8"), stagingMarkers.begin, stagingMarkers.end) : undefined;

describe("plan of the staging stack", () => {
  let planned: Promise<Plan> | undefined;
  const stagingPlan = () => {
    planned ??= (async () => {
      const apps = appsFromConfig(readStackConfig("staging")["gitops-bootstrap:apps"]);
      const run = await runProgram({ stack: "staging", env: placeholderSecretsEnv(apps) });
      return planResources(run.resources);
    })();
    return planned;
  };

  it("has five non-empty phases, Flux after its pull secret, and the operators and namespaces early and side by side", async () => {
    const plan = await stagingPlan();
    for (const phase of [1, 2, 3, 4, 5] as const) expect(phaseMembers(plan, phase).length, `phase ${phase}`).toBeGreaterThan(0);

    const find = (type: string, name: string) => {
      const node = plan.graph.nodes.find((candidate) => candidate.type === type && candidate.name === name);
      if (node === undefined) throw new Error(`no ${type} ${name} in the plan`);
      return node;
    };
    const wave = (node: { id: string }) => plan.waves.get(node.id) ?? 0;
    const reach = transitiveDependencies(plan.graph);
    const behind = (a: { id: string }, b: { id: string }) => reach.get(a.id)?.has(b.id) ?? false;

    const gitAuth = find("kubernetes:external-secrets.io/v1:ExternalSecret", "flux-git-auth-v1");
    const fluxInstance = find("kubernetes:fluxcd.controlplane.io/v1:FluxInstance", "flux");
    expect(wave(fluxInstance)).toBeGreaterThan(wave(gitAuth));
    expect(behind(fluxInstance, gitAuth)).toBe(true);

    const fluxOperator = find("kubernetes:helm.sh/v3:Release", "flux-operator");
    const eso = find("kubernetes:helm.sh/v3:Release", "external-secrets");
    const namespaces = plan.graph.nodes.filter((node) => node.type === "kubernetes:core/v1:Namespace");
    expect(namespaces.length).toBeGreaterThanOrEqual(3);
    expect(wave(fluxOperator)).toBeLessThanOrEqual(3);
    expect(wave(eso)).toBe(wave(fluxOperator));
    expect(behind(fluxOperator, eso) || behind(eso, fluxOperator)).toBe(false);
    for (const namespace of namespaces) {
      expect(wave(namespace), namespace.name).toBeLessThanOrEqual(2);
      expect(wave(namespace), namespace.name).toBe(wave(namespaces[0]));
      for (const other of [...namespaces, fluxOperator, eso]) expect(behind(namespace, other), `${namespace.name} behind ${other.name}`).toBe(false);
    }
  });

  it("README's generated plan block is what `npm run plan -- --stack staging --write-readme` renders now", async () => {
    // A README without the block fails too: a missing block is a missing plan, not a skipped check.
    expect(readmeBlock, `README.md has no ${stagingMarkers.begin} … ${stagingMarkers.end} block; run npm run plan -- --stack staging --write-readme`).toBeDefined();
    const plan = await stagingPlan();
    expect(readmeBlock).toBe(mermaidBlock(plan));
  });
});
