/**
 * Policies of the `gitops-bootstrap-guardrails` pack. Each policy is exported on its own so the tests
 * can call `validateResource` / `validateStack` directly; `policies` is what `index.ts` hands to
 * `PolicyPack`.
 *
 * What a policy can see (verified against @pulumi/policy 1.21 and the engine):
 * - Inputs arrive fully unwrapped: `server.js` deserializes Analyze/AnalyzeStack properties with
 *   `deserializeProperties(..., false)`, so a `pulumi.secret(...)` value is indistinguishable from a
 *   literal (pulumi/pulumi-policy#241, #163). Messages therefore never echo property values.
 * - Values unknown during `pulumi preview` throw `UnknownValueError` on access; the SDK turns that into
 *   an advisory "can't run policy during preview" and the check runs for real during `pulumi up`.
 * - `args.opts` carries `protect` but not `retainOnDelete` (AnalyzerResourceOptions has no such field).
 */
import type {
  Policies,
  PolicyConfigSchema,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

export const POLICY_PACK_NAME = "gitops-bootstrap-guardrails";

/** Pulumi type tokens of the resources the program creates. */
export const TYPES = {
  kubernetesSecret: "kubernetes:core/v1:Secret",
  kubernetesSecretPatch: "kubernetes:core/v1:SecretPatch",
  vaultKvSecretV2: "vault:kv/secretV2:SecretV2",
  vaultMount: "vault:index/mount:Mount",
  githubDeployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
  githubRuleset: "github:index/repositoryRuleset:RepositoryRuleset",
  helmRelease: "kubernetes:helm.sh/v3:Release",
  vaultKubernetesRole: "vault:kubernetes/authBackendRole:AuthBackendRole",
  vaultPolicy: "vault:index/policy:Policy",
} as const;

/**
 * Served apiVersions per custom-resource group and kind ("*" = every kind of the group not listed).
 * A kind of a listed group that matches neither its own entry nor "*" is not checked.
 */
export const SERVED_API_VERSIONS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  // ESO 0.17+ serves v1 only for its stores and ExternalSecrets (v1beta1/v1alpha1 unserved).
  // PushSecret/ClusterPushSecret have only ever been v1alpha1.
  "external-secrets.io": { "*": ["v1"], PushSecret: ["v1alpha1"], ClusterPushSecret: ["v1alpha1"] },
  "fluxcd.controlplane.io": { "*": ["v1"] },
  "notification.toolkit.fluxcd.io": { Receiver: ["v1"], Provider: ["v1beta3"], Alert: ["v1beta3"] },
};

/** Helm charts whose releases own CRDs or state (matched on the chart's last path segment). */
export const STATEFUL_HELM_CHARTS: readonly string[] = ["flux-operator", "vault", "external-secrets"];

/** Flux controller whose presence justifies a read-write deploy key. */
export const IMAGE_AUTOMATION_CONTROLLER = "image-automation-controller";

export const DEFAULT_STORE_NAME = "vault-backend";
export const DEFAULT_REQUIRE_PROTECTION = true;

/** Values that are never real credentials (compared trimmed and lower-cased). */
export const PLACEHOLDER_SECRET_VALUES: readonly string[] = [
  "changeme",
  "change-me",
  "changeit",
  "password",
  "passw0rd",
  "secret",
  "example",
  "placeholder",
  "todo",
  "tbd",
  "xxx",
  "dummy",
  "test",
  "default",
  "admin",
  "123456",
];
/** `<your-token>` style and unexpanded `${VAR}` / `$VAR` placeholders. */
const PLACEHOLDER_PATTERNS: readonly RegExp[] = [/^<[^>]*>$/, /^\$\{[^}]*\}$/, /^\$[A-Z_][A-Z0-9_]*$/];

// ---------------------------------------------------------------------------------------------
// Small typed helpers (props are `Record<string, any>` in the SDK; treat them as unknown).

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

export interface KubernetesTypeToken {
  group: string;
  version: string;
  kind: string;
}

