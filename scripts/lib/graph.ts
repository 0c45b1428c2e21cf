/**
 * The bootstrap's plan as a graph: pure functions over the resources a (mocked) run registered.
 *
 * Model:
 * - Nodes are CUSTOM resources only, providers included. A provider is configured before any
 *   resource that uses it can start (the Vault provider, for one, needs the root token the init
 *   resource returns), so every resource gets an edge to its provider. `Resource.get` reads are nodes
 *   too: they are a provider operation the program waits on.
 * - Component resources are collapsed: a dependency on a component means a dependency on all of its
 *   custom descendants, and a custom resource also waits for whatever its component ancestors were
 *   told to depend on (the SDK only registers a child once its parent is registered).
 * - Phases 1–4 are where a resource is created: the phase its top-level component declares
 *   (components/phases.ts), found by walking its parent chain. Every resource has a component
 *   parent, so no resource is placed by its name. Phase 5 (verification)
 *   lists the gates: resources carrying `pulumi.com/waitFor`, which Pulumi holds until the condition
 *   is met. A gate keeps its creation phase as well.
 * - Waves are longest-path levels from the roots (wave 1 = no dependencies): everything in one wave
 *   can run at once. The critical path is the longest chain; its length is the number of resources
 *   on it, which equals the number of waves.
 */
import { BuildPhase } from "../../components/phases";
import { topLevelComponentPhases } from "../../components/topLevel";
import { appSecretEnvVar } from "../../components/validation";

/** What the graph needs of a registered resource (mocks/engine's RegisteredResource fits). */
export interface PlanResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Parent URN; "" at top level. */
  readonly parent: string;
  readonly custom: boolean;
  /** URNs the engine was told this resource depends on (explicit and through its inputs). */
  readonly dependencies: readonly string[];
  /** Provider reference, "<provider urn>::<provider id>"; "" for the default provider. */
  readonly provider: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** True for `Resource.get` reads. */
  readonly read?: boolean;
}

export type { BuildPhase };
/** All five phases; 5 is verification (the waitFor gates). */
export type Phase = BuildPhase | 5;

export const phaseTitles: Readonly<Record<Phase, { readonly name: string; readonly detail: string }>> = {
  1: { name: "infrastructure", detail: "cluster, namespaces, Flux operator, Vault, External Secrets Operator" },
  2: { name: "secret population", detail: "bootstrap secrets into Vault KV, GitHub provider, starter layout, branch ruleset" },
  3: { name: "Flux auth switch", detail: "per-namespace SecretStores, deploy key, git credentials through Vault and ESO, FluxInstance" },
  4: { name: "applications", detail: "app secrets, push webhook and its token, notifications, Flux monitoring" },
  5: { name: "verification", detail: "resources Pulumi holds until their condition is met" },
};

const stackType = "pulumi:pulumi:Stack";
export const waitForAnnotation = "pulumi.com/waitFor";

export function isProvider(type: string): boolean {
  return type.startsWith("pulumi:providers:");
}

/** The provider URN of a provider reference ("<urn>::<id>"), or undefined for none. */
export function providerUrn(reference: string): string | undefined {
  if (reference === "") return undefined;
  const at = reference.lastIndexOf("::");
  return at <= 0 ? reference : reference.slice(0, at);
}

/** The top-level ancestor of a resource (itself when it has no registered parent). */
export function topLevelAncestor(resource: PlanResource, byUrn: ReadonlyMap<string, PlanResource>): PlanResource {
  let current = resource;
  const seen = new Set<string>([current.urn]);
  for (;;) {
    const parent = byUrn.get(current.parent);
    if (parent === undefined || parent.type === stackType || seen.has(parent.urn)) return current;
    seen.add(parent.urn);
    current = parent;
  }
}

/** Phase 1–4 in which a resource is created. Throws for a resource no component declares, naming it. */
export function assignPhase(resource: PlanResource, byUrn: ReadonlyMap<string, PlanResource>): BuildPhase {
  const top = topLevelAncestor(resource, byUrn);
  if (top.custom) {
    throw new Error(`plan: ${top.type} ${top.name} has no component parent; create it inside the component it belongs to ({ parent: this })`);
  }
  const phase = topLevelComponentPhases[top.type];
  if (phase === undefined) {
    throw new Error(`plan: no phase for component type ${top.type} (${top.name}); give the class a static phase and list it in components/topLevel.ts`);
  }
  return phase;
}

