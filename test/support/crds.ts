/**
 * Validates Kubernetes custom resources the way the API server would on create, against the
 * upstream CRDs vendored in schemas/crds (sources, versions and checksums in schemas/sources.json;
 * `npm run update:crds` refreshes them):
 *
 * - the group/kind must be defined and the version must exist and be served;
 * - scope: namespaced kinds need metadata.namespace, cluster-scoped kinds must not have one;
 *   metadata.name must be a DNS-1123 subdomain, labels must be valid;
 * - defaults from the schema are applied first (as the API server does), then the object is checked
 *   against the version's openAPIV3Schema with ajv, with the Kubernetes structural-schema
 *   extensions translated (int-or-string, preserve-unknown-fields, embedded-resource, nullable,
 *   list-type set/map). Unknown fields are reported: the API server silently prunes them, but for a
 *   producer an unknown field is a bug (a typo or a field from another version);
 * - every `x-kubernetes-validations` CEL rule is evaluated with @marcbachmann/cel-js at the node
 *   where it sits, `self` bound to the value there (skipped when the value is absent). Transition
 *   rules (those that reference `oldSelf`) only run on update and are skipped. Rules the library
 *   cannot compile are listed by `unsupportedCelRules()` instead of being ignored silently.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { Environment, type ParseResult } from "@marcbachmann/cel-js";
import { parseAllDocuments } from "yaml";

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [k: string]: unknown };
  spec?: unknown;
  [k: string]: unknown;
}

type JsonObject = Record<string, unknown>;
type Segment = string | number;

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  schema: JsonObject;
}

interface Crd {
  file: string;
  group: string;
  kind: string;
  plural: string;
  scope: "Namespaced" | "Cluster";
  versions: CrdVersion[];
}

interface CompiledVersion {
  validate: ValidateFunction;
}

type CompiledRule =
  | { status: "ok"; program: ParseResult; messageProgram?: ParseResult }
  | { status: "transition" }
  | { status: "unsupported"; reason: string };

interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
}

// ---------------------------------------------------------------------------------------------
// Loading the CRDs

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function crdsDir(): string {
  const dir = path.resolve(__dirname, "../../schemas/crds");
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`CRD folder not found at ${dir}: the upstream CRDs are vendored in schemas/crds (run \`npm run update:crds\`)`);
  }
  return dir;
}

let crdCache: Crd[] | undefined;

function loadCrds(): Crd[] {
  if (crdCache) return crdCache;
  const dir = crdsDir();
  const crds: Crd[] = [];
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  for (const file of files) {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) {
        throw new Error(`${file}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      }
      const value: unknown = doc.toJS({ maxAliasCount: -1 });
      if (!isPlainObject(value) || value.kind !== "CustomResourceDefinition") continue;
      crds.push(parseCrd(file, value));
    }
  }
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition found in ${dir}`);
  // ESO's SecretStore and ClusterSecretStore share one Go spec type (SecretStoreSpec), so their CRDs
  // differ only in scope, names and descriptions (external-secrets v2.9.0
  // config/crds/bases/external-secrets.io_{secretstores,clustersecretstores}.yaml, compared without
  // descriptions): the namespaced kind is validated against the cluster kind's schema.
  const clusterStore = crds.find((crd) => crd.group === "external-secrets.io" && crd.kind === "ClusterSecretStore");
  if (clusterStore !== undefined && !crds.some((crd) => crd.group === "external-secrets.io" && crd.kind === "SecretStore")) {
    crds.push({ ...clusterStore, kind: "SecretStore", plural: "secretstores", scope: "Namespaced" });
  }
  crdCache = crds;
  return crds;
}

function parseCrd(file: string, doc: JsonObject): Crd {
  const spec = doc.spec;
  if (!isPlainObject(spec) || !isPlainObject(spec.names) || !Array.isArray(spec.versions)) {
    throw new Error(`${file}: CRD without spec.names / spec.versions`);
  }
  const group = String(spec.group);
  const kind = String(spec.names.kind);
  const scope = spec.scope === "Cluster" ? "Cluster" : "Namespaced";
  const versions: CrdVersion[] = spec.versions.map((v: unknown) => {
    if (!isPlainObject(v)) throw new Error(`${file}: malformed version entry`);
    const schema = isPlainObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isPlainObject(schema)) throw new Error(`${file}: ${kind} ${String(v.name)} has no openAPIV3Schema`);
    return {
      name: String(v.name),
      served: v.served === true,
      storage: v.storage === true,
      deprecated: v.deprecated === true,
      schema,
    };
  });
  return { file, group, kind, plural: String(spec.names.plural), scope, versions };
}

function findCrd(group: string, kind: string): Crd | undefined {
  return loadCrds().find((c) => c.group === group && c.kind === kind);
}

/** The group/version/kind triples the CRDs define, with whether each version is served. */
export function knownCustomResourceKinds(): {
  group: string;
  version: string;
  kind: string;
  served: boolean;
  scope: "Namespaced" | "Cluster";
}[] {
  return loadCrds().flatMap((c) =>
    c.versions.map((v) => ({ group: c.group, version: v.name, kind: c.kind, served: v.served, scope: c.scope })),
  );
}

