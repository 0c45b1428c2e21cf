/**
 * A model of the Pulumi engine for offline runs, shared by the tests (through
 * test/support/harness.ts) and the scripts (npm run plan, npm run bench); no CLI, plugin or cloud.
 *
 * Runs the real program (index.ts) on the real @pulumi/pulumi runtime with setMocks, and records
 * what the engine would have been sent. The mocks behave like the engine where tests depend on it:
 * - outputs the SDK lists in additionalSecretOutputs come back secret (RandomPassword.result, …);
 * - duplicate URNs are refused;
 * - an unknown invoke token throws;
 * - Vault KV is a small in-memory store shared across runs, so a second run can read back what the
 *   first wrote (vault.kv.getSecretV2).
 * - `preview: true` is the preview of a stack with no state yet (every registration is a create), as
 *   the engine runs it (see "Preview of a fresh stack" at runProgram).
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { CapturedLine, checkScannable, consoleLine, findLeaks, isPublicField, KnownSecret, SecretLeakError, secretsOfConfigValue, WireValue } from "./secretScan";

export { SecretLeakError } from "./secretScan";

export const repoRoot = path.resolve(__dirname, "..");
const secretSigKey = "4dabf18193072939515e22adb298388d";
const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const unknownSentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One resource as the engine saw its registration. */
export interface RegisteredResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string;
  readonly custom: boolean;
  /** Inputs in wire form: secrets appear as { [sigKey]: secretSig, value }. */
  readonly wireInputs: Record<string, unknown>;
  /** Inputs with secrets unwrapped, for asserting on values. */
  readonly inputs: Record<string, unknown>;
  readonly provider: string;
  readonly dependencies: readonly string[];
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly deletedWith: string;
  readonly ignoreChanges: readonly string[];
  /** Input paths whose change makes the engine replace the resource (`replaceOnChanges`). */
  readonly replaceOnChanges: readonly string[];
  /** URNs the resource had before (`aliases`): the engine treats a resource under one of them as this one. */
  readonly aliases: readonly string[];
  readonly additionalSecretOutputs: readonly string[];
  readonly customTimeouts: { create: string; update: string; delete: string } | undefined;
  /** True for `Resource.get(...)` reads. */
  readonly read: boolean;
  /** The ID a read asked for (`unknownSentinel` while unknown); undefined for registrations. */
  readonly readId?: string;
}

