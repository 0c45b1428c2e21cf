/**
 * What each namespace can read from Vault through External Secrets, computed from the resources a
 * run registered — not from the program's own layout — by following the chain a real cluster follows:
 *
 *   namespace → stores usable from it (SecretStore: its own namespace only; ClusterSecretStore: its
 *   `conditions`, every namespace without them) → the service account ESO requests a token for →
 *   the Vault roles of that auth mount and name that bind the account → their policies (HCL) → the
 *   KV v2 paths those policies let it read.
 *
 * ESO facts this relies on (external-secrets v2.9.0, providers/v1/vault/auth.go createServiceAccountToken):
 * the token is requested in the store's namespace for a SecretStore, and for a ClusterSecretStore in
 * `serviceAccountRef.namespace` when set, else in the ExternalSecret's namespace.
 */
import { ProgramRun, RegisteredResource } from "../../mocks/engine";

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

export const TYPE = {
  externalSecret: "kubernetes:external-secrets.io/v1:ExternalSecret",
  secretStore: "kubernetes:external-secrets.io/v1:SecretStore",
  clusterSecretStore: "kubernetes:external-secrets.io/v1:ClusterSecretStore",
  namespace: "kubernetes:core/v1:Namespace",
  role: "vault:kubernetes/authBackendRole:AuthBackendRole",
  policy: "vault:index/policy:Policy",
  kv: "vault:kv/secretV2:SecretV2",
} as const;

/** One `path "…" { capabilities = […] }` block. */
export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

/**
 * Parses the subset of Vault policy HCL the program writes: `path` blocks with a `capabilities` list.
 * Anything else throws, so an unexpected construct cannot silently widen or narrow the result.
 */
export function parsePolicyHcl(hcl: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const block = /\s*path\s+"([^"]*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}\s*/y;
  let at = 0;
  while (at < hcl.length) {
    block.lastIndex = at;
    const match = block.exec(hcl);
    if (match === null) {
      if (hcl.slice(at).trim() === "") break;
      throw new Error(`unparsed policy text at ${at}: ${JSON.stringify(hcl.slice(at, at + 60))}`);
    }
    const capabilities = match[2]
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "")
      .map((part) => {
        const quoted = /^"([a-z]+)"$/.exec(part);
        if (quoted === null) throw new Error(`unexpected capability ${part}`);
        return quoted[1];
      });
    rules.push({ path: match[1], capabilities });
    at = block.lastIndex;
  }
  return rules;
}

