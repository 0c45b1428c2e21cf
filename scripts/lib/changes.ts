/**
 * A change plan between two runs of the program: pure functions over what two mocked runs
 * registered, deciding per resource what `pulumi up` would do the way the engine does.
 *
 * Upstream facts the model follows:
 * - Steps (pulumi/pulumi pkg/resource/deploy/step_generator.go): resources are paired by URN. A
 *   URN only in the new run is created (unless one of its `aliases` names an old URN: then it is that
 *   resource, renamed); only in the old run, deleted at the end of the run
 *   (dependents first). A paired resource whose provider Diff reports replace-worthy changes is
 *   replaced: the replacement is created first and the old resource deleted at the end of the run,
 *   unless `deleteBeforeReplace` deletes it first. Any other input change is an in-place update.
 *   `ignoreChanges` paths keep their old value before the diff.
 * - `protect` (step_generator.go; DeleteStep.Apply in step.go): replacing a resource that is
 *   protected in state and in the program fails ("unable to replace resource … as it is currently
 *   marked for protection"); deleting a resource protected in state fails the run.
 * - `retainOnDelete` (step.go, DeleteStep): the engine drops the resource from state without
 *   calling the provider's Delete, so nothing is removed and no delete command runs.
 * - @pulumi/command 1.2.1 (pulumi/pulumi-command provider/pkg/provider/common/inputs.go): only
 *   `triggers` is `replaceOnChanges`. The Command implements CustomUpdate, so pulumi-go-provider's
 *   infer Diff (infer/resource.go) makes every other change an update, which runs `update`, or
 *   `create` again when `update` is unset (remote/commandController.go). Its `delete` runs when the
 *   resource is deleted, including the old resource of a replacement, on the host in its
 *   `connection`.
 * - Kubernetes (pulumi/pulumi-kubernetes provider/pkg/provider/forcenew.go): a change of
 *   metadata.name or metadata.namespace replaces any object; some kinds add fields (Secret.type,
 *   Job.spec.template/selector, RoleBinding.roleRef).
 * - Providers (step_generator.go providerChanged): a resource whose provider is replaced is replaced
 *   too. pulumi-kubernetes' DiffConfig (provider/pkg/provider/provider.go) replaces the provider when
 *   the kubeconfig's active cluster entry (server, CA) changes, so every Kubernetes resource with it.
 * - Terraform-bridged providers replace on their ForceNew attributes: vault_kv_secret_v2 mount and
 *   name; vault_policy name; random_password any argument; github_repository_deploy_key any
 *   argument; tls_private_key algorithm and curve.
 */
import { parse as parseYaml } from "yaml";
import { generationSuffixPattern } from "../../components/layout";

/** What the change plan needs of a registered resource (mocks/engine.ts RegisteredResource fits). */
export interface ChangeResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string;
  readonly custom: boolean;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Provider reference, "<provider urn>::<id>"; "" for the default provider. */
  readonly provider: string;
  readonly dependencies: readonly string[];
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly ignoreChanges: readonly string[];
  readonly replaceOnChanges: readonly string[];
  /** True for `Resource.get` reads: not managed, never changed or deleted. */
  readonly read?: boolean;
  /** Earlier URNs of this resource (`aliases`); the engine pairs a resource in state under one of them with it. */
  readonly aliases?: readonly string[];
}

export type StepKind = "same" | "create" | "update" | "replace" | "delete";

/** How bad a delete is: data gone for good, something stops working, or nothing lost. */
export type Severity = "destroys-data" | "disrupts" | "harmless";

/** What the engine does when it deletes the old resource (removed, or replaced). */
export interface Deletion {
  /** "runs" — the provider deletes it; "retained" — retainOnDelete; "refused" — protected: the run fails. */
  readonly outcome: "runs" | "retained" | "refused";
  /** What the provider's delete does, in words. */
  readonly effect: string;
  readonly severity: Severity;
  /** A Command's delete script, the host it runs on, and whether that host is still in the program. */
  readonly hook?: { readonly command: string; readonly host: string; readonly hostStays?: boolean };
  /** For an old rotation generation: the name of the generation that supersedes it. */
  readonly supersededBy?: string;
}