export interface InvokeRecord {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

/** State that outlives one run, like a real Vault and cluster do. */
export interface World {
  /** Vault KV v2 data by "<mount>/<path>". */
  readonly vaultKv: Map<string, Record<string, string>>;
  /** Kubernetes Secrets readable with Secret.get, by "<namespace>/<name>" (string data). */
  readonly kubernetesSecrets: Map<string, Record<string, string>>;
  /**
   * GitHub, as the tree API answers: "<repository>@<branch>" → the branch's files (a missing key is a
   * missing branch: 404), or an error for that branch; "<repository>" → an error that answers every
   * request for the repository (a bad token, a repository the token cannot see, an empty one).
   */
  readonly githubTrees: Map<string, readonly string[] | GitHubApiError>;
}

/** An error response of the GitHub REST API. */
export interface GitHubApiError {
  readonly status: number;
  readonly message: string;
}

/** What GitHub's API answers in the cases the program must tell apart (docs.github.com REST "git/trees"). */
export const githubApiErrors = {
  badCredentials: { status: 401, message: "Bad credentials" },
  forbidden: { status: 403, message: "Resource not accessible by personal access token" },
  notFound: { status: 404, message: "Not Found" },
  emptyRepository: { status: 409, message: "Git Repository is empty." },
} as const satisfies Record<string, GitHubApiError>;

/**
 * A world before the first run: nothing the program creates exists yet. Only what the user brings
 * is there: the GitHub repository with the cluster's manifests.
 */
export function newWorld(): World {
  return {
    vaultKv: new Map(),
    kubernetesSecrets: new Map(),
    githubTrees: new Map([["fleet@main", ["README.md", "clusters/staging/kustomization.yaml", "clusters/prod/kustomization.yaml", "apps/podinfo/release.yaml"]]]),
  };
}

/** A stack output as the engine would store it. */
export interface OutputValue {
  readonly value: unknown;
  readonly secret: boolean;
}

export interface ProgramRun {
  readonly resources: readonly RegisteredResource[];
  readonly invokes: readonly InvokeRecord[];
  readonly outputs: Readonly<Record<string, OutputValue>>;
  /** Every string the mocks generated as a secret (private keys, passwords, tokens). */
  readonly generatedSecrets: readonly string[];
  /** Messages logged through pulumi.log (every level) and console output during the run. */
  readonly logs: readonly string[];
  /** What each component registered as its outputs (registerOutputs), by URN, secrets unwrapped. */
  readonly componentOutputs: Readonly<Record<string, Record<string, unknown>>>;
  ofType(type: string): RegisteredResource[];
  one(type: string, name?: string): RegisteredResource;
  byUrn(urn: string): RegisteredResource;
  /** True if `from` depends on `to`, directly or through other resources. */
  dependsOn(from: RegisteredResource, to: RegisteredResource): boolean;
}

export interface RunOptions {
  /** Stack name; its Pulumi.<stack>.yaml is loaded. Defaults to "staging". */
  readonly stack?: string;
  /** Replace top-level keys (bare names, e.g. "vault") of the stack file's config. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Remove these bare keys from the stack file's config. */
  readonly unset?: readonly string[];
  /** Config secrets (bare key → value), passed as secret config. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Environment variables the program sees (process.env is replaced for the run). */
  readonly env?: Readonly<Record<string, string>>;
  readonly world?: World;
  /** Run as `pulumi preview` (dry run). Defaults to false: applies run as in `pulumi up`. */
  readonly preview?: boolean;
  /** Receives every registration as it happens (lets a test see what was registered before a failure). */
  readonly record?: RegisteredResource[];
  /** Simulated provider latency per resource operation, in ms (benchmarks). Defaults to 0. */
  readonly latencyMs?: number;
  /**
   * Loads index.ts afresh (its module and the components it imports must re-run). Defaults to
   * Node's require cache being cleared for this repository's non-test sources.
   */
  readonly loadProgram?: () => Promise<Record<string, unknown>>;
}

/** Directories whose modules stay loaded between runs: dependencies, tests and these mocks. */
const keptLoaded = ["node_modules", "test", path.basename(__dirname)].map((dir) => `${path.sep}${dir}${path.sep}`);

/** Loads index.ts with a clean require cache for the program's own modules (outside vitest). */
export async function loadProgramFresh(): Promise<Record<string, unknown>> {
  for (const id of Object.keys(require.cache)) {
    if (id.startsWith(repoRoot) && !keptLoaded.some((dir) => id.includes(dir))) {
      delete require.cache[id];
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(repoRoot, "index")) as Record<string, unknown>;
}

/** The plaintexts tests use for bootstrap secrets; scans look for them everywhere. */
export const testSecrets = {
  GITHUB_TOKEN: "ghp_mockGithubToken0123456789",
  CLOUDFLARE_API_TOKEN: "cf-mock-api-token-0123456789",
  VAULT_TOKEN: "hvs.mock-external-vault-token",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/mock-slack-secret",
  DISCORD_WEBHOOK_URL: "https://discord.com/api/webhooks/000/mock-discord-secret",
  GITHUB_APP_PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----mock-github-app-key",
  K3S_SSH_PRIVATE_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----mock-ssh-key",
} as const;

/**
 * Stack config as the CLI hands it to the program: the stack file's values, plus Pulumi.yaml's
 * declared defaults for keys the stack does not set (full keys → YAML values).
 */
export function readStackConfig(stack: string): Record<string, unknown> {
  const stackDoc = parseYaml(readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> } | null;
  const projectDoc = parseYaml(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, { default?: unknown }>;
  };
  const merged: Record<string, unknown> = {};
  for (const [key, declaration] of Object.entries(projectDoc.config ?? {})) {
    if (declaration.default !== undefined) merged[`gitops-bootstrap:${key}`] = declaration.default;
  }
  for (const [key, value] of Object.entries(stackDoc?.config ?? {})) {
    merged[key.includes(":") ? key : `gitops-bootstrap:${key}`] = value;
  }
  return merged;
}

type Struct = { toJavaScript(): Record<string, unknown> };
type StructStatic = { fromJavaScript(value: Record<string, unknown>): Struct };
/** The getters registrations and reads share. */
interface ResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
}
interface RegisterRequest extends ResourceRequest {
  getCustom(): boolean;
  getObject(): Struct | undefined;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getDeletedwith(): string;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getAliasesList(): { getUrn(): string; getSpec(): { getName(): string; getType(): string; getParenturn(): string } | undefined }[];
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}
interface ReadRequest extends ResourceRequest {
  getId(): string;
  getProperties(): Struct | undefined;
}
interface ResponseWithObject {
  getObject?(): Struct | undefined;
  setObject?(value: Struct): void;
  getProperties?(): Struct | undefined;
  setProperties?(value: Struct): void;
}
type Callback = (err: unknown, response: ResponseWithObject | undefined) => void;
interface RegisterOutputsRequest {
  getUrn(): string;
  getOutputs(): Struct | undefined;
}
interface MonitorLike {
  registerResource(req: RegisterRequest, callback: Callback): Promise<void>;
  registerResourceOutputs(req: RegisterOutputsRequest, callback: Callback): Promise<void> | void;
  readResource(req: ReadRequest, callback: Callback): Promise<void>;
  newUrn(parent: string, type: string, name: string): string;
}

function isWireSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[secretSigKey] === secretSig;
}