/** The condition Pulumi waits for (the `pulumi.com/waitFor` annotation), or undefined. */
export function verificationGate(resource: PlanResource): string | undefined {
  const metadata = resource.inputs.metadata;
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const annotations = (metadata as Record<string, unknown>).annotations;
  if (typeof annotations !== "object" || annotations === null) return undefined;
  const value = (annotations as Record<string, unknown>)[waitForAnnotation];
  return typeof value === "string" ? value : undefined;
}

export interface PlanNode {
  /** The URN. */
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly provider: boolean;
  readonly read: boolean;
  readonly phase: BuildPhase;
  /** The waitFor condition when the resource is a phase-5 gate. */
  readonly gate: string | undefined;
}

/** Custom resources and what each waits for (direct edges, components collapsed). */
export interface DependencyGraph {
  /** Nodes in a deterministic order (by type, then name, then URN). */
  readonly nodes: readonly PlanNode[];
  /** id → ids it depends on, sorted, without duplicates or self-edges. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
}

function compareNodes(a: { type: string; name: string; id: string }, b: { type: string; name: string; id: string }): number {
  return a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

/** Builds the dependency graph of custom resources, collapsing components (see the file comment). */
export function buildGraph(resources: readonly PlanResource[]): DependencyGraph {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const children = new Map<string, PlanResource[]>();
  for (const resource of resources) {
    const list = children.get(resource.parent) ?? [];
    list.push(resource);
    children.set(resource.parent, list);
  }
  const descendantsMemo = new Map<string, string[]>();
  const customDescendants = (urn: string, visiting: Set<string> = new Set()): string[] => {
    const memo = descendantsMemo.get(urn);
    if (memo !== undefined) return memo;
    if (visiting.has(urn)) return [];
    visiting.add(urn);
    const found: string[] = [];
    for (const child of children.get(urn) ?? []) {
      if (child.custom) found.push(child.urn);
      // Custom resources may parent others too (rare); their children count as well.
      found.push(...customDescendants(child.urn, visiting));
    }
    descendantsMemo.set(urn, found);
    return found;
  };
  const expand = (urn: string): string[] => {
    const target = byUrn.get(urn);
    if (target === undefined) return [];
    return target.custom ? [urn] : customDescendants(urn);
  };

  const nodes: PlanNode[] = [];
  const deps = new Map<string, string[]>();
  for (const resource of resources) {
    if (!resource.custom) continue;
    const direct = new Set<string>();
    const add = (urn: string) => {
      for (const target of expand(urn)) if (target !== resource.urn) direct.add(target);
    };
    for (const urn of resource.dependencies) add(urn);
    const provider = providerUrn(resource.provider);
    if (provider !== undefined) add(provider);
    // What component ancestors were told to wait for, the child waits for too.
    let ancestor = byUrn.get(resource.parent);
    const seen = new Set<string>();
    while (ancestor !== undefined && !ancestor.custom && !seen.has(ancestor.urn)) {
      seen.add(ancestor.urn);
      for (const urn of ancestor.dependencies) add(urn);
      ancestor = byUrn.get(ancestor.parent);
    }
    nodes.push({
      id: resource.urn,
      type: resource.type,
      name: resource.name,
      provider: isProvider(resource.type),
      read: resource.read ?? false,
      phase: assignPhase(resource, byUrn),
      gate: verificationGate(resource),
    });
    deps.set(resource.urn, [...direct]);
  }
  nodes.sort(compareNodes);
  const order = new Map(nodes.map((node, index) => [node.id, index]));
  for (const [id, list] of deps) {
    deps.set(id, list.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)));
  }
  return { nodes, deps };
}

/** Node ids in dependency order (dependencies first); throws on a cycle, naming its members. */
export function topologicalOrder(graph: DependencyGraph): string[] {
  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const visit = (id: string, trail: string[]) => {
    const seen = state.get(id);
    if (seen === "done") return;
    if (seen === "visiting") throw new Error(`plan: dependency cycle: ${[...trail.slice(trail.indexOf(id)), id].join(" → ")}`);
    state.set(id, "visiting");
    for (const dep of graph.deps.get(id) ?? []) visit(dep, [...trail, id]);
    state.set(id, "done");
    order.push(id);
  };
  for (const node of graph.nodes) visit(node.id, []);
  return order;
}

/** Longest-path level from the roots: 1 for a resource with no dependencies, else 1 + max over its dependencies. */
export function computeWaves(graph: DependencyGraph): Map<string, number> {
  const waves = new Map<string, number>();
  for (const id of topologicalOrder(graph)) {
    const levels = (graph.deps.get(id) ?? []).map((dep) => waves.get(dep) ?? 0);
    waves.set(id, 1 + Math.max(0, ...levels));
  }
  return waves;
}