export interface ResourceChange {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly kind: StepKind;
  /** Top-level input keys (or "provider") that differ. */
  readonly changed: readonly string[];
  /** Paths whose change forces the replacement. */
  readonly replaceReasons: readonly string[];
  readonly deleteBeforeReplace: boolean;
  /** For replace and delete: what deleting the old resource does. */
  readonly deletion?: Deletion;
}

export interface ChangePlan {
  /** Every custom resource of either run (reads excluded), in step order (see `steps`). */
  readonly changes: readonly ResourceChange[];
  /** The engine's order: creates, updates and replacement creates in dependency order, then deletes, dependents first. */
  readonly steps: readonly PlanStep[];
}

export interface PlanStep {
  readonly op: "create" | "update" | "create-replacement" | "delete-replaced" | "delete";
  readonly urn: string;
}

// ------------------------------------------------------------------------------------------------
// Replacement rules
// ------------------------------------------------------------------------------------------------

/** "*" means any input change replaces. */
const anyChange = "*";

/** Input paths whose change makes the provider replace a resource, by type (see the file comment). */
export function replacementPaths(type: string): readonly string[] {
  if (type.startsWith("pulumi:providers:")) return [];
  if (type === "command:remote:Command" || type === "command:local:Command") return ["triggers"];
  if (type === "kubernetes:helm.sh/v3:Release") return ["name", "namespace"];
  if (type.startsWith("kubernetes:")) {
    const byKind: Record<string, readonly string[]> = {
      "kubernetes:core/v1:Secret": ["type"],
      "kubernetes:batch/v1:Job": ["spec.selector", "spec.template"],
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": ["roleRef"],
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": ["roleRef"],
    };
    return ["metadata.name", "metadata.namespace", ...(byKind[type] ?? [])];
  }
  const bridged: Record<string, readonly string[]> = {
    "vault:kv/secretV2:SecretV2": ["mount", "name"],
    "vault:index/mount:Mount": ["type"],
    "vault:index/authBackend:AuthBackend": ["type", "path"],
    "vault:index/policy:Policy": ["name"],
    "vault:kubernetes/authBackendRole:AuthBackendRole": ["backend", "roleName"],
    "vault:kubernetes/authBackendConfig:AuthBackendConfig": ["backend"],
    "random:index/randomPassword:RandomPassword": [anyChange],
    "random:index/randomString:RandomString": [anyChange],
    "tls:index/privateKey:PrivateKey": ["algorithm", "ecdsaCurve", "rsaBits"],
    "github:index/repositoryDeployKey:RepositoryDeployKey": [anyChange],
    "github:index/repositoryWebhook:RepositoryWebhook": ["repository"],
  };
  return bridged[type] ?? [];
}

// ------------------------------------------------------------------------------------------------
// What a delete does
// ------------------------------------------------------------------------------------------------

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const child = (value as Record<string, unknown>)[key];
  return typeof child === "object" && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : undefined;
}

function stringAt(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const child = (value as Record<string, unknown>)[key];
  return typeof child === "string" ? child : undefined;
}

function objectName(resource: ChangeResource): string {
  const metadata = objectAt(resource.inputs, "metadata");
  const name = stringAt(metadata, "name") ?? resource.name;
  const namespace = stringAt(metadata, "namespace");
  return namespace ? `${namespace}/${name}` : name;
}