/** A copy of `value` with `replace` applied top-down: where it returns `keep`, the walk goes into arrays and objects. */
const keep = Symbol("keep");
function rewrite(value: unknown, replace: (node: unknown) => unknown): unknown {
  const replaced = replace(value);
  if (replaced !== keep) return replaced;
  if (Array.isArray(value)) return value.map((item) => rewrite(item, replace));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, replace)]));
  }
  return value;
}

/** Removes secret wrappers, leaving plain values. */
export function unwrapSecrets(value: unknown): unknown {
  return rewrite(value, (node) => (isWireSecret(node) ? unwrapSecrets(node.value) : keep));
}

/**
 * Every place in a wire-form value where one of `needles` appears outside a secret wrapper.
 * Returns the property paths; [] means nothing leaked.
 */
export function findPlaintext(value: unknown, needles: readonly string[]): string[] {
  return plaintexts(value).flatMap(([at, text]) => (needles.some((needle) => needle.length > 0 && text.includes(needle)) ? [at] : []));
}

/** The strings of a wire-form value outside secret wrappers, as [property path, text], in walk order. */
export function plaintexts(value: unknown, at = "", found: [string, string][] = []): [string, string][] {
  if (isWireSecret(value)) return found;
  if (typeof value === "string") found.push([at || "(value)", value]);
  else if (Array.isArray(value)) value.forEach((item, index) => plaintexts(item, `${at}[${index}]`, found));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) plaintexts(v, at ? `${at}.${k}` : k, found);
  return found;
}

function wrapSecret(value: unknown): unknown {
  return isWireSecret(value) ? value : { [secretSigKey]: secretSig, value };
}

/** Deterministic fake outputs a provider would compute, by resource type. */
function computedOutputs(type: string, name: string, inputs: Record<string, unknown>, world: World, generated: string[]): Record<string, unknown> {
  const remember = (value: string) => {
    generated.push(value);
    return value;
  };
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      return { result: remember(`mock-random-${name}-${createHash("sha256").update(name).digest("hex").slice(0, 16)}`) };
    case "tls:index/privateKey:PrivateKey": {
      const algorithm = String(unwrapSecrets(inputs.algorithm));
      const fingerprint = createHash("sha256").update(name).digest("base64").replace(/=+$/, "");
      return {
        privateKeyOpenssh: remember(`-----BEGIN OPENSSH PRIVATE KEY-----\nmock-${algorithm}-${name}\n-----END OPENSSH PRIVATE KEY-----\n`),
        privateKeyPem: remember(`-----BEGIN PRIVATE KEY-----\nmock-${name}\n-----END PRIVATE KEY-----\n`),
        privateKeyPemPkcs8: remember(`-----BEGIN PRIVATE KEY-----\nmock-pkcs8-${name}\n-----END PRIVATE KEY-----\n`),
        publicKeyOpenssh: `${algorithm === "ECDSA" ? "ecdsa-sha2-nistp256" : "ssh-ed25519"} AAAAmock${name}\n`,
        publicKeyPem: `-----BEGIN PUBLIC KEY-----\nmock-${name}\n-----END PUBLIC KEY-----\n`,
        publicKeyFingerprintSha256: `SHA256:${fingerprint}`,
        publicKeyFingerprintMd5: "00:11:22:33",
      };
    }
    case "vault:kv/secretV2:SecretV2": {
      const mount = String(unwrapSecrets(inputs.mount));
      const secretName = String(unwrapSecrets(inputs.name));
      const data = JSON.parse(String(unwrapSecrets(inputs.dataJson) ?? "{}")) as Record<string, string>;
      world.vaultKv.set(`${mount}/${secretName}`, data);
      return { path: `${mount}/data/${secretName}`, data: wrapSecret(data) };
    }
    case "kubernetes:core/v1:Secret": {
      // The token controller fills service-account-token Secrets after creation.
      const metadata = unwrapSecrets(inputs.metadata) as { name?: string; namespace?: string } | undefined;
      if (unwrapSecrets(inputs.type) === "kubernetes.io/service-account-token" && metadata?.name) {
        world.kubernetesSecrets.set(`${metadata.namespace ?? "default"}/${metadata.name}`, {
          token: remember(`mock-service-account-jwt-${name}`),
          "ca.crt": "-----BEGIN CERTIFICATE-----\nmock-cluster-ca\n-----END CERTIFICATE-----\n",
        });
      }
      return {};
    }
    case "pulumi-nodejs:dynamic:VaultInit": {
      // What Vault's init answers (components/vaultInit.ts): a root token and `shares` key shares.
      const shares = Number(unwrapSecrets(inputs.shares));
      const keys = Array.from({ length: shares }, (_, i) => remember(`mock-vault-key-${i + 1}-of-${shares}`));
      const autoUnseal = unwrapSecrets(inputs.autoUnseal) === true;
      return { rootToken: remember("hvs.mock-root-token"), unsealKeys: autoUnseal ? [] : keys, recoveryKeys: autoUnseal ? keys : [], unsealProblem: "" };
    }
    case "command:remote:Command": {
      // Only the kubeconfig read (`cat /etc/rancher/k3s/k3s.yaml` on a k3s server) prints anything the
      // program uses. Its secret is the admin client key inside; the rest is public YAML whose first
      // characters ("apiVersion") would match any manifest.
      if (!String(unwrapSecrets(inputs.create) ?? "").includes("k3s.yaml")) return { stdout: "", stderr: "" };
      const clientKey = Buffer.from(remember(`mock-k3s-admin-client-key-${name}`)).toString("base64");
      return {
        stdout:
          `apiVersion: v1\nkind: Config\nclusters:\n- name: default\n  cluster:\n    certificate-authority-data: bW9jay1jYQ==\n    server: https://127.0.0.1:6443\n` +
          `contexts:\n- name: default\n  context: { cluster: default, user: default }\ncurrent-context: default\n` +
          `users:\n- name: default\n  user: { client-key-data: ${clientKey} }\n# mock kubeconfig from ${name}\n`,
        stderr: "",
      };
    }
    case "github:index/repositoryDeployKey:RepositoryDeployKey":
      return { etag: "mock-etag" };
    case "github:index/repositoryWebhook:RepositoryWebhook":
      return { url: `https://api.github.com/repos/mock/hooks/${name}` };
    default:
      return {};
  }
}