/** The raw openAPIV3Schema of one CRD version (a copy); throws when the CRDs do not define it. */
export function crdSchemaFor(group: string, version: string, kind: string): unknown {
  const crd = findCrd(group, kind);
  const v = crd?.versions.find((x) => x.name === version);
  if (!crd || !v) {
    const known = knownCustomResourceKinds()
      .map((k) => `${k.group}/${k.version} ${k.kind}`)
      .join(", ");
    throw new Error(`no CRD defines ${group}/${version} ${kind} (known: ${known})`);
  }
  return structuredClone(v.schema);
}

// ---------------------------------------------------------------------------------------------
// Schema translation (Kubernetes structural schema -> plain JSON schema for ajv)

const SCHEMA_MAP_KEYWORDS = new Set(["properties", "patternProperties", "definitions", "$defs"]);
const SCHEMA_LIST_KEYWORDS = new Set(["anyOf", "allOf", "oneOf"]);
const SCHEMA_KEYWORDS = new Set(["items", "additionalProperties", "not", "additionalItems"]);
const DROPPED_KEYWORDS = new Set(["description", "example", "default", "nullable", "externalDocs"]);

/**
 * @param isMetaHolder the node is the root or an embedded resource: its `metadata` is ObjectMeta,
 *   checked separately, so unknown fields there are not injected as errors.
 * @param isMetadata the node is such an ObjectMeta.
 */
function toAjvSchema(node: JsonObject, isMetaHolder: boolean, isMetadata: boolean): JsonObject {
  const out: JsonObject = {};
  const embedded = node["x-kubernetes-embedded-resource"] === true;
  const metaHolder = isMetaHolder || embedded;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("x-kubernetes-") || DROPPED_KEYWORDS.has(key)) continue;
    if (SCHEMA_MAP_KEYWORDS.has(key) && isPlainObject(value)) {
      const mapped: JsonObject = {};
      for (const [name, child] of Object.entries(value)) {
        mapped[name] = isPlainObject(child)
          ? toAjvSchema(child, false, key === "properties" && metaHolder && name === "metadata")
          : child;
      }
      out[key] = mapped;
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key] = value.map((child: unknown) => (isPlainObject(child) ? toAjvSchema(child, false, false) : child));
    } else if (SCHEMA_KEYWORDS.has(key) && isPlainObject(value)) {
      out[key] = toAjvSchema(value, false, false);
    } else {
      out[key] = value;
    }
  }

  if (node["x-kubernetes-int-or-string"] === true) {
    // The structural form is anyOf [integer, string]; say it directly for clearer errors.
    delete out.anyOf;
    out.type = ["integer", "string"];
  }

  if (embedded) {
    const props: JsonObject = isPlainObject(out.properties) ? { ...out.properties } : {};
    props.apiVersion ??= { type: "string" };
    props.kind ??= { type: "string" };
    props.metadata ??= { type: "object" };
    out.properties = props;
    const required = Array.isArray(out.required) ? out.required.map(String) : [];
    out.required = [...new Set([...required, "apiVersion", "kind"])];
    out.type ??= "object";
  }

  if (node.nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    else if (Array.isArray(out.type) && !out.type.includes("null")) out.type = [...out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }

  const isObjectSchema = out.type === "object" || (out.type === undefined && isPlainObject(out.properties));
  const preserves = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (isObjectSchema && out.additionalProperties === undefined && !preserves && !isMetadata) {
    // The API server prunes these silently; for a producer they are bugs.
    out.additionalProperties = false;
  }

  if (node["x-kubernetes-list-type"] === "set") out.uniqueItems = true;
  return out;
}