/** Splits `kubernetes:<group>/<version>:<Kind>`; core types have group "core". */
export function parseKubernetesType(type: string): KubernetesTypeToken | undefined {
  const match = /^kubernetes:([^/:]+)\/([^/:]+):([^/:]+)$/.exec(type);
  if (match === null) return undefined;
  return { group: match[1], version: match[2], kind: match[3] };
}

/** Last path segment of a chart reference: `oci://ghcr.io/x/charts/flux-operator` -> `flux-operator`. */
export function chartBaseName(chart: string): string {
  const withoutScheme = chart.replace(/^[a-z]+:\/\//, "");
  const segments = withoutScheme.split("/").filter((s) => s !== "");
  return segments.length === 0 ? "" : segments[segments.length - 1];
}

export function isPlaceholderSecretValue(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  return (
    normalized === "" ||
    PLACEHOLDER_SECRET_VALUES.includes(normalized) ||
    PLACEHOLDER_PATTERNS.some((pattern) => pattern.test(value.trim()))
  );
}

interface ConfigSource {
  getConfig<T extends object>(): T;
}

export interface BootstrapStoreConfig {
  storeName: string;
}

export interface ProtectionConfig {
  requireProtection: boolean;
}

/** The engine fills schema defaults and validates types; this re-applies the defaults defensively. */
export function readBootstrapStoreConfig(source: ConfigSource): BootstrapStoreConfig {
  const raw = source.getConfig<Partial<Record<keyof BootstrapStoreConfig, unknown>>>();
  const name = raw.storeName;
  return { storeName: typeof name === "string" && name !== "" ? name : DEFAULT_STORE_NAME };
}

export function readProtectionConfig(source: ConfigSource): ProtectionConfig {
  const raw = source.getConfig<Partial<Record<keyof ProtectionConfig, unknown>>>();
  const required = raw.requireProtection;
  return { requireProtection: typeof required === "boolean" ? required : DEFAULT_REQUIRE_PROTECTION };
}

// ---------------------------------------------------------------------------------------------
// 1. no-plaintext-secret-data

function checkKubernetesSecretData(props: Record<string, unknown>, report: ReportViolation): void {
  for (const key of ["stringData", "data"] as const) {
    const value = props[key];
    if (!isRecord(value)) continue;
    // Only the keys are read, so a value that is unknown during preview does not abort the check.
    const keys = Object.keys(value);
    if (keys.length === 0) continue;
    report(
      `Kubernetes Secret sets ${key} (${keys.join(", ")}) from Pulumi inputs. Policies receive every input ` +
        "in plaintext and cannot tell a Pulumi secret from a literal; deliver credentials from Vault through " +
        "an ExternalSecret instead.",
    );
  }
}

function checkVaultDataJson(props: Record<string, unknown>, report: ReportViolation): void {
  const raw = props["dataJson"];
  if (raw === undefined) return;
  if (typeof raw !== "string") {
    report("Vault SecretV2 dataJson must be a JSON string.");
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    report("Vault SecretV2 dataJson is not valid JSON.");
    return;
  }
  if (!isRecord(parsed)) {
    report("Vault SecretV2 dataJson must be a JSON object of key/value pairs.");
    return;
  }
  const placeholders = Object.entries(parsed)
    .filter(([, value]) => typeof value === "string" && isPlaceholderSecretValue(value))
    .map(([key]) => key);
  if (placeholders.length > 0) {
    report(
      `Vault SecretV2 dataJson has empty or placeholder values for: ${placeholders.join(", ")}. ` +
        "Set the real values with `pulumi config set --secret` or the documented environment variables.",
    );
  }
}

export const noPlaintextSecretData: ResourceValidationPolicy = {
  name: "no-plaintext-secret-data",
  description:
    "Kubernetes Secrets must not carry data/stringData from Pulumi inputs (credentials come from Vault via " +
    "External Secrets), and Vault KV SecretV2 dataJson must be a JSON object without empty or placeholder values.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type === TYPES.kubernetesSecret || args.type === TYPES.kubernetesSecretPatch) {
      checkKubernetesSecretData(args.props, reportViolation);
    } else if (args.type === TYPES.vaultKvSecretV2) {
      checkVaultDataJson(args.props, reportViolation);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// 2. deploy-key-read-only (stack policy: needs to see the FluxInstance next to the key)

function isFluxInstance(type: string): boolean {
  const token = parseKubernetesType(type);
  return token !== undefined && token.group === "fluxcd.controlplane.io" && token.kind === "FluxInstance";
}

export function enablesImageAutomation(resource: Pick<PolicyResource, "type" | "props">): boolean {
  if (!isFluxInstance(resource.type)) return false;
  const components = field(resource.props["spec"], "components");
  return Array.isArray(components) && components.some((c) => c === IMAGE_AUTOMATION_CONTROLLER);
}

export const deployKeyReadOnly: StackValidationPolicy = {
  name: "deploy-key-read-only",
  description:
    "A GitHub deploy key with readOnly: false is only allowed when a FluxInstance in the same stack enables " +
    "image-automation-controller (the only Flux component that pushes to Git).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    // The provider defaults readOnly to true, so only an explicit false grants write access.
    const writable = args.resources.filter((r) => r.type === TYPES.githubDeployKey && r.props["readOnly"] === false);
    if (writable.length === 0) return;
    if (args.resources.some(enablesImageAutomation)) return;
    for (const key of writable) {
      reportViolation(
        `GitHub deploy key "${key.name}" has readOnly: false, but no FluxInstance in this stack lists ` +
          `${IMAGE_AUTOMATION_CONTROLLER} in spec.components. Use a read-only key, or enable image automation.`,
        key.urn,
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// 3. external-secrets-use-bootstrap-store

function describeStoreRef(ref: unknown): string {
  const kind = field(ref, "kind");
  const name = field(ref, "name");
  const kindText = typeof kind === "string" ? kind : "(unset: SecretStore)";
  const nameText = typeof name === "string" ? name : "(unset)";
  return `{kind: ${kindText}, name: ${nameText}}`;
}

function checkStoreRef(ref: unknown, path: string, storeName: string, report: ReportViolation): void {
  if (ref === undefined) {
    report(`${path} is missing; it must be {kind: SecretStore, name: ${storeName}}.`);
    return;
  }
  if (field(ref, "kind") === "SecretStore" && field(ref, "name") === storeName) return;
  report(`${path} must be {kind: SecretStore, name: ${storeName}}, found ${describeStoreRef(ref)}.`);
}

function checkExternalSecretSpec(spec: unknown, path: string, storeName: string, report: ReportViolation): void {
  checkStoreRef(field(spec, "secretStoreRef"), `${path}.secretStoreRef`, storeName, report);
  // Per-entry overrides (sourceRef.storeRef) can point elsewhere; generatorRef entries are not stores.
  for (const list of ["data", "dataFrom"] as const) {
    const entries = field(spec, list);
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, index: number) => {
      const storeRef = field(field(entry, "sourceRef"), "storeRef");
      if (storeRef !== undefined) {
        checkStoreRef(storeRef, `${path}.${list}[${index}].sourceRef.storeRef`, storeName, report);
      }
    });
  }
}

export const externalSecretsUseBootstrapStore: ResourceValidationPolicy = {
  name: "external-secrets-use-bootstrap-store",
  description:
    "Every ExternalSecret (and ClusterExternalSecret) must read from its own namespace's bootstrap SecretStore " +
    "(secretStoreRef {kind: SecretStore, name: <storeName>}), never a store shared by several namespaces.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      storeName: {
        type: "string",
        minLength: 1,
        default: DEFAULT_STORE_NAME,
        description: "Name of the per-namespace SecretStores the program creates (config externalSecrets.storeName).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const token = parseKubernetesType(args.type);
    if (token === undefined || token.group !== "external-secrets.io") return;
    const { storeName } = readBootstrapStoreConfig(args);
    if (token.kind === "ExternalSecret") {
      checkExternalSecretSpec(args.props["spec"], "spec", storeName, reportViolation);
    } else if (token.kind === "ClusterExternalSecret") {
      const spec = field(args.props["spec"], "externalSecretSpec");
      checkExternalSecretSpec(spec, "spec.externalSecretSpec", storeName, reportViolation);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// 4. served-api-versions

export function servedVersionsFor(group: string, kind: string): readonly string[] | undefined {
  const byKind = SERVED_API_VERSIONS[group];
  if (byKind === undefined) return undefined;
  return byKind[kind] ?? byKind["*"];
}

export const servedApiVersions: ResourceValidationPolicy = {
  name: "served-api-versions",
  description:
    "Custom resources must use an apiVersion their CRD still serves (see SERVED_API_VERSIONS in policy/rules.ts).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    const token = parseKubernetesType(args.type);
    if (token === undefined) return;
    const served = servedVersionsFor(token.group, token.kind);
    if (served === undefined || served.includes(token.version)) return;
    const expected = served.map((v) => `${token.group}/${v}`).join(" or ");
    reportViolation(
      `${token.kind} uses apiVersion ${token.group}/${token.version}, which is not served; use ${expected}.`,
    );
  },
};

// ---------------------------------------------------------------------------------------------
// 5. protect-stateful-resources

type StatefulKind = "helm-release" | "vault-mount" | "flux-instance";

function statefulKind(args: Pick<ResourceValidationArgs, "type" | "props">): StatefulKind | undefined {
  if (args.type === TYPES.vaultMount) return "vault-mount";
  if (isFluxInstance(args.type)) return "flux-instance";
  if (args.type === TYPES.helmRelease) {
    const chart = args.props["chart"];
    if (typeof chart === "string" && STATEFUL_HELM_CHARTS.includes(chartBaseName(chart))) return "helm-release";
  }
  return undefined;
}

/**
 * `retainOnDelete` is not part of PolicyResourceOptions in @pulumi/policy 1.21 (nor of the engine's
 * AnalyzerResourceOptions), so it is read only if a future SDK starts passing it.
 */
function retainsOnDelete(opts: PolicyResourceOptions): boolean {
  return (opts as PolicyResourceOptions & { retainOnDelete?: unknown }).retainOnDelete === true;
}

const protectionSchema: PolicyConfigSchema = {
  properties: {
    requireProtection: {
      type: "boolean",
      default: DEFAULT_REQUIRE_PROTECTION,
      description: "Require protect: true on stateful resources (true for prod, false for staging).",
    },
  },
};

export const protectStatefulResources: ResourceValidationPolicy = {
  name: "protect-stateful-resources",
  description:
    "When requireProtection is true, the flux-operator/vault/external-secrets Helm releases, Vault mounts and " +
    "the FluxInstance must be protected (the FluxInstance may use retainOnDelete instead, where visible).",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: protectionSchema,
  validateResource: (args, reportViolation) => {
    if (!readProtectionConfig(args).requireProtection) return;
    const kind = statefulKind(args);
    if (kind === undefined || args.opts.protect === true) return;
    switch (kind) {
      case "helm-release":
        reportViolation(
          `Helm release of chart "${chartBaseName(String(args.props["chart"]))}" owns CRDs or state and must set ` +
            "protect: true (requireProtection is on).",
        );
        return;
      case "vault-mount":
        reportViolation("Vault mount holds secret data and must set protect: true (requireProtection is on).");
        return;
      case "flux-instance":
        if (retainsOnDelete(args.opts)) return;
        reportViolation(
          "FluxInstance must set protect: true (requireProtection is on). retainOnDelete would also do, but " +
            "@pulumi/policy does not pass retainOnDelete to policies, so only protect can be verified.",
        );
        return;
    }
  },
};

// ---------------------------------------------------------------------------------------------
// 6. branch-protection-required (stack policy: a protected FluxInstance marks a stack with safety.protect)

/** Approving reviews a ruleset requires; 0 when it has no pull-request rule or is not an active branch ruleset. */
export function rulesetRequiredReviews(resource: Pick<PolicyResource, "type" | "props">): number {
  if (resource.type !== TYPES.githubRuleset) return 0;
  if (resource.props["enforcement"] !== "active" || resource.props["target"] !== "branch") return 0;
  const count = field(field(resource.props["rules"], "pullRequest"), "requiredApprovingReviewCount");
  return typeof count === "number" ? count : 0;
}

export const branchProtectionRequired: StackValidationPolicy = {
  name: "branch-protection-required",
  description:
    "A stack with safety.protect: true (seen as a protected FluxInstance) must manage an active branch ruleset on the " +
    "fleet repository that requires at least one approving review (github.protection).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const instance = args.resources.find((r) => isFluxInstance(r.type) && r.opts.protect === true);
    if (instance === undefined) return;
    if (args.resources.some((r) => rulesetRequiredReviews(r) >= 1)) return;
    reportViolation(
      "This stack protects its FluxInstance (safety.protect: true) but manages no active branch ruleset requiring at " +
        "least one approving review: set github.protection.enabled: true and github.protection.requiredReviews >= 1.",
      instance.urn,
    );
  },
};

// 7. vault-reads-scoped-to-namespace (stack policy: stores, roles, policies and ExternalSecrets together)

function externalSecretsToken(type: string, kind: string): boolean {
  const token = parseKubernetesType(type);
  return token !== undefined && token.group === "external-secrets.io" && token.kind === kind;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Paths a Vault policy document grants `read` on (the program writes `path "…" { capabilities = […] }` blocks). */
export function readablePolicyPaths(hcl: string): string[] {
  const paths: string[] = [];
  for (const match of hcl.matchAll(/path\s+"([^"]*)"\s*\{([^}]*)\}/g)) {
    const capabilities = /capabilities\s*=\s*\[([^\]]*)\]/.exec(match[2]);
    if (capabilities !== null && /"read"/.test(capabilities[1])) paths.push(match[1]);
  }
  return paths;
}

/** Namespaces a ClusterSecretStore may be used from: a list, or "*" for every namespace / a selector or regex. */
function clusterStoreNamespaces(spec: unknown): string[] | "*" {
  const conditions = field(spec, "conditions");
  if (!Array.isArray(conditions) || conditions.length === 0) return "*";
  const namespaces: string[] = [];
  for (const condition of conditions) {
    if (field(condition, "namespaceSelector") !== undefined || field(condition, "namespaceRegexes") !== undefined) return "*";
    namespaces.push(...stringList(field(condition, "namespaces")));
  }
  return [...new Set(namespaces)];
}

/**
 * What a whole stack lets each namespace read from Vault, and where that goes beyond what the
 * namespace's own ExternalSecrets name. Two ways a namespace reads with another's rights:
 * - a ClusterSecretStore usable from several namespaces that logs in as one fixed service account
 *   (`serviceAccountRef.namespace` set): ESO requests that account's token whichever namespace asks
 *   (external-secrets v2.9.0 providers/v1/vault/auth.go createServiceAccountToken);
 * - a Vault Kubernetes role whose policies grant paths that no ExternalSecret of a namespace it is
 *   bound to names (a glob grants more than any ExternalSecret can name).
 */
export function vaultReadViolations(resources: readonly Pick<PolicyResource, "type" | "props" | "urn" | "name">[]): { message: string; urn: string }[] {
  const violations: { message: string; urn: string }[] = [];
  const metadata = (r: Pick<PolicyResource, "props">) => ({
    name: field(r.props["metadata"], "name"),
    namespace: field(r.props["metadata"], "namespace"),
  });

  for (const store of resources.filter((r) => externalSecretsToken(r.type, "ClusterSecretStore"))) {
    const kubernetes = field(field(field(field(store.props["spec"], "provider"), "vault"), "auth"), "kubernetes");
    const account = field(kubernetes, "serviceAccountRef");
    const fixedNamespace = field(account, "namespace");
    const usableFrom = clusterStoreNamespaces(store.props["spec"]);
    if (typeof fixedNamespace === "string" && (usableFrom === "*" || usableFrom.length > 1)) {
      violations.push({
        urn: store.urn,
        message:
          `ClusterSecretStore "${String(metadata(store).name)}" logs in to Vault as service account ` +
          `${fixedNamespace}/${String(field(account, "name"))} for ${usableFrom === "*" ? "every namespace" : `namespaces ${usableFrom.join(", ")}`}: ` +
          "each of them reads whatever that one identity may read. Give each namespace its own SecretStore, service account and Vault role.",
      });
    }
  }

  // What each namespace's ExternalSecrets name, as KV v2 API paths (<mount>/data/<key>) where the store is known.
  const storeMount = (namespace: unknown, ref: unknown): string | undefined => {
    const kind = field(ref, "kind") ?? "SecretStore";
    const store = resources.find(
      (r) =>
        externalSecretsToken(r.type, String(kind)) &&
        metadata(r).name === field(ref, "name") &&
        (kind === "ClusterSecretStore" || metadata(r).namespace === namespace),
    );
    const mount = field(field(field(store?.props["spec"], "provider"), "vault"), "path");
    return typeof mount === "string" ? mount : undefined;
  };
  const named = new Map<string, Set<string>>();
  for (const es of resources.filter((r) => externalSecretsToken(r.type, "ExternalSecret"))) {
    const namespace = metadata(es).namespace;
    if (typeof namespace !== "string") continue;
    const spec = es.props["spec"];
    const mount = storeMount(namespace, field(spec, "secretStoreRef"));
    const keys = [
      ...(Array.isArray(field(spec, "dataFrom")) ? (field(spec, "dataFrom") as unknown[]) : []).map((e) => field(field(e, "extract"), "key")),
      ...(Array.isArray(field(spec, "data")) ? (field(spec, "data") as unknown[]) : []).map((e) => field(field(e, "remoteRef"), "key")),
    ].filter((key): key is string => typeof key === "string");
    const set = named.get(namespace) ?? new Set<string>();
    for (const key of keys) set.add(mount === undefined ? `*/data/${key}` : `${mount}/data/${key}`);
    named.set(namespace, set);
  }
  const isNamed = (namespace: string, path: string) =>
    [...(named.get(namespace) ?? [])].some((entry) => entry === path || (entry.startsWith("*/") && path.endsWith(entry.slice(1)) && !path.includes("*") && !path.includes("+")));

  const policiesByName = new Map<string, string>();
  for (const policy of resources.filter((r) => r.type === TYPES.vaultPolicy)) {
    const name = policy.props["name"];
    const document = policy.props["policy"];
    if (typeof name === "string" && typeof document === "string") policiesByName.set(name, document);
  }
  const knownNamespaces = [...new Set([...named.keys()])];
  for (const role of resources.filter((r) => r.type === TYPES.vaultKubernetesRole)) {
    const bound = stringList(role.props["boundServiceAccountNamespaces"]);
    const namespaces = bound.some((b) => b.includes("*")) ? [...new Set([...bound.filter((b) => !b.includes("*")), ...knownNamespaces, "any other namespace"])] : bound;
    const granted = [...stringList(role.props["tokenPolicies"]), ...stringList(role.props["policies"])].flatMap((name) =>
      readablePolicyPaths(policiesByName.get(name) ?? ""),
    );
    for (const namespace of namespaces) {
      const beyond = [...new Set(granted.filter((path) => !isNamed(namespace, path)))].sort();
      if (beyond.length === 0) continue;
      violations.push({
        urn: role.urn,
        message:
          `Vault role "${String(role.props["roleName"])}" lets namespace ${namespace} read ${beyond.join(", ")}, ` +
          `which no ExternalSecret in ${namespace} names. Bind each role to one namespace and grant exactly that namespace's paths.`,
      });
    }
  }
  return violations;
}

export const vaultReadsScopedToNamespace: StackValidationPolicy = {
  name: "vault-reads-scoped-to-namespace",
  description:
    "Each namespace may read from Vault exactly the paths its own ExternalSecrets name: no ClusterSecretStore shares one " +
    "service account among several namespaces, and every Vault Kubernetes role grants only what the ExternalSecrets of the " +
    "namespaces it is bound to name.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateStack: (args, reportViolation) => {
    for (const violation of vaultReadViolations(args.resources)) reportViolation(violation.message, violation.urn);
  },
};

export const policies: Policies = [
  noPlaintextSecretData,
  deployKeyReadOnly,
  externalSecretsUseBootstrapStore,
  servedApiVersions,
  protectStatefulResources,
  branchProtectionRequired,
  vaultReadsScopedToNamespace,
];