/** What the provider's Delete does to the real world, before protect and retainOnDelete apply. */
export function deleteEffect(resource: ChangeResource): { effect: string; severity: Severity; hook?: { command: string; host: string } } {
  const kind = resource.type.slice(resource.type.lastIndexOf(":") + 1);
  if (resource.type.startsWith("pulumi:providers:")) return { effect: "a provider: nothing outside Pulumi changes", severity: "harmless" };
  switch (resource.type) {
    case "command:remote:Command": {
      const command = stringAt(resource.inputs, "delete");
      const host = stringAt(objectAt(resource.inputs, "connection"), "host") ?? "(unknown host)";
      if (command === undefined || command === "") return { effect: "no delete command: nothing runs", severity: "harmless" };
      return { effect: `runs \`${command}\` on ${host}`, severity: "destroys-data", hook: { command, host } };
    }
    case "command:local:Command": {
      const command = stringAt(resource.inputs, "delete");
      if (command === undefined || command === "") return { effect: "no delete command: nothing runs", severity: "harmless" };
      return { effect: `runs \`${command}\` on the machine running pulumi`, severity: "destroys-data", hook: { command, host: "localhost" } };
    }
    case "kubernetes:core/v1:Namespace":
      return { effect: `deletes namespace ${objectName(resource)} and every object in it`, severity: "destroys-data" };
    case "kubernetes:fluxcd.controlplane.io/v1:FluxInstance":
      return {
        effect: "the operator's finalizer uninstalls Flux: its CRDs and with them every Flux object in the cluster (flux-operator #423)",
        severity: "destroys-data",
      };
    case "kubernetes:helm.sh/v3:Release":
      return {
        effect: `helm uninstall ${stringAt(resource.inputs, "name") ?? resource.name} in ${stringAt(resource.inputs, "namespace") ?? "?"}: the chart's objects (and CRDs it templates, with every object of those kinds) go`,
        severity: "destroys-data",
      };
    case "kubernetes:external-secrets.io/v1:ExternalSecret": {
      const target = stringAt(objectAt(objectAt(resource.inputs, "spec"), "target"), "name");
      return {
        effect: `deletes ExternalSecret ${objectName(resource)}; the Secret ${target ?? "it owns"} goes with it (creationPolicy Owner); Vault keeps the data`,
        severity: "disrupts",
      };
    }
    case "vault:index/mount:Mount":
      return { effect: `disables Vault mount ${stringAt(resource.inputs, "path") ?? "?"}: every secret in it is deleted`, severity: "destroys-data" };
    case "vault:kv/secretV2:SecretV2":
      return {
        effect: `deletes ${stringAt(resource.inputs, "mount") ?? "?"}/${stringAt(resource.inputs, "name") ?? "?"} in Vault, every version`,
        severity: "destroys-data",
      };
    case "tls:index/privateKey:PrivateKey":
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      return { effect: "exists only in Pulumi state: forgotten", severity: "harmless" };
    case "github:index/repositoryDeployKey:RepositoryDeployKey":
      return { effect: "removes the deploy key from the GitHub repository", severity: "disrupts" };
    case "github:index/repositoryWebhook:RepositoryWebhook":
      return { effect: "removes the webhook from the GitHub repository", severity: "disrupts" };
    default:
      return {
        effect: resource.type.startsWith("kubernetes:") ? `deletes ${kind} ${objectName(resource)}` : `deletes ${kind} ${resource.name}`,
        severity: "disrupts",
      };
  }
}

/** The name of a resource of the same type in `after` that is the same thing in another rotation generation. */
function supersedingGeneration(old: ChangeResource, after: readonly ChangeResource[]): string | undefined {
  const match = generationSuffixPattern.exec(old.name);
  if (match === null) return undefined;
  const stem = (name: string) => name.replace(generationSuffixPattern, "-v*");
  const found = after.find((candidate) => candidate.type === old.type && candidate.name !== old.name && stem(candidate.name) === stem(old.name) && candidate.parent.replace(generationSuffixPattern, "-v*") === old.parent.replace(generationSuffixPattern, "-v*"));
  return found?.name;
}

function deletionOf(old: ChangeResource, after: readonly ChangeResource[]): Deletion {
  const { effect, severity, hook } = deleteEffect(old);
  const supersededBy = supersedingGeneration(old, after);
  const outcome = old.protect ? "refused" : old.retainOnDelete ? "retained" : "runs";
  const hostStays = hook !== undefined && after.some((resource) => stringAt(objectAt(resource.inputs, "connection"), "host") === hook.host);
  return { outcome, effect, severity, ...(hook ? { hook: { ...hook, hostStays } } : {}), ...(supersededBy ? { supersededBy } : {}) };
}