/** Vault's path matching: `*` only at the end (prefix), `+` one segment. */
export function policyPathMatches(pattern: string, path: string): boolean {
  const regex = pattern
    .split("")
    .map((char, index) => {
      if (char === "*" && index === pattern.length - 1) return ".*";
      if (char === "+") return "[^/]+";
      return char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${regex}$`).test(path);
}

/** Vault bound names/namespaces: "*" or a trailing-* glob, else exact. */
function boundMatches(bound: readonly string[], value: string): boolean {
  return bound.some((entry) => entry === "*" || entry === value || (entry.endsWith("*") && value.startsWith(entry.slice(0, -1))));
}

const identityNamespaceTemplate = /\{\{\s*identity\.entity\.aliases\.[^.}]+\.metadata\.service_account_namespace\s*\}\}/g;
const identityNameTemplate = /\{\{\s*identity\.entity\.aliases\.[^.}]+\.metadata\.service_account_name\s*\}\}/g;

interface StoreIdentity {
  readonly store: RegisteredResource;
  readonly mount: string;
  readonly authMount: string;
  readonly role: string;
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
}

function metadataOf(resource: RegisteredResource): { name: string; namespace?: string } {
  const metadata = obj(resource.inputs.metadata);
  return { name: str(metadata.name) ?? "", namespace: str(metadata.namespace) };
}

/** Whether a ClusterSecretStore's conditions admit `namespace` (no conditions: every namespace). */
function clusterStoreAdmits(spec: Json, namespace: string): boolean {
  const conditions = list(spec.conditions).map(obj);
  if (conditions.length === 0) return true;
  return conditions.some((condition) => {
    if (list(condition.namespaces).includes(namespace)) return true;
    if (list(condition.namespaceRegexes).some((regex) => typeof regex === "string" && new RegExp(regex).test(namespace))) return true;
    // A label selector cannot be evaluated here: count it as admitting (the conservative reading).
    return condition.namespaceSelector !== undefined;
  });
}

/** The Vault identity an ExternalSecret in `namespace` gets through `store`, if it may use it at all. */
function identityThrough(store: RegisteredResource, namespace: string): StoreIdentity | undefined {
  const spec = obj(store.inputs.spec);
  const isCluster = store.type === TYPE.clusterSecretStore;
  if (isCluster ? !clusterStoreAdmits(spec, namespace) : metadataOf(store).namespace !== namespace) return undefined;
  const vault = obj(obj(spec.provider).vault);
  const kubernetes = obj(obj(vault.auth).kubernetes);
  const ref = obj(kubernetes.serviceAccountRef);
  const name = str(ref.name);
  if (name === undefined) return undefined;
  const accountNamespace = isCluster ? (str(ref.namespace) ?? namespace) : namespace;
  return {
    store,
    mount: str(vault.path) ?? "secret",
    authMount: str(kubernetes.mountPath) ?? "kubernetes",
    role: str(kubernetes.role) ?? "",
    serviceAccount: { name, namespace: accountNamespace },
  };
}

/** The KV paths (`<mount>/<path>`) an identity may read, out of `universe`. */
function readableBy(run: ProgramRun, identity: StoreIdentity, universe: readonly string[]): string[] {
  const roles = run.ofType(TYPE.role).filter((role) => {
    const inputs = role.inputs;
    return (
      str(inputs.backend) === identity.authMount &&
      str(inputs.roleName) === identity.role &&
      boundMatches(list(inputs.boundServiceAccountNames).map(String), identity.serviceAccount.name) &&
      boundMatches(list(inputs.boundServiceAccountNamespaces).map(String), identity.serviceAccount.namespace)
    );
  });
  const policyNames = new Set(roles.flatMap((role) => [...list(role.inputs.tokenPolicies), ...list(role.inputs.policies)].map(String)));
  const rules = run
    .ofType(TYPE.policy)
    .filter((policy) => policyNames.has(String(policy.inputs.name)))
    .flatMap((policy) =>
      parsePolicyHcl(
        String(policy.inputs.policy)
          .replace(identityNamespaceTemplate, identity.serviceAccount.namespace)
          .replace(identityNameTemplate, identity.serviceAccount.name),
      ),
    );
  const denied = rules.filter((rule) => rule.capabilities.includes("deny"));
  const granted = rules.filter((rule) => rule.capabilities.includes("read"));
  const prefix = `${identity.mount}/`;
  return universe.filter((full) => {
    if (!full.startsWith(prefix)) return false;
    // KV v2 serves a secret's data under <mount>/data/<path>.
    const apiPath = `${identity.mount}/data/${full.slice(prefix.length)}`;
    return granted.some((rule) => policyPathMatches(rule.path, apiPath)) && !denied.some((rule) => policyPathMatches(rule.path, apiPath));
  });
}

export interface NamespaceAccess {
  /** `<mount>/<path>` the namespace's ExternalSecrets name. */
  readonly named: string[];
  /** `<mount>/<path>` the namespace can read through any store usable from it. */
  readonly readable: string[];
}

/**
 * For every namespace of the run (managed namespaces and those holding ExternalSecrets), what its
 * ExternalSecrets name and what it can read. Paths are compared within the universe of KV paths the
 * run writes or names.
 */
export function namespaceAccess(run: ProgramRun): Map<string, NamespaceAccess> {
  const stores = [...run.ofType(TYPE.secretStore), ...run.ofType(TYPE.clusterSecretStore)];
  const externalSecrets = run.ofType(TYPE.externalSecret);
  const storeMount = (externalSecret: RegisteredResource): string | undefined => {
    const namespace = metadataOf(externalSecret).namespace ?? "";
    const ref = obj(obj(externalSecret.inputs.spec).secretStoreRef);
    const kind = str(ref.kind) ?? "SecretStore";
    const store = stores.find(
      (candidate) =>
        candidate.type.endsWith(`:${kind}`) &&
        metadataOf(candidate).name === str(ref.name) &&
        (kind === "ClusterSecretStore" || metadataOf(candidate).namespace === namespace),
    );
    return store && (identityThrough(store, namespace)?.mount ?? undefined);
  };
  const namedBy = (externalSecret: RegisteredResource): string[] => {
    const spec = obj(externalSecret.inputs.spec);
    const mount = storeMount(externalSecret) ?? "(no usable store)";
    const keys = [
      ...list(spec.dataFrom).map((entry) => str(obj(obj(entry).extract).key)),
      ...list(spec.data).map((entry) => str(obj(obj(entry).remoteRef).key)),
    ].filter((key): key is string => key !== undefined);
    return keys.map((key) => `${mount}/${key}`);
  };
  const written = run.ofType(TYPE.kv).map((kv) => `${String(kv.inputs.mount)}/${String(kv.inputs.name)}`);
  const universe = [...new Set([...written, ...externalSecrets.flatMap(namedBy)])].sort();
  const namespaces = new Set([
    ...run.ofType(TYPE.namespace).map((ns) => metadataOf(ns).name),
    ...externalSecrets.map((es) => metadataOf(es).namespace ?? ""),
  ]);
  const access = new Map<string, NamespaceAccess>();
  for (const namespace of [...namespaces].sort()) {
    const named = [...new Set(externalSecrets.filter((es) => metadataOf(es).namespace === namespace).flatMap(namedBy))].sort();
    const readable = [
      ...new Set(
        stores.flatMap((store) => {
          const identity = identityThrough(store, namespace);
          return identity === undefined ? [] : readableBy(run, identity, universe);
        }),
      ),
    ].sort();
    access.set(namespace, { named, readable });
  }
  return access;
}

/** Every (namespace, path) a namespace can read without one of its ExternalSecrets naming it. */
export function excessReads(access: ReadonlyMap<string, NamespaceAccess>): string[] {
  return [...access].flatMap(([namespace, { named, readable }]) =>
    readable.filter((path) => !named.includes(path)).map((path) => `${namespace} → ${path}`),
  );
}

/** The namespaces that can read `path` (`<mount>/<path>`). */
export function readersOf(access: ReadonlyMap<string, NamespaceAccess>, path: string): string[] {
  return [...access].filter(([, { readable }]) => readable.includes(path)).map(([namespace]) => namespace);
}