// ---------------------------------------------------------------------------------------------
// ajv

let ajvInstance: Ajv | undefined;

function getAjv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // Kubernetes' `byte` is standard base64; Go's decoder ignores CR/LF. (ajv-formats' regex is
  // multi-line and would accept e.g. a raw PEM block.)
  ajv.addFormat("byte", (s: string) => {
    const compact = s.replace(/[\r\n]/g, "");
    return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact);
  });
  // Kubernetes' `duration` is a Go duration ("1h30m"), not ISO 8601.
  ajv.addFormat("duration", /^[-+]?(?:\d+(?:\.\d*)?(?:ns|us|µs|ms|s|m|h|d|w|y))+$/);
  for (const name of ["int32", "int64", "float", "double", "password", "binary"]) {
    if (!ajv.formats[name]) ajv.addFormat(name, true);
  }
  ajvInstance = ajv;
  return ajv;
}

const compiledVersions = new Map<string, CompiledVersion>();

function compileVersion(crd: Crd, version: CrdVersion): CompiledVersion {
  const key = `${crd.group}/${version.name}/${crd.kind}`;
  const cached = compiledVersions.get(key);
  if (cached) return cached;
  const ajvSchema = toAjvSchema(version.schema, true, false);
  const validate = getAjv().compile(ajvSchema);
  // Compile every CEL rule of the version up front, so an unsupported one is reported even when
  // no sample reaches its node.
  precompileRules(version.schema, [], `${crd.kind} ${crd.group}/${version.name}`);
  const compiled = { validate };
  compiledVersions.set(key, compiled);
  return compiled;
}

function decodePointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Turns an ajv instancePath into path segments, using the data to tell list indexes from keys. */
function pointerToSegments(pointer: string, data: unknown): { segments: Segment[]; value: unknown } {
  const segments: Segment[] = [];
  let current: unknown = data;
  for (const raw of decodePointer(pointer)) {
    if (Array.isArray(current)) {
      const index = Number(raw);
      segments.push(index);
      current = current[index];
    } else {
      segments.push(raw);
      current = isPlainObject(current) ? current[raw] : undefined;
    }
  }
  return { segments, value: current };
}

function formatPath(segments: Segment[]): string {
  if (segments.length === 0) return "(root)";
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeAjvError(e: ErrorObject, data: unknown): string {
  const params: Record<string, unknown> = e.params;
  const { segments, value } = pointerToSegments(e.instancePath, data);
  switch (e.keyword) {
    case "additionalProperties":
      return `${formatPath([...segments, String(params.additionalProperty)])} is an unknown field (not in the CRD schema)`;
    case "required":
      return `${formatPath([...segments, String(params.missingProperty)])} is required`;
    case "enum": {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return `${formatPath(segments)} must be one of ${allowed.map((a) => String(a)).join(", ")} (got ${describeValue(value)})`;
    }
    case "type": {
      const t = Array.isArray(params.type) ? params.type.join(" or ") : String(params.type);
      return `${formatPath(segments)} must be ${t === "integer or string" ? "an integer or a string" : `of type ${t}`} (got ${describeValue(value)})`;
    }
    case "format":
      return `${formatPath(segments)} must match format "${String(params.format)}" (got ${describeValue(value)})`;
    case "pattern":
      return `${formatPath(segments)} must match pattern ${String(params.pattern)} (got ${describeValue(value)})`;
    default:
      return `${formatPath(segments)} ${e.message ?? e.keyword}`;
  }
}

// ---------------------------------------------------------------------------------------------
// CEL

let celEnvironment: Environment | undefined;

function regex(pattern: string): RegExp {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return new RegExp(pattern);
  }
}