// ------------------------------------------------------------------------------------------------
// Diff
// ------------------------------------------------------------------------------------------------

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function valueAtPath(root: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined), root);
}

function withValueAt(root: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split(".");
  const copy: Record<string, unknown> = { ...root };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head];
  copy[head] = withValueAt(typeof child === "object" && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : {}, rest.join("."), value);
  return copy;
}

/** The kubeconfig's active cluster entry (context override, else current-context), as pulumi-kubernetes compares it. */
function activeCluster(inputs: Readonly<Record<string, unknown>>): unknown {
  const text = inputs.kubeconfig;
  if (typeof text !== "string") return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return text;
  }
  const contexts = (doc as { contexts?: { name?: string; context?: { cluster?: string } }[] } | null)?.contexts ?? [];
  const contextName = stringAt(inputs, "context") ?? stringAt(doc, "current-context");
  const clusterName = stringAt(inputs, "cluster") ?? contexts.find((entry) => entry.name === contextName)?.context?.cluster;
  const clusters = (doc as { clusters?: { name?: string; cluster?: unknown }[] } | null)?.clusters ?? [];
  return clusters.find((entry) => entry.name === clusterName)?.cluster ?? null;
}

/** Why a provider resource itself is replaced (its DiffConfig), or [] for an in-place update. */
function providerReplaceReasons(old: ChangeResource, now: ChangeResource): string[] {
  if (now.type !== "pulumi:providers:kubernetes") return [];
  const reasons: string[] = [];
  if (!deepEqual(activeCluster(old.inputs), activeCluster(now.inputs))) reasons.push("kubeconfig (active cluster)");
  if (!deepEqual(old.inputs.renderYamlToDirectory, now.inputs.renderYamlToDirectory)) reasons.push("renderYamlToDirectory");
  return reasons;
}

/** The step the engine takes for one resource present in both runs. */
export function diffResource(old: ChangeResource, now: ChangeResource): Pick<ResourceChange, "kind" | "changed" | "replaceReasons"> {
  // ignoreChanges: the old value stands in for the new one before the provider diffs.
  let news: Record<string, unknown> = { ...now.inputs };
  for (const path of now.ignoreChanges) news = withValueAt(news, path, valueAtPath(old.inputs, path));
  const keys = [...new Set([...Object.keys(old.inputs), ...Object.keys(news)])].sort();
  const changed = keys.filter((key) => !deepEqual(old.inputs[key], news[key]));
  const providerChanged = providerOf(old.provider) !== providerOf(now.provider);
  if (providerChanged) changed.push("provider");
  if (changed.length === 0) return { kind: "same", changed, replaceReasons: [] };
  if (now.type.startsWith("pulumi:providers:")) {
    const reasons = [...providerReplaceReasons(old, now), ...(providerChanged ? ["provider"] : [])];
    return { kind: reasons.length > 0 ? "replace" : "update", changed, replaceReasons: reasons };
  }
  const rules = [...replacementPaths(now.type), ...now.replaceOnChanges];
  const replaceReasons = rules.includes(anyChange)
    ? changed.filter((key) => key !== "provider")
    : rules.filter((path) => !deepEqual(valueAtPath(old.inputs, path), valueAtPath(news, path)));
  if (providerChanged) replaceReasons.push("provider");
  return { kind: replaceReasons.length > 0 ? "replace" : "update", changed, replaceReasons };
}

function providerOf(reference: string): string {
  const at = reference.lastIndexOf("::");
  return at <= 0 ? reference : reference.slice(0, at);
}