export interface CriticalPath {
  /** Resources on the longest chain, first to last. */
  readonly path: readonly string[];
  /** Number of resources on it (= number of waves); 0 for an empty graph. */
  readonly length: number;
}

/** The longest chain of dependencies; ties break on node order, so the answer is deterministic. */
export function criticalPath(graph: DependencyGraph, waves: ReadonlyMap<string, number> = computeWaves(graph)): CriticalPath {
  let last: string | undefined;
  for (const node of graph.nodes) {
    if (last === undefined || (waves.get(node.id) ?? 0) > (waves.get(last) ?? 0)) last = node.id;
  }
  if (last === undefined) return { path: [], length: 0 };
  const path = [last];
  let current = last;
  while ((waves.get(current) ?? 1) > 1) {
    const want = (waves.get(current) ?? 1) - 1;
    const previous = (graph.deps.get(current) ?? []).find((dep) => waves.get(dep) === want);
    if (previous === undefined) break;
    path.unshift(previous);
    current = previous;
  }
  return { path, length: path.length };
}

/** Everything each node depends on, directly or not. */
export function transitiveDependencies(graph: DependencyGraph): Map<string, ReadonlySet<string>> {
  const reach = new Map<string, Set<string>>();
  for (const id of topologicalOrder(graph)) {
    const all = new Set<string>();
    for (const dep of graph.deps.get(id) ?? []) {
      all.add(dep);
      for (const further of reach.get(dep) ?? []) all.add(further);
    }
    reach.set(id, all);
  }
  return reach;
}

/** Direct edges minus those implied by a longer path (the transitive reduction of a DAG). */
export function transitiveReduction(graph: DependencyGraph): Map<string, string[]> {
  const reach = transitiveDependencies(graph);
  const reduced = new Map<string, string[]>();
  for (const node of graph.nodes) {
    const direct = graph.deps.get(node.id) ?? [];
    reduced.set(
      node.id,
      direct.filter((dep) => !direct.some((other) => other !== dep && (reach.get(other)?.has(dep) ?? false))),
    );
  }
  return reduced;
}

export interface Plan {
  readonly graph: DependencyGraph;
  readonly byId: ReadonlyMap<string, PlanNode>;
  readonly waves: ReadonlyMap<string, number>;
  readonly reduced: ReadonlyMap<string, readonly string[]>;
  readonly critical: CriticalPath;
}

export function planResources(resources: readonly PlanResource[]): Plan {
  const graph = buildGraph(resources);
  const waves = computeWaves(graph);
  return {
    graph,
    byId: new Map(graph.nodes.map((node) => [node.id, node])),
    waves,
    reduced: transitiveReduction(graph),
    critical: criticalPath(graph, waves),
  };
}

/** Resources created in a phase (1–4), or the gates (5), ordered by wave then type and name. */
export function phaseMembers(plan: Plan, phase: Phase): PlanNode[] {
  const members = plan.graph.nodes.filter((node) => (phase === 5 ? node.gate !== undefined : node.phase === phase));
  return members.sort((a, b) => (plan.waves.get(a.id) ?? 0) - (plan.waves.get(b.id) ?? 0) || compareNodes(a, b));
}

/** Resources per wave, wave 1 first. */
export function wavesOf(plan: Plan): PlanNode[][] {
  const result: PlanNode[][] = [];
  for (const node of plan.graph.nodes) {
    const wave = plan.waves.get(node.id) ?? 1;
    (result[wave - 1] ??= []).push(node);
  }
  return Array.from(result, (nodes) => nodes ?? []);
}

export function describeNode(node: Pick<PlanNode, "type" | "name" | "read">): string {
  return `${node.type} ${node.name}${node.read ? " (read)" : ""}`;
}

const allPhases: readonly Phase[] = [1, 2, 3, 4, 5];