function compareCel(a: unknown, b: unknown): number {
  if ((typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number")) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  throw new Error(`cannot compare ${typeof a} with ${typeof b}`);
}

function celEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" && typeof b === "number") return Number(a) === b;
  if (typeof a === "number" && typeof b === "bigint") return a === Number(b);
  return a === b;
}

/**
 * The CEL environment: `self` is dynamic (as for unknown-typed values in the API server);
 * optional types and heterogeneous literals are on, as in Kubernetes. The library lacks some of
 * the Kubernetes CEL extension functions; the simple ones are provided here (none of the rules in
 * the current CRDs needs them, but a new CRD version might).
 */
function getCelEnvironment(): Environment {
  if (celEnvironment) return celEnvironment;
  const env = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true })
    .registerVariable("self", "dyn")
    // Kubernetes strings library
    .registerFunction("string.charAt(int): string", (s: string, i: bigint) => s.charAt(Number(i)))
    .registerFunction("string.reverse(): string", (s: string) => [...s].reverse().join(""))
    .registerFunction("string.replace(string, string): string", (s: string, a: string, b: string) =>
      s.split(a).join(b),
    )
    .registerFunction("string.replace(string, string, int): string", (s: string, a: string, b: string, n: bigint) => {
      let out = s;
      let count = Number(n);
      if (count < 0) return s.split(a).join(b);
      let from = 0;
      while (count-- > 0) {
        const at = out.indexOf(a, from);
        if (at < 0) break;
        out = out.slice(0, at) + b + out.slice(at + a.length);
        from = at + b.length;
      }
      return out;
    })
    // Kubernetes regex library
    .registerFunction("string.find(string): string", (s: string, re: string) => s.match(regex(re))?.[0] ?? "")
    .registerFunction("string.findAll(string): list<string>", (s: string, re: string) =>
      [...s.matchAll(new RegExp(regex(re).source, `${regex(re).flags}g`))].map((m) => m[0]),
    )
    // Kubernetes lists library
    .registerFunction("list.isSorted(): bool", (l: unknown[]) =>
      l.every((v, i) => i === 0 || compareCel(l[i - 1], v) <= 0),
    )
    .registerFunction("list.indexOf(dyn): int", (l: unknown[], v: unknown) => BigInt(l.findIndex((x) => celEqual(x, v))))
    .registerFunction("list.lastIndexOf(dyn): int", (l: unknown[], v: unknown) => {
      for (let i = l.length - 1; i >= 0; i--) if (celEqual(l[i], v)) return BigInt(i);
      return -1n;
    })
    .registerFunction("list<int>.sum(): int", (l: bigint[]) => l.reduce((a, b) => a + b, 0n))
    .registerFunction("list<double>.sum(): double", (l: number[]) => l.reduce((a, b) => a + b, 0))
    .registerFunction("list.min(): dyn", (l: unknown[]) => {
      if (l.length === 0) throw new Error("min called on an empty list");
      return l.reduce((a, b) => (compareCel(b, a) < 0 ? b : a));
    })
    .registerFunction("list.max(): dyn", (l: unknown[]) => {
      if (l.length === 0) throw new Error("max called on an empty list");
      return l.reduce((a, b) => (compareCel(b, a) > 0 ? b : a));
    });
  celEnvironment = env;
  return env;
}

const ruleCache = new Map<string, CompiledRule>();
const unsupported = new Set<string>();

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}

function mentionsOldSelf(node: unknown, seen = new Set<unknown>()): boolean {
  if (typeof node !== "object" || node === null || seen.has(node)) return false;
  seen.add(node);
  if (Array.isArray(node)) return node.some((n) => mentionsOldSelf(n, seen));
  const n = node as { op?: unknown; args?: unknown };
  if (n.op === "id" && n.args === "oldSelf") return true;
  return mentionsOldSelf(n.args, seen);
}

function compileExpression(expression: string): ParseResult | string {
  const env = getCelEnvironment();
  let program: ParseResult;
  try {
    program = env.parse(expression);
  } catch (error) {
    return `does not parse: ${firstLine(error)}`;
  }
  if (mentionsOldSelf(program.ast)) return program;
  const checked = env.check(expression);
  if (!checked.valid) return `does not compile: ${firstLine(checked.error)}`;
  return program;
}

function compileRule(rule: ValidationRule): CompiledRule {
  const key = JSON.stringify([rule.rule, rule.messageExpression ?? null]);
  const cached = ruleCache.get(key);
  if (cached) return cached;
  let compiled: CompiledRule;
  const program = compileExpression(rule.rule);
  if (typeof program === "string") {
    compiled = { status: "unsupported", reason: program };
  } else if (mentionsOldSelf(program.ast)) {
    compiled = { status: "transition" };
  } else {
    compiled = { status: "ok", program };
    if (rule.messageExpression !== undefined) {
      const messageProgram = compileExpression(rule.messageExpression);
      if (typeof messageProgram === "string") {
        compiled = { status: "unsupported", reason: `messageExpression ${messageProgram}` };
      } else {
        compiled.messageProgram = messageProgram;
      }
    }
  }
  ruleCache.set(key, compiled);
  return compiled;
}