/** Dependency order of one run's custom resources (dependencies, parents' dependencies and providers first). */
function dependencyOrder(resources: readonly ChangeResource[]): string[] {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const children = new Map<string, ChangeResource[]>();
  for (const resource of resources) children.set(resource.parent, [...(children.get(resource.parent) ?? []), resource]);
  const expand = (urn: string, seen = new Set<string>()): string[] => {
    const target = byUrn.get(urn);
    if (target === undefined || seen.has(urn)) return [];
    seen.add(urn);
    if (target.custom) return [urn];
    return (children.get(urn) ?? []).flatMap((child) => expand(child.urn, seen));
  };
  const depsOf = (resource: ChangeResource): string[] => {
    const direct = [...resource.dependencies, providerOf(resource.provider)];
    for (let ancestor = byUrn.get(resource.parent); ancestor !== undefined && !ancestor.custom; ancestor = byUrn.get(ancestor.parent)) {
      direct.push(...ancestor.dependencies);
    }
    return direct.flatMap((urn) => expand(urn)).filter((urn) => urn !== resource.urn);
  };
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (urn: string) => {
    if (state.has(urn)) return;
    state.set(urn, "visiting");
    const resource = byUrn.get(urn);
    if (resource !== undefined) for (const dep of depsOf(resource)) visit(dep);
    state.set(urn, "done");
    order.push(urn);
  };
  for (const resource of resources) if (resource.custom) visit(resource.urn);
  return order.filter((urn) => byUrn.get(urn)?.custom === true);
}

/** A resource's URN as a child of `parentUrn` (the URN scheme: the parent's qualified type, `$`, the child's type). */
function childUrn(parentUrn: string, type: string, name: string): string {
  return `${parentUrn.slice(0, parentUrn.lastIndexOf("::"))}$${type}::${name}`;
}

/**
 * Each resource's aliases, with those it inherits: a child of a resource with an alias also answers
 * to its own type and name under that alias, recursively. That is how a component moved with an
 * alias keeps its children: the engine multiplies out the parent's alias (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go generateAliases, inheritedChildAlias; the Node SDK's
 * allAliases does the same when the engine takes no alias specs). A child's name is kept as is: no
 * parent here is renamed, only moved. The mocks' URNs carry only the nearest parent's type
 * (@pulumi/pulumi runtime/mocks.js newUrn), so under them a grandchild's URN does not change at all.
 */
function aliasesWithInherited(resources: readonly ChangeResource[]): (resource: ChangeResource) => readonly string[] {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const memo = new Map<string, readonly string[]>();
  const aliasesOf = (resource: ChangeResource): readonly string[] => {
    const known = memo.get(resource.urn);
    if (known !== undefined) return known;
    memo.set(resource.urn, resource.aliases ?? []);
    const parent = byUrn.get(resource.parent);
    const inherited = parent === undefined ? [] : aliasesOf(parent).map((alias) => childUrn(alias, resource.type, resource.name));
    const all = [...(resource.aliases ?? []), ...inherited];
    memo.set(resource.urn, all);
    return all;
  };
  return aliasesOf;
}