/** The plan as text, grouped by phase, each resource with its wave and what it waits for. */
export function renderText(plan: Plan, stack: string): string {
  const lines: string[] = [];
  const providers = plan.graph.nodes.filter((node) => node.provider).length;
  const waveCount = wavesOf(plan).length;
  lines.push(`Plan for stack ${stack}: ${plan.graph.nodes.length} custom resources (${providers} providers), ${waveCount} waves, critical path ${plan.critical.length} resources`);
  lines.push("A resource starts once everything it waits for is done; resources in the same wave can run at once.");
  for (const phase of allPhases) {
    const members = phaseMembers(plan, phase);
    const memberWaves = [...new Set(members.map((node) => plan.waves.get(node.id) ?? 0))];
    const span = members.length === 0 ? "none" : `waves ${Math.min(...memberWaves)}–${Math.max(...memberWaves)}`;
    lines.push("");
    lines.push(`Phase ${phase} — ${phaseTitles[phase].name} (${phaseTitles[phase].detail}): ${members.length} ${phase === 5 ? "gates" : "resources"}, ${span}`);
    for (const node of members) {
      const wave = `[wave ${plan.waves.get(node.id) ?? 0}]`;
      if (phase === 5) {
        lines.push(`  ${wave} ${describeNode(node)}  ⏳ holds until ${node.gate ?? ""} (created in phase ${node.phase})`);
        continue;
      }
      const reduced = plan.reduced.get(node.id) ?? [];
      const implied = (plan.graph.deps.get(node.id) ?? []).length - reduced.length;
      const waits = reduced.length === 0
        ? ""
        : `  ← waits for: ${reduced.map((id) => describeShort(plan, id)).join(", ")}${implied > 0 ? ` (+${implied} implied)` : ""}`;
      lines.push(`  ${wave} ${describeNode(node)}${waits}`);
    }
  }
  lines.push("");
  lines.push("Concurrency (resources per wave):");
  wavesOf(plan).forEach((nodes, index) => {
    lines.push(`  wave ${index + 1} (${nodes.length}): ${nodes.map((node) => shortLabel(node)).join(", ")}`);
  });
  lines.push("");
  lines.push(`Critical path (${plan.critical.length}): ${plan.critical.path.map((id) => describeShort(plan, id)).join(" → ")}`);
  return `${lines.join("\n")}\n`;
}

function describeShort(plan: Plan, id: string): string {
  const node = plan.byId.get(id);
  return node === undefined ? id : describeNode(node);
}

/** "Kind name": the type's last segment, or "provider:<pkg>" for providers. */
export function shortLabel(node: Pick<PlanNode, "type" | "name" | "provider">): string {
  const kind = node.provider ? `provider:${node.type.slice("pulumi:providers:".length)}` : node.type.slice(node.type.lastIndexOf(":") + 1);
  return `${kind} ${node.name}`;
}

/** A Mermaid-safe identifier: letters, digits and underscores, never a keyword. */
export function sanitizeId(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]/g, "_").replace(/_+/g, "_").replace(/^_|_$/g, "");
  return `n_${cleaned || "x"}`;
}

function mermaidText(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

/**
 * The plan as a Mermaid `flowchart LR`: one subgraph per phase, an arrow from each resource to what
 * needs it (transitively reduced), the critical path highlighted, and phase 5 as gate nodes joined
 * to the resource they check by a dotted arrow.
 */
export function renderMermaid(plan: Plan): string {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const node of plan.graph.nodes) {
    const kind = node.provider ? "provider" : node.type.slice(node.type.lastIndexOf(":") + 1);
    const base = sanitizeId(`${kind}_${node.name}`);
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(node.id, id);
  }
  const idOf = (urn: string) => ids.get(urn) ?? sanitizeId(urn);
  const label = (node: PlanNode) => {
    const kind = node.provider ? `provider ${node.type.slice("pulumi:providers:".length)}` : node.type.slice(node.type.lastIndexOf(":") + 1);
    return [`${kind}${node.read ? " (read)" : ""}`, node.name, `wave ${plan.waves.get(node.id) ?? 0}`].map(mermaidText).join("<br/>");
  };
  const lines = ["flowchart LR"];
  for (const phase of allPhases) {
    lines.push(`  subgraph phase${phase}["Phase ${phase}: ${mermaidText(phaseTitles[phase].name)}"]`);
    lines.push("    direction TB");
    for (const node of phaseMembers(plan, phase)) {
      if (phase === 5) lines.push(`    gate_${idOf(node.id)}{{"${[node.gate ?? "", shortLabel(node)].map(mermaidText).join("<br/>")}"}}`);
      else lines.push(`    ${idOf(node.id)}["${label(node)}"]`);
    }
    lines.push("  end");
  }
  for (const node of plan.graph.nodes) {
    for (const dep of plan.reduced.get(node.id) ?? []) lines.push(`  ${idOf(dep)} --> ${idOf(node.id)}`);
  }
  for (const node of phaseMembers(plan, 5)) lines.push(`  ${idOf(node.id)} -.-> gate_${idOf(node.id)}`);
  lines.push("  classDef critical stroke:#d33,stroke-width:3px");
  if (plan.critical.path.length > 0) lines.push(`  class ${plan.critical.path.map(idOf).join(",")} critical`);
  return `${lines.join("\n")}\n`;
}