function rulesAt(schema: JsonObject): ValidationRule[] {
  const raw = schema["x-kubernetes-validations"];
  if (!Array.isArray(raw)) return [];
  return raw.filter(isPlainObject).map((r) => ({
    rule: String(r.rule),
    message: typeof r.message === "string" ? r.message : undefined,
    messageExpression: typeof r.messageExpression === "string" ? r.messageExpression : undefined,
    fieldPath: typeof r.fieldPath === "string" ? r.fieldPath : undefined,
  }));
}

function precompileRules(schema: JsonObject, segments: Segment[], where: string): void {
  for (const rule of rulesAt(schema)) {
    const compiled = compileRule(rule);
    if (compiled.status === "unsupported") {
      unsupported.add(`${where} ${formatPath(segments)}: ${rule.rule} (${compiled.reason})`);
    }
  }
  if (isPlainObject(schema.properties)) {
    for (const [name, child] of Object.entries(schema.properties)) {
      if (isPlainObject(child)) precompileRules(child, [...segments, name], where);
    }
  }
  if (isPlainObject(schema.items)) precompileRules(schema.items, [...segments, "*"], where);
  if (isPlainObject(schema.additionalProperties)) precompileRules(schema.additionalProperties, [...segments, "*"], where);
}

/**
 * CEL rules whose expression the CEL library could not compile (unsupported function or syntax),
 * as "<Kind> <group/version> <path>: <rule> (<reason>)". Those rules are skipped, so a test should
 * pin this list. Transition rules (referencing oldSelf) are skipped by design and not listed.
 */
export function unsupportedCelRules(): string[] {
  return [...unsupported].sort();
}

function schemaTypeMatches(schema: JsonObject, value: unknown): boolean {
  if (schema["x-kubernetes-int-or-string"] === true) {
    return typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
  }
  switch (schema.type) {
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}

function decodeBase64(s: string): Uint8Array | undefined {
  const compact = s.replace(/[\r\n]/g, "");
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) return undefined;
  return new Uint8Array(Buffer.from(compact, "base64"));
}

/** Converts a JSON value to the CEL value the API server would bind (ints as int, byte as bytes ...). */
function toCelValue(value: unknown, schema: JsonObject | undefined, isRoot = false): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "number") {
    if (schema?.type === "number") return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === "string") {
    if (schema?.format === "byte") return decodeBase64(value) ?? value;
    if (schema?.format === "date-time" || schema?.format === "date") {
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? value : date;
    }
    return value;
  }
  if (Array.isArray(value)) {
    const items = isPlainObject(schema?.items) ? schema.items : undefined;
    return value.map((v) => toCelValue(v, items));
  }
  if (isPlainObject(value)) {
    const props = isPlainObject(schema?.properties) ? schema.properties : undefined;
    const additional = isPlainObject(schema?.additionalProperties) ? schema.additionalProperties : undefined;
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) {
      if (isRoot && key === "metadata" && isPlainObject(v)) {
        // At the root, the API server exposes only metadata.name and metadata.generateName.
        const meta: JsonObject = {};
        if (typeof v.name === "string") meta.name = v.name;
        if (typeof v.generateName === "string") meta.generateName = v.generateName;
        out.metadata = meta;
        continue;
      }
      const child = props && isPlainObject(props[key]) ? props[key] : additional;
      out[key] = toCelValue(v, child);
    }
    return out;
  }
  return value;
}