/** The change plan from `before` (what state holds) to `after` (what the program now registers). */
export function planChanges(before: readonly ChangeResource[], after: readonly ChangeResource[]): ChangePlan {
  const managed = (resources: readonly ChangeResource[]) => resources.filter((resource) => resource.custom && resource.read !== true);
  const olds = managed(before);
  const news = managed(after);
  const oldByUrn = new Map(olds.map((resource) => [resource.urn, resource]));
  const changes = new Map<string, ResourceChange>();
  // Paired olds, by their own URN: a resource renamed with an alias is the same resource.
  const paired = new Map<string, string>();

  const aliasesOf = aliasesWithInherited(after);
  // A provider renamed with an alias is the same provider to the resources it manages (pulumi/pulumi
  // PR #6453, step_generator.go providerChanged): new provider URN → its URN in state.
  const providerInState = new Map<string, string>();

  // Providers first: a replaced provider replaces every resource it manages.
  const replacedProviders = new Set<string>();
  const ordered = [...news].sort((a, b) => Number(b.type.startsWith("pulumi:providers:")) - Number(a.type.startsWith("pulumi:providers:")));
  for (const now of ordered) {
    const oldUrn = [now.urn, ...aliasesOf(now)].find((urn) => oldByUrn.has(urn) && !paired.has(urn));
    const old = oldUrn === undefined ? undefined : oldByUrn.get(oldUrn);
    if (oldUrn !== undefined) paired.set(oldUrn, now.urn);
    if (oldUrn !== undefined && now.type.startsWith("pulumi:providers:")) providerInState.set(now.urn, oldUrn);
    if (old === undefined) {
      changes.set(now.urn, { urn: now.urn, type: now.type, name: now.name, kind: "create", changed: [], replaceReasons: [], deleteBeforeReplace: false });
      continue;
    }
    const nowProvider = providerOf(now.provider);
    const formerProvider = providerInState.get(nowProvider);
    let diff = diffResource(old, formerProvider === undefined ? now : { ...now, provider: formerProvider + now.provider.slice(nowProvider.length) });
    if (replacedProviders.has(providerOf(now.provider))) {
      diff = { kind: "replace", changed: [...new Set([...diff.changed, "provider"])], replaceReasons: [...new Set([...diff.replaceReasons, "provider"])] };
    }
    if (diff.kind === "replace" && now.type.startsWith("pulumi:providers:")) replacedProviders.add(now.urn);
    const replaceBlocked = diff.kind === "replace" && old.protect && now.protect;
    // Unprotecting and replacing in one run is allowed: only old and new both protected refuse it.
    const deletion = diff.kind === "replace" ? deletionOf({ ...old, protect: false }, news) : undefined;
    changes.set(now.urn, {
      urn: now.urn,
      type: now.type,
      name: now.name,
      ...diff,
      deleteBeforeReplace: now.deleteBeforeReplace,
      ...(deletion ? { deletion: replaceBlocked ? { ...deletion, outcome: "refused" as const } : deletion } : {}),
    });
  }
  for (const old of olds) {
    if (paired.has(old.urn)) continue;
    changes.set(old.urn, {
      urn: old.urn,
      type: old.type,
      name: old.name,
      kind: "delete",
      changed: [],
      replaceReasons: [],
      deleteBeforeReplace: false,
      deletion: deletionOf(old, news),
    });
  }

  const steps: PlanStep[] = [];
  for (const urn of dependencyOrder(after)) {
    const change = changes.get(urn);
    if (change === undefined) continue;
    if (change.kind === "create") steps.push({ op: "create", urn });
    if (change.kind === "update") steps.push({ op: "update", urn });
    if (change.kind === "replace") {
      if (change.deleteBeforeReplace) steps.push({ op: "delete-replaced", urn });
      steps.push({ op: "create-replacement", urn });
    }
  }
  // Deletes run last, dependents before what they depend on (reverse of the old run's order).
  for (const urn of dependencyOrder(before).reverse()) {
    const change = changes.get(paired.get(urn) ?? urn);
    if (change?.kind === "delete") steps.push({ op: "delete", urn: change.urn });
    if (change?.kind === "replace" && !change.deleteBeforeReplace) steps.push({ op: "delete-replaced", urn: change.urn });
  }
  const position = new Map<string, number>();
  steps.forEach((step, index) => position.set(step.urn, position.get(step.urn) ?? index));
  const inStepOrder = [...changes.values()].sort(
    (a, b) => (position.get(a.urn) ?? Number.MAX_SAFE_INTEGER) - (position.get(b.urn) ?? Number.MAX_SAFE_INTEGER) || a.urn.localeCompare(b.urn),
  );
  return { changes: inStepOrder, steps };
}

// ------------------------------------------------------------------------------------------------
// Questions tests and the CLI ask of a plan
// ------------------------------------------------------------------------------------------------

/** "type name" of each change of `kind`, sorted. */
export function namesOf(plan: ChangePlan, kind: StepKind): string[] {
  return plan.changes.filter((change) => change.kind === kind).map((change) => `${change.type} ${change.name}`).sort();
}