const knownInvokes = new Set(["vault:kv/getSecretV2:getSecretV2", "github:index/getTree:getTree", "github:index/getRepository:getRepository"]);

/** True if a wire-form value is or contains an unknown (a value the engine does not know in this preview). */
function containsUnknown(value: unknown): boolean {
  if (value === unknownSentinel) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}

/** The inputs with every unknown replaced by a placeholder ("{}"), for working out output names. */
function knownPlaceholders(value: unknown): unknown {
  return rewrite(value, (node) => (pulumi.isUnknown(node) ? "{}" : keep));
}

/** The URN in a provider reference ("<urn>::<id>"). */
function providerUrn(reference: string): string {
  const at = reference.lastIndexOf("::");
  return at < 0 ? reference : reference.slice(0, at);
}

/**
 * A failed invoke as the engine answers it: a gRPC error whose `details` the SDK turns into the
 * rejection's message (runtime/invoke.js: `new Error(err.details)`).
 */
function invokeError(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

/** The error text a failed GitHub call surfaces as, through go-github and the Terraform bridge. */
function githubInvokeError(token: string, request: string, error: GitHubApiError): Error {
  // go-github ErrorResponse.Error(): "<method> <url>: <status> <message> <errors>" (google/go-github github/github.go);
  // pulumi-terraform-bridge wraps a data source's error as "invoking <token>: …" (pkg/tfbridge/provider.go).
  return invokeError(`invoking ${token}: 1 error occurred:\n\t* GET https://api.github.com/${request}: ${error.status} ${error.message} []\n\n`);
}

function isGitHubApiError(value: readonly string[] | GitHubApiError | undefined): value is GitHubApiError {
  return value !== undefined && !Array.isArray(value);
}

/**
 * Runs index.ts once under mocks and returns what it registered.
 *
 * Preview of a fresh stack (`preview: true`), as the engine runs one (pulumi/pulumi):
 * - every registration is a create: the resource gets no ID (the SDK reads an empty ID as unknown),
 *   its outputs are its inputs, and every output the provider computes (passwords, keys, command
 *   output, …) is unknown; nothing is written to the world;
 * - providers get unknown IDs; a provider whose inputs hold an unknown is not configured, and then
 *   reads and invokes through it return an empty bag (no error, every output unknown):
 *   sdk/go/common/resource/plugin/provider_plugin.go, Read and Invoke, `if !pcfg.known`;
 * - a read (`Resource.get`) runs in the preview and ignores dependsOn (pulumi/pulumi#16395); it is
 *   skipped, with unknown outputs, only when its ID is unknown (pkg/resource/deploy/step.go,
 *   ReadStep); otherwise an object the world does not hold fails the run with
 *   "resource '<id>' does not exist" (ReadStep.Apply);
 * - an output-form invoke (`getXOutput`) with dependsOn a resource whose ID is unknown is skipped and
 *   returns unknown (pulumi/pulumi#18133): the SDK's invokeAsync does that itself, on the IDs above.
 * An update (`preview: false`) creates everything: IDs are "<name>-id", computed outputs are known,
 * and the world learns what the program creates (Vault KV writes, service-account tokens, Secrets
 * written by Jobs).
 */
export async function runProgram(options: RunOptions = {}): Promise<ProgramRun> {
  const stack = options.stack ?? "staging";
  const world = options.world ?? newWorld();
  const preview = options.preview ?? false;
  const resources: RegisteredResource[] = options.record ?? [];
  const invokes: InvokeRecord[] = [];
  const generated: string[] = [];
  const logs: string[] = [];
  /** Providers by URN, with their inputs in wire form, as registered. */
  const providers = new Map<string, Record<string, unknown>>();
  const configured = (reference: string | undefined) => {
    if (reference === undefined || reference === "") return true;
    const inputs = providers.get(providerUrn(reference));
    return inputs === undefined || !containsUnknown(inputs);
  };

  const latency = options.latencyMs ?? 0;
  const mocks: pulumi.runtime.Mocks = {
    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
      // Components have no provider operation in the real engine; only custom resources wait.
      if (latency > 0 && args.custom !== false) await new Promise((resolve) => setTimeout(resolve, latency));
      const inputs = args.inputs as Record<string, unknown>;
      if (args.id !== undefined && args.id !== "") {
        // A read (Resource.get). Skipped with unknown outputs while its ID or its provider is unknown.
        if (args.id === unknownSentinel || !configured(args.provider)) return { id: args.id, state: {} };
        const held = args.type === "kubernetes:core/v1:Secret" ? world.kubernetesSecrets.get(args.id) : undefined;
        if (held === undefined) throw new Error(`resource '${args.id}' does not exist`);
        // Secret data comes back base64-encoded, as the API serves it.
        const data = Object.fromEntries(Object.entries(held).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
        return { id: args.id, state: { ...inputs, data } };
      }
      if (preview) {
        // Which outputs the provider computes, from a throwaway world (a preview changes nothing) and
        // placeholders for inputs this preview does not know.
        const computed = computedOutputs(args.type, args.name, knownPlaceholders(inputs) as Record<string, unknown>, newWorld(), []);
        return { id: "", state: { ...inputs, ...Object.fromEntries(Object.keys(computed).map((key) => [key, unknownSentinel])) } };
      }
      const state = { ...inputs, ...computedOutputs(args.type, args.name, inputs, world, generated) };
      return { id: `${args.name}-id`, state };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      invokes.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
      if (!knownInvokes.has(args.token)) throw invokeError(`mock: unknown invoke ${args.token}`);
      if (!configured(args.provider)) return {};
      if (args.token === "github:index/getTree:getTree") {
        const repository = String(args.inputs.repository);
        const branch = String(args.inputs.treeSha);
        const request = `repos/${providerOwner(args.provider)}/${repository}/git/trees/${branch}${args.inputs.recursive ? "?recursive=1" : ""}`;
        const forRepository = world.githubTrees.get(repository);
        const files = world.githubTrees.get(`${repository}@${branch}`);
        if (isGitHubApiError(forRepository)) throw githubInvokeError(args.token, request, forRepository);
        if (isGitHubApiError(files)) throw githubInvokeError(args.token, request, files);
        // GitHub answers a branch that does not exist like a repository it cannot find.
        if (files === undefined) throw githubInvokeError(args.token, request, githubApiErrors.notFound);
        return { ...args.inputs, id: branch, entries: files.map((path) => ({ path, type: "blob", mode: "100644", sha: "0", size: 1 })) };
      }
      if (args.token === "github:index/getRepository:getRepository") {
        const name = String(args.inputs.name);
        const forRepository = world.githubTrees.get(name);
        // A repository that exists answers with its metadata even when empty or its contents are
        // forbidden; terraform-provider-github's data source turns a 404 into an empty result.
        if (isGitHubApiError(forRepository) && forRepository.status === 404) return { name, id: "" };
        if (isGitHubApiError(forRepository) && forRepository.status === 401) {
          throw githubInvokeError(args.token, `repos/${providerOwner(args.provider)}/${name}`, forRepository);
        }
        return { name, id: name, fullName: `${providerOwner(args.provider)}/${name}` };
      }
      const mount = String(args.inputs.mount);
      const name = String(args.inputs.name);
      const data = world.vaultKv.get(`${mount}/${name}`);
      if (data === undefined) throw invokeError(`no secret found at "${mount}/data/${name}"`);
      return { mount, name, path: `${mount}/data/${name}`, data: wrapSecret(data), dataJson: wrapSecret(JSON.stringify(data)) };
    },
  };
  const providerOwner = (reference: string | undefined) =>
    String(unwrapSecrets(providers.get(providerUrn(reference ?? ""))?.owner) ?? "");

  await pulumi.runtime.setMocks(mocks, "gitops-bootstrap", stack, preview);
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const seen = new Set<string>();

  const markSecretOutputs = (response: ResponseWithObject | undefined, names: readonly string[], read: boolean) => {
    if (response === undefined || names.length === 0) return;
    const struct = read ? response.getProperties?.() : response.getObject?.();
    if (struct === undefined) return;
    const object = struct.toJavaScript();
    for (const name of names) if (name in object) object[name] = wrapSecret(object[name]);
    const fresh = (struct.constructor as unknown as StructStatic).fromJavaScript(object);
    if (read) response.setProperties?.(fresh);
    else response.setObject?.(fresh);
  };

  /** What registrations and reads share. */
  const common = (urn: string, req: ResourceRequest, properties: Struct | undefined) => {
    const wireInputs = properties?.toJavaScript() ?? {};
    return {
      urn,
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      wireInputs,
      inputs: unwrapSecrets(wireInputs) as Record<string, unknown>,
      provider: req.getProvider(),
      dependencies: req.getDependenciesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    };
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
    if (seen.has(urn)) {
      callback(new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`), undefined);
      return Promise.resolve();
    }
    seen.add(urn);
    if (req.getType().startsWith("pulumi:providers:")) providers.set(urn, req.getObject()?.toJavaScript() ?? {});
    const timeouts = req.getCustomtimeouts();
    resources.push({
      ...common(urn, req, req.getObject()),
      custom: req.getCustom(),
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      deletedWith: req.getDeletedwith(),
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      aliases: req.getAliasesList().map((alias) => {
        const spec = alias.getSpec();
        return spec === undefined ? alias.getUrn() : monitor.newUrn(spec.getParenturn() || req.getParent(), spec.getType() || req.getType(), spec.getName() || req.getName());
      }),
      customTimeouts: timeouts && { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() },
      read: false,
    });
    return register(req, (err, response) => {
      markSecretOutputs(response, req.getAdditionalsecretoutputsList(), false);
      callback(err, response);
    });
  };
  const componentOutputs: WireValue[] = [];
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    componentOutputs.push({ where: `outputs of ${req.getUrn()}`, value: req.getOutputs()?.toJavaScript() ?? {} });
    return registerOutputs(req, callback);
  };
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (req, callback) => {
    const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
    resources.push({ ...common(urn, req, req.getProperties()), ...readOptions, readId: req.getId() });
    return read(req, (err, response) => {
      markSecretOutputs(response, req.getAdditionalsecretoutputsList(), true);
      callback(err, response);
    });
  };

  // Config as the CLI would pass it: the stack file, with overrides, and secrets flagged.
  const fileConfig = readStackConfig(stack);
  const configEntries: Record<string, string> = {};
  for (const [key, value] of Object.entries(fileConfig)) {
    const bare = key.startsWith("gitops-bootstrap:") ? key.slice("gitops-bootstrap:".length) : key;
    if (options.unset?.includes(bare)) continue;
    configEntries[key.includes(":") ? key : `gitops-bootstrap:${key}`] = configText(value);
  }
  for (const [bare, value] of Object.entries(options.config ?? {})) configEntries[`gitops-bootstrap:${bare}`] = configText(value);
  const secretKeys: string[] = [];
  for (const [bare, value] of Object.entries(options.secrets ?? {})) {
    configEntries[`gitops-bootstrap:${bare}`] = value;
    secretKeys.push(`gitops-bootstrap:${bare}`);
  }
  pulumi.runtime.setAllConfig(configEntries, secretKeys);

  // The secret scan (./secretScan) runs on every run: what the run was given, what the world
  // already holds (read-back runs) and what the mocks generate must not appear in the open.
  const knownSecrets: KnownSecret[] = [
    ...Object.entries(options.env ?? {}).map(([name, value]) => ({ label: `environment variable ${name}`, value })),
    ...Object.entries(options.secrets ?? {}).flatMap(([bare, value]) => secretsOfConfigValue(`secret config ${bare}`, value)),
  ];
  checkScannable(knownSecrets);
  const stored = (kind: string, store: ReadonlyMap<string, Record<string, string>>): KnownSecret[] =>
    [...store].flatMap(([at, data]) =>
      Object.entries(data).flatMap(([field, value]) => (isPublicField(field, String(value)) ? [] : [{ label: `${kind} ${at} "${field}"`, value: String(value) }])),
    );
  const worldSecrets = (): KnownSecret[] => [...stored("Vault KV", world.vaultKv), ...stored("Kubernetes Secret", world.kubernetesSecrets)];
  knownSecrets.push(...worldSecrets());

  // Capture every log level and console output, for the scan and for tests.
  const lines: CapturedLine[] = [];
  let inPulumiLog = false;
  // Any installed package (the SDK, a provider SDK) is not the program. callerFile reads the raw
  // call site, which tsx's source maps do not rewrite.
  const dependencyDir = `${path.sep}node_modules${path.sep}`;
  const logLevels = ["debug", "info", "warn", "error"] as const;
  const originalLog = Object.fromEntries(logLevels.map((level) => [level, pulumi.log[level]])) as Pick<typeof pulumi.log, (typeof logLevels)[number]>;
  for (const level of logLevels) {
    pulumi.log[level] = (message, resource, streamId, ephemeral) => {
      // The SDK traces its own RPCs at debug level, responses included (@pulumi/pulumi
      // runtime/resource.js "RegisterResource RPC finished"); only the program's lines are its own.
      if (!callerFile(2).includes(dependencyDir)) {
        logs.push(message);
        lines.push({ where: `pulumi.log.${level}`, text: message });
      }
      inPulumiLog = true;
      try {
        return originalLog[level](message, resource, streamId, ephemeral);
      } finally {
        inPulumiLog = false;
      }
    };
  }
  const consoleMethods = ["log", "info", "warn", "error", "debug"] as const;
  const originalConsole = Object.fromEntries(consoleMethods.map((method) => [method, console[method]])) as Pick<Console, (typeof consoleMethods)[number]>;
  for (const method of consoleMethods) {
    console[method] = (...args: unknown[]) => {
      // pulumi.log without an engine prints through console: that line is captured already.
      if (!inPulumiLog) {
        const text = consoleLine(args);
        logs.push(text);
        lines.push({ where: `console.${method}`, text });
      }
      originalConsole[method](...args);
    };
  }
  // Like Pulumi's language host, the run owns unhandled rejections: an error thrown inside an
  // apply fails the program (and is not left for the test runner to report as stray).
  const failures: unknown[] = [];
  let failed: (reason: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  failure.catch(() => undefined);
  const onRejection = (reason: unknown) => {
    failures.push(reason);
    failed(reason);
  };
  const otherListeners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onRejection);
  const restore = () => {
    for (const level of logLevels) pulumi.log[level] = originalLog[level];
    for (const method of consoleMethods) console[method] = originalConsole[method];
    process.removeListener("unhandledRejection", onRejection);
    for (const listener of otherListeners) process.on("unhandledRejection", listener);
  };

  const assertNoLeaks = (failed: { readonly error: unknown } | undefined) => {
    const leaks = findLeaks({
      secrets: [...knownSecrets, ...worldSecrets(), ...generated.map((value, index) => ({ label: `generated secret #${index + 1}`, value }))],
      lines: failed === undefined ? lines : [...lines, { where: "the run's error", text: failed.error instanceof Error ? `${failed.error.message}\n${failed.error.stack ?? ""}` : String(failed.error) }],
      wireValues: [
        ...resources.map((resource) => ({ where: `${resource.read ? "read" : "inputs"} of ${resource.type} ${resource.name}`, value: resource.wireInputs })),
        ...componentOutputs,
        ...Object.entries(outputs).filter(([, output]) => !output.secret).map(([name, output]) => ({ where: `stack output ${name}`, value: output.value })),
      ],
      plaintexts: (value) => plaintexts(value),
    });
    if (leaks.length > 0) throw new SecretLeakError(leaks, failed?.error);
  };

  const savedEnv = process.env;
  process.env = { ...(options.env ?? {}) };
  const outputs: Record<string, OutputValue> = {};
  let runError: { readonly error: unknown } | undefined;
  try {
    let exports: Record<string, unknown>;
    try {
      exports = await (options.loadProgram ?? loadProgramFresh)();
    } finally {
      process.env = savedEnv;
    }
    await Promise.race([
      failure,
      (async () => {
        for (const [key, value] of Object.entries(exports)) {
          if (key === "default" || key === "__esModule") continue;
          outputs[key] = await resolveOutput(value);
        }
      })(),
    ]);
    await Promise.race([failure, pulumi.runtime.disconnect()]);
    // Let rejections raised by the last registrations surface before judging the run.
    await new Promise((resolve) => setImmediate(resolve));
    if (failures.length > 0) throw failures[0];
  } catch (error) {
    runError = { error };
    throw error;
  } finally {
    // Drain this run's stragglers (late rejections, component outputs) into this run, so none
    // reaches the next run's monitor.
    await Promise.race([pulumi.runtime.disconnect().catch(() => undefined), sleep(500)]);
    await sleep(10);
    restore();
    // Throws SecretLeakError in place of the run's result (or its error) if anything leaked.
    assertNoLeaks(runError);
  }

  const byUrnMap = new Map(resources.map((resource) => [resource.urn, resource]));
  const run: ProgramRun = {
    resources,
    invokes,
    outputs,
    generatedSecrets: generated,
    logs,
    componentOutputs: Object.fromEntries(
      componentOutputs.map(({ where, value }) => [where.replace(/^outputs of /, ""), unwrapSecrets(value) as Record<string, unknown>]),
    ),
    ofType: (type) => resources.filter((resource) => resource.type === type),
    one(type, name) {
      const found = resources.filter((resource) => resource.type === type && (name === undefined || resource.name === name));
      if (found.length !== 1) {
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${resources.filter((r) => r.type === type).map((r) => r.name).join(", ")}`);
      }
      return found[0];
    },
    byUrn(urn) {
      const found = byUrnMap.get(urn);
      if (found === undefined) throw new Error(`no resource ${urn}`);
      return found;
    },
    dependsOn(from, to) {
      const queue = [...from.dependencies];
      const visited = new Set<string>();
      while (queue.length > 0) {
        const urn = queue.shift() as string;
        if (urn === to.urn) return true;
        if (visited.has(urn)) continue;
        visited.add(urn);
        const next = byUrnMap.get(urn);
        if (next !== undefined) queue.push(...next.dependencies);
        // A component's children depend on what the component was given; follow parents too.
        for (const child of resources) if (child.parent === urn) queue.push(child.urn);
      }
      return false;
    },
  };
  return run;
}

/** A read's resource options: a read has none of a registration's. */
const readOptions = {
  custom: true, protect: false, retainOnDelete: false, deleteBeforeReplace: false, deletedWith: "", customTimeouts: undefined, read: true,
  ignoreChanges: [], replaceOnChanges: [], aliases: [],
} as const;

/**
 * The file of the stack frame `depth` levels up, as Node loaded it. Read from call sites, not from
 * `stack` text: under tsx (npm run plan, bench) source maps rewrite the SDK's frames to
 * node_modules/@pulumi/runtime/… (its .ts sources), which no longer name the package.
 */
function callerFile(depth: number): string {
  const format = Error.prepareStackTrace;
  Error.prepareStackTrace = (_, sites) => sites;
  try {
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    return sites[depth]?.getFileName() ?? "";
  } finally {
    Error.prepareStackTrace = format;
  }
}

/** A config value as the CLI passes it: strings as they are, structured values as JSON. */
function configText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What an Output resolves to; a value this preview does not know reads as `unknownSentinel`. */
async function resolveOutput(value: unknown): Promise<OutputValue> {
  if (pulumi.Output.isInstance(value)) {
    // apply() never calls back on an unknown value, so ask the Output itself (its internal promise).
    const output = value as unknown as { isKnown: Promise<boolean>; promise(withUnknowns?: boolean): Promise<unknown> };
    const secret = await pulumi.isSecret(value as pulumi.Output<unknown>);
    if (!(await output.isKnown)) return { value: unknownSentinel, secret };
    return { value: await resolveNested(await output.promise(true)), secret };
  }
  return { value: await resolveNested(value), secret: false };
}

async function resolveNested(value: unknown): Promise<unknown> {
  if (pulumi.isUnknown(value)) return unknownSentinel;
  if (pulumi.Output.isInstance(value)) return (await resolveOutput(value)).value;
  if (Array.isArray(value)) return Promise.all(value.map(resolveNested));
  if (typeof value === "object" && value !== null) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveNested(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/** Base config every test run needs: the bootstrap secrets from the environment. */
export function allSecretsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...testSecrets, ...extra };
}

export { unknownSentinel };