function evaluateRules(schema: JsonObject, value: unknown, segments: Segment[], problems: string[]): void {
  if (value === undefined || value === null) return;
  const typeOk = schemaTypeMatches(schema, value);
  const rules = rulesAt(schema);
  if (typeOk && rules.length > 0) {
    const self = toCelValue(value, schema, segments.length === 0);
    for (const rule of rules) {
      const compiled = compileRule(rule);
      if (compiled.status !== "ok") continue;
      const where = rule.fieldPath
        ? segments.length === 0
          ? rule.fieldPath.replace(/^\./, "")
          : formatPath(segments) + rule.fieldPath
        : formatPath(segments);
      let result: unknown;
      try {
        result = compiled.program({ self });
      } catch (error) {
        problems.push(`${where} rule \`${rule.rule}\` could not be evaluated: ${firstLine(error)}`);
        continue;
      }
      if (result === true) continue;
      if (result !== false) {
        problems.push(`${where} rule \`${rule.rule}\` did not return a bool (got ${String(result)})`);
        continue;
      }
      let message = rule.message ?? `failed rule: ${rule.rule}`;
      if (compiled.messageProgram) {
        try {
          const m: unknown = compiled.messageProgram({ self });
          if (typeof m === "string" && m.trim() !== "") message = m;
        } catch {
          // fall back to the static message, as the API server does
        }
      }
      problems.push(`${where} ${message} (rule: ${rule.rule})`);
    }
  }
  if (!typeOk) return;

  if (Array.isArray(value)) {
    const listType = schema["x-kubernetes-list-type"];
    if (listType === "map" && Array.isArray(schema["x-kubernetes-list-map-keys"])) {
      const keys = schema["x-kubernetes-list-map-keys"].map(String);
      const seen = new Map<string, number>();
      value.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const id = JSON.stringify(keys.map((k) => item[k] ?? null));
        const first = seen.get(id);
        if (first !== undefined) {
          problems.push(
            `${formatPath([...segments, i])} duplicates ${formatPath([...segments, first])} (list keyed by ${keys.join(", ")}: ${id})`,
          );
        } else {
          seen.set(id, i);
        }
      });
    }
    if (isPlainObject(schema.items)) {
      const items = schema.items;
      value.forEach((item, i) => evaluateRules(items, item, [...segments, i], problems));
    }
    return;
  }
  if (isPlainObject(value)) {
    const props = isPlainObject(schema.properties) ? schema.properties : {};
    for (const [key, child] of Object.entries(props)) {
      if (isPlainObject(child) && key in value) evaluateRules(child, value[key], [...segments, key], problems);
    }
    if (isPlainObject(schema.additionalProperties)) {
      const additional = schema.additionalProperties;
      for (const [key, v] of Object.entries(value)) evaluateRules(additional, v, [...segments, key], problems);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Defaulting (the API server defaults before it validates)

function applyDefaults(schema: JsonObject, value: unknown): void {
  if (Array.isArray(value)) {
    if (isPlainObject(schema.items)) for (const item of value) applyDefaults(schema.items, item);
    return;
  }
  if (!isPlainObject(value)) return;
  if (isPlainObject(schema.properties)) {
    for (const [key, child] of Object.entries(schema.properties)) {
      if (!isPlainObject(child)) continue;
      if (value[key] === undefined && child.default !== undefined) value[key] = structuredClone(child.default);
      if (value[key] !== undefined) applyDefaults(child, value[key]);
    }
  }
  if (isPlainObject(schema.additionalProperties)) {
    for (const v of Object.values(value)) applyDefaults(schema.additionalProperties, v);
  }
}

// ---------------------------------------------------------------------------------------------
// Metadata

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
]);

function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return "prefix must be a DNS-1123 subdomain";
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return "name part must be 1-63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  }
  return undefined;
}