/** Deletes (removed or replaced) whose provider delete actually runs. */
export function effectiveDeletions(plan: ChangePlan): ResourceChange[] {
  return plan.changes.filter((change) => change.deletion !== undefined && change.deletion.outcome === "runs");
}

/** Delete commands that would run, as "host: command". */
export function hooksThatRun(plan: ChangePlan): string[] {
  return effectiveDeletions(plan)
    .flatMap((change) => (change.deletion?.hook ? [`${change.deletion.hook.host}: ${change.deletion.hook.command}`] : []))
    .sort();
}

/** Steps that make the run fail: protected resources the plan would delete or replace. */
export function refusedSteps(plan: ChangePlan): ResourceChange[] {
  return plan.changes.filter((change) => change.deletion?.outcome === "refused");
}

/** One line per destructive or failing step, in capitals where it hurts. Empty when none. */
export function destructiveWarnings(plan: ChangePlan): string[] {
  const lines: string[] = [];
  for (const change of plan.changes) {
    const deletion = change.deletion;
    if (deletion === undefined) continue;
    const what = `${change.type} ${change.name}`;
    const how = change.kind === "replace" ? `replacing ${what} (${change.replaceReasons.join(", ")} changed)` : `deleting ${what}`;
    if (deletion.outcome === "refused") {
      lines.push(`FAILS THE RUN: ${how}: the resource is protected (safety.protect); nothing is deleted`);
    } else if (deletion.outcome === "retained") {
      if (deletion.severity !== "harmless") lines.push(`RETAINED: ${how}: Pulumi forgets it and leaves it in place (retainOnDelete), instead of: ${deletion.effect}`);
    } else if (deletion.supersededBy !== undefined) {
      lines.push(`DELETES OLD GENERATION: ${how}, superseded by ${deletion.supersededBy}: ${deletion.effect}`);
    } else if (deletion.severity === "destroys-data") {
      const stays = deletion.hook?.hostStays ? `; ${deletion.hook.host} STAYS IN THE PROGRAM` : "";
      lines.push(`DESTROYS DATA: ${deletion.effect} (${how}${change.kind === "replace" && !change.deleteBeforeReplace ? ", after its replacement is created" : ""})${stays}`);
    } else if (deletion.severity === "disrupts") {
      lines.push(`DISRUPTS: ${deletion.effect} (${how})`);
    }
  }
  return lines;
}

/** The plan as text for `npm run plan -- --set …`. */
export function renderChanges(plan: ChangePlan, stack: string, sets: readonly string[]): string {
  const count = (kind: StepKind) => plan.changes.filter((change) => change.kind === kind).length;
  const lines: string[] = [];
  lines.push(`Change plan for stack ${stack} with ${sets.map((set) => `--set ${set}`).join(" ")}`);
  lines.push("Computed offline from two mocked runs of the program (the stack file, then with the overrides), paired by URN,");
  lines.push("with each provider's replacement rules; no cloud, cluster or Pulumi state was read.");
  lines.push(`  ${count("create")} to create, ${count("update")} to update, ${count("replace")} to replace, ${count("delete")} to delete, ${count("same")} unchanged`);
  const section = (title: string, kind: StepKind, describe: (change: ResourceChange) => string) => {
    const members = plan.changes.filter((change) => change.kind === kind);
    if (members.length === 0) return;
    lines.push("", title);
    for (const change of members) lines.push(`  ${describe(change)}`);
  };
  section("Create:", "create", (change) => `+ ${change.type} ${change.name}`);
  section("Update in place:", "update", (change) => `~ ${change.type} ${change.name}  (${change.changed.join(", ")})`);
  section("Replace (the new one is created first, the old one deleted at the end unless deleteBeforeReplace):", "replace", (change) =>
    `+- ${change.type} ${change.name}  (${change.replaceReasons.join(", ")} changed${change.deleteBeforeReplace ? "; deleted before its replacement" : ""}); old one: ${outcomeText(change.deletion)}`,
  );
  section("Delete (at the end of the run, dependents first):", "delete", (change) => `- ${change.type} ${change.name}: ${outcomeText(change.deletion)}`);
  const warnings = destructiveWarnings(plan);
  lines.push("");
  if (warnings.length === 0) {
    lines.push("No destructive step: nothing is replaced or deleted that holds data, and no delete command runs.");
  } else {
    lines.push("Destructive and failing steps:");
    for (const warning of warnings) lines.push(`  ${warning}`);
  }
  if (plan.steps.length > 0) {
    lines.push("", "Order of the steps (as the engine runs them):");
    plan.steps.forEach((step, index) => {
      const change = plan.changes.find((candidate) => candidate.urn === step.urn);
      lines.push(`  ${index + 1}. ${step.op} ${change ? `${change.type} ${change.name}` : step.urn}`);
    });
  }
  return `${lines.join("\n")}\n`;
}