/** The fenced block the README carries between its plan markers. */
export function mermaidBlock(plan: Plan): string {
  return `\`\`\`mermaid\n${renderMermaid(plan)}\`\`\``;
}

export function planMarkers(stack: string): { begin: string; end: string } {
  return { begin: `<!-- BEGIN GENERATED PLAN (${stack}) -->`, end: `<!-- END GENERATED PLAN (${stack}) -->` };
}

export const benchmarkMarkers = { begin: "<!-- BEGIN GENERATED BENCHMARK -->", end: "<!-- END GENERATED BENCHMARK -->" } as const;

/** The text between two markers (trimmed), or undefined when either is missing or out of order. */
export function generatedBlock(document: string, begin: string, end: string): string | undefined {
  const start = document.indexOf(begin);
  const stop = start < 0 ? -1 : document.indexOf(end, start + begin.length);
  if (start < 0 || stop < 0) return undefined;
  return document.slice(start + begin.length, stop).trim();
}

/** The document with the text between the markers replaced by `content`; undefined when a marker is missing. */
export function replaceGeneratedBlock(document: string, begin: string, end: string, content: string): string | undefined {
  const start = document.indexOf(begin);
  const stop = start < 0 ? -1 : document.indexOf(end, start + begin.length);
  if (start < 0 || stop < 0) return undefined;
  return `${document.slice(0, start + begin.length)}\n${content.trim()}\n${document.slice(stop)}`;
}

/** Clearly fake values for every bootstrap secret, so a plan or benchmark needs no real ones. */
export function placeholderSecretsEnv(apps: readonly { readonly name: string; readonly keys: readonly string[] }[]): Record<string, string> {
  const fake = (what: string) => `placeholder-not-a-secret-${what}`;
  const env: Record<string, string> = {
    GITHUB_TOKEN: fake("github-token"),
    CLOUDFLARE_API_TOKEN: fake("cloudflare-api-token"),
    VAULT_TOKEN: fake("vault-token"),
    SLACK_WEBHOOK_URL: "https://hooks.slack.invalid/placeholder-not-a-secret",
    DISCORD_WEBHOOK_URL: "https://discord.invalid/api/webhooks/placeholder-not-a-secret",
    GITHUB_APP_PRIVATE_KEY: fake("github-app-private-key"),
    K3S_SSH_PRIVATE_KEY: fake("k3s-ssh-private-key"),
  };
  for (const app of apps) for (const key of app.keys) env[appSecretEnvVar(app.name, key)] = fake(`${app.name}-${key}`);
  return env;
}

/** The apps (name and keys) in a stack's config value, as read from Pulumi.<stack>.yaml. */
export function appsFromConfig(value: unknown): { name: string; keys: string[] }[] {
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((entry: unknown) => {
    if (typeof entry !== "object" || entry === null) return [];
    const { name, keys } = entry as { name?: unknown; keys?: unknown };
    if (typeof name !== "string" || !Array.isArray(keys)) return [];
    return [{ name, keys: keys.filter((key): key is string => typeof key === "string") }];
  });
}

/**
 * The longest chain as the mock runtime schedules it: every registration (components too) is one
 * mocked operation, and a resource is sent only after its parent, its provider and its recorded
 * dependencies have been registered. Differs from the custom-resource chain exactly where a
 * component's own registration sits on the path (the bench uses it to explain wall time).
 */
export function registrationChain(resources: readonly PlanResource[]): CriticalPath {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const nodes: PlanNode[] = resources.map((resource) => ({
    id: resource.urn,
    type: resource.type,
    name: resource.name,
    provider: isProvider(resource.type),
    read: resource.read ?? false,
    phase: 1,
    gate: undefined,
  }));
  const deps = new Map<string, string[]>();
  for (const resource of resources) {
    const direct = new Set<string>();
    for (const urn of [resource.parent, providerUrn(resource.provider) ?? "", ...resource.dependencies]) {
      if (urn !== resource.urn && byUrn.has(urn)) direct.add(urn);
    }
    deps.set(resource.urn, [...direct].sort());
  }
  nodes.sort(compareNodes);
  return criticalPath({ nodes, deps });
}