function checkMetadata(obj: JsonObject, crd: Crd, problems: string[]): void {
  const metadata = obj.metadata;
  if (!isPlainObject(metadata)) {
    problems.push("metadata is required (an object)");
    return;
  }
  const { name, generateName, namespace } = metadata;
  if (name === undefined || name === "") {
    if (typeof generateName !== "string" || generateName === "") problems.push("metadata.name is required");
  } else if (typeof name !== "string" || name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    problems.push(
      `metadata.name ${describeValue(name)} must be a DNS-1123 subdomain (lowercase alphanumerics, '-' or '.', at most 253 characters)`,
    );
  }
  if (crd.scope === "Namespaced") {
    if (namespace === undefined || namespace === "") {
      problems.push(`metadata.namespace is required: ${crd.kind} is namespaced`);
    } else if (typeof namespace !== "string" || namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
      problems.push(`metadata.namespace ${describeValue(namespace)} must be a DNS-1123 label`);
    }
  } else if (namespace !== undefined) {
    problems.push(`metadata.namespace must not be set: ${crd.kind} is cluster-scoped (got ${describeValue(namespace)})`);
  }
  for (const key of Object.keys(metadata)) {
    if (!OBJECT_META_FIELDS.has(key)) problems.push(`metadata.${key} is an unknown field (not in ObjectMeta)`);
  }
  for (const field of ["labels", "annotations"] as const) {
    const map = metadata[field];
    if (map === undefined) continue;
    if (!isPlainObject(map)) {
      problems.push(`metadata.${field} must be a map of strings`);
      continue;
    }
    for (const [key, v] of Object.entries(map)) {
      const where = formatPath(["metadata", field, key]);
      if (typeof v !== "string") problems.push(`${where} must be a string (got ${describeValue(v)})`);
      const keyProblem = checkLabelKey(key);
      if (keyProblem) problems.push(`${where}: invalid key: ${keyProblem}`);
      if (field === "labels" && typeof v === "string" && v !== "" && (v.length > 63 || !QUALIFIED_NAME.test(v))) {
        problems.push(`${where} invalid label value ${describeValue(v)}: at most 63 alphanumerics, '-', '_' or '.'`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points

function label(obj: KubernetesObject): string {
  const kind = typeof obj?.kind === "string" && obj.kind !== "" ? obj.kind : "<no kind>";
  const metadata: unknown = obj?.metadata;
  const name = isPlainObject(metadata) && typeof metadata.name === "string" ? metadata.name : "<unnamed>";
  return `${kind} ${name}`;
}

function validationProblems(input: KubernetesObject): string[] {
  let obj: unknown;
  try {
    // What reaches the API server is JSON: undefined fields disappear, Dates become strings.
    obj = JSON.parse(JSON.stringify(input));
  } catch (error) {
    return [`the object cannot be serialised to JSON: ${firstLine(error)}`];
  }
  if (!isPlainObject(obj)) return ["the object must be a JSON object"];
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== "string" || apiVersion === "") return ["apiVersion is required"];
  if (typeof kind !== "string" || kind === "") return ["kind is required"];
  const slash = apiVersion.indexOf("/");
  const group = slash >= 0 ? apiVersion.slice(0, slash) : "";
  const versionName = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;

  const crd = findCrd(group, kind);
  if (!crd) {
    const known = [...new Set(loadCrds().map((c) => `${c.kind} (${c.group})`))].join(", ");
    return [`unknown kind: no CRD defines ${kind} in group "${group}" (known: ${known})`];
  }
  const served = crd.versions.filter((v) => v.served).map((v) => `${crd.group}/${v.name}`);
  const version = crd.versions.find((v) => v.name === versionName);
  if (!version) {
    return [`apiVersion ${apiVersion}: the ${crd.kind} CRD has no version ${versionName} (served: ${served.join(", ") || "none"})`];
  }
  if (!version.served) {
    return [
      `apiVersion ${apiVersion} is not served by the ${crd.kind} CRD${version.deprecated ? " (deprecated)" : ""}; use ${served.join(" or ") || "(no served version)"}`,
    ];
  }

  const problems: string[] = [];
  checkMetadata(obj, crd, problems);

  const compiled = compileVersion(crd, version);
  applyDefaults(version.schema, obj);
  if (!compiled.validate(obj)) {
    for (const error of compiled.validate.errors ?? []) {
      // The int-or-string anyOf (if kept) and similar wrappers add a summary line; the details suffice.
      if (error.keyword === "anyOf" || error.keyword === "oneOf") continue;
      problems.push(describeAjvError(error, obj));
    }
  }
  evaluateRules(version.schema, obj, [], problems);
  return [...new Set(problems)];
}

/** Every problem found, as readable strings ("FluxInstance flux: spec.sync.kind must be one of ..."); [] when valid. */
export function validateCustomResource(obj: KubernetesObject): string[] {
  const prefix = label(obj);
  return validationProblems(obj).map((p) => `${prefix}: ${p}`);
}

/** Throws one Error listing every problem. */
export function assertValidCustomResource(obj: KubernetesObject): void {
  const problems = validateCustomResource(obj);
  if (problems.length > 0) {
    const gvk = `${String(obj?.apiVersion)} ${label(obj)}`;
    throw new Error(`${gvk} would be rejected by the API server:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}