function outcomeText(deletion: Deletion | undefined): string {
  if (deletion === undefined) return "";
  if (deletion.outcome === "refused") return "PROTECTED: the run fails here";
  if (deletion.outcome === "retained") return `retained (left in place, removed from state; not: ${deletion.effect})`;
  return deletion.supersededBy ? `${deletion.effect} (old generation; ${deletion.supersededBy} supersedes it)` : deletion.effect;
}

// ------------------------------------------------------------------------------------------------
// --set key=value on structured config
// ------------------------------------------------------------------------------------------------

export interface ConfigSet {
  /** Path into the structured config; the first element is the bare top-level key. */
  readonly path: readonly string[];
  /** The value parsed as YAML (so JSON too); undefined removes the key. */
  readonly value: unknown;
}

/** Parses `key.path=value` (`gitops-bootstrap:` prefix optional); the value is a YAML scalar or JSON. */
export function parseSet(text: string): ConfigSet {
  const at = text.indexOf("=");
  if (at <= 0) throw new Error(`--set needs key=value, e.g. --set cluster.k3s.version=v1.34.1+k3s1 (got "${text}")`);
  const key = text.slice(0, at).replace(/^gitops-bootstrap:/, "");
  const path = key.split(".");
  if (path.some((part) => part === "")) throw new Error(`--set: "${key}" is not a dotted config path such as cluster.k3s.version`);
  const raw = text.slice(at + 1);
  const parsed: unknown = raw === "" ? undefined : parseYaml(raw);
  return { path, value: parsed === null ? undefined : parsed };
}

/**
 * Applies overrides to a stack's structured config (bare top-level key → value) and returns the
 * changed top-level keys with their new values. Numeric segments index arrays. The input is not modified.
 */
export function applySets(config: Readonly<Record<string, unknown>>, sets: readonly ConfigSet[]): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const set of sets) {
    const [top, ...rest] = set.path;
    const current = top in changed ? changed[top] : structuredClone(config[top]);
    changed[top] = rest.length === 0 ? set.value : setIn(current, rest, set.value, top);
  }
  return changed;
}

function setIn(node: unknown, path: readonly string[], value: unknown, where: string): unknown {
  const [head, ...rest] = path;
  const here = `${where}.${head}`;
  if (Array.isArray(node)) {
    const index = Number(head);
    if (!Number.isInteger(index) || index < 0 || index > node.length) throw new Error(`--set: ${here}: ${where} is a list; use an index from 0 to ${node.length}`);
    const copy = [...node];
    if (rest.length === 0 && value === undefined) copy.splice(index, 1);
    else copy[index] = rest.length === 0 ? value : setIn(copy[index], rest, value, here);
    return copy;
  }
  if (node !== undefined && (typeof node !== "object" || node === null)) throw new Error(`--set: ${here}: ${where} is not an object`);
  const copy: Record<string, unknown> = { ...((node as Record<string, unknown> | undefined) ?? {}) };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
  } else {
    copy[head] = setIn(copy[head], rest, value, here);
  }
  return copy;
}
