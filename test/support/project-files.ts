/**
 * Pure checks for Pulumi.yaml and Pulumi.<stack>.yaml, modelled on what the Pulumi CLI does before
 * any `pulumi preview`/`up` (pulumi/pulumi sdk/go/common/workspace: project.json schema,
 * Project.Validate, ValidateConfigValue, mergeConfig). Every check takes parsed documents and
 * returns a list of problems ([] = fine), so the checks can be unit-tested on bad inline input.
 */
import Ajv, { type AnySchema, type ErrorObject } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parseDocument } from "yaml";

export const CONFIG_TYPES = ["string", "integer", "boolean", "array", "object"] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

/** `items` of an array declaration; may nest (array of arrays). */
export interface ItemsType {
  type: ConfigType;
  items?: ItemsType;
}

type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses one YAML document (YAML 1.2 core, duplicate keys rejected); throws on any parse error. */
export function parseYaml(text: string, name = "document"): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new Error(`${name}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

// ---------------------------------------------------------------------------------------------
// JSON schema validation of Pulumi.yaml

export type SchemaDraft = "2020-12" | "2019-09" | "draft-07";

/** Which JSON-schema draft a schema declares in `$schema` (no `$schema` = draft-07, Ajv's default). */
export function schemaDraft(schema: unknown): SchemaDraft {
  const declared = isPlainObject(schema) ? schema.$schema : undefined;
  if (declared === undefined) return "draft-07";
  if (typeof declared !== "string") throw new Error("$schema must be a string");
  if (declared.includes("2020-12")) return "2020-12";
  if (declared.includes("2019-09")) return "2019-09";
  if (/draft-0[67]/.test(declared)) return "draft-07";
  throw new Error(`unsupported JSON-schema draft ${declared} (Ajv 8 handles draft-06/07, 2019-09, 2020-12)`);
}

/** Compiles the schema with the Ajv class for its draft; returns a function listing violations. */
export function compileSchema(schema: AnySchema): (document: unknown) => string[] {
  const options = { strict: false, allErrors: true } as const;
  const draft = schemaDraft(schema);
  const ajv = draft === "2020-12" ? new Ajv2020(options) : draft === "2019-09" ? new Ajv2019(options) : new Ajv(options);
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (document) => (validate(document) ? [] : formatAjvErrors(validate.errors ?? []));
}

export function formatAjvErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
}

// ---------------------------------------------------------------------------------------------
// Config types (ValidateConfigValue semantics)

/**
 * Whether `value` is acceptable for a config key of `type` (with `items` for arrays), as the CLI's
 * ValidateConfigValue decides: integers may also be whole numbers or strings that parse as
 * integers; booleans may also be the strings "true"/"false"; arrays need `items` and every element
 * must fit it; object is any mapping (its contents are not typed).
 */
export function valueFitsType(type: string, items: ItemsType | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value) && items !== undefined && value.every((item) => valueFitsType(items.type, items.items, item));
    default:
      return false;
  }
}

/**
 * Whether a value written in a stack file fits the declared type. The CLI stores top-level scalars
 * as strings (`port: 8080` becomes "8080") and only mappings/sequences keep their JSON types, so
 * top-level scalars are compared in their string form, exactly as `pulumi up` will.
 */
export function stackValueFitsType(type: string, items: ItemsType | undefined, value: unknown): boolean {
  if (value === null || value === undefined) return valueFitsType(type, items, "");
  if (typeof value === "number" || typeof value === "boolean") return valueFitsType(type, items, String(value));
  return valueFitsType(type, items, value);
}

/** The type name the CLI prints, e.g. array<array<string>>. */
export function fullTypeName(type: string, items: ItemsType | undefined): string {
  return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

function itemsProblems(where: string, items: unknown): string[] {
  if (!isPlainObject(items)) return [`${where}: items must be a mapping with a type`];
  const problems: string[] = [];
  if (typeof items.type !== "string" || !(CONFIG_TYPES as readonly string[]).includes(items.type)) {
    problems.push(`${where}: items.type must be one of ${CONFIG_TYPES.join(", ")}, got ${JSON.stringify(items.type)}`);
  }
  if (items.type === "array") {
    if (items.items === undefined) problems.push(`${where}: items of type array needs its own items`);
    else problems.push(...itemsProblems(`${where}.items`, items.items));
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Pulumi.yaml config declarations

export interface Declaration {
  /** Key without the project namespace (`foo` for both `foo` and `<project>:foo`). */
  readonly name: string;
  readonly type?: string;
  readonly items?: ItemsType;
  readonly description?: string;
  readonly secret?: boolean;
  readonly default?: unknown;
  readonly value?: unknown;
}

export function projectName(project: unknown): string {
  if (!isPlainObject(project) || typeof project.name !== "string" || project.name === "") {
    throw new Error("Pulumi.yaml has no name");
  }
  return project.name;
}

/** `foo` and `<project>:foo` are the project's keys; `kubernetes:context` is not. */
export function splitConfigKey(key: string, project: string): { namespace: string; name: string; ownedByProject: boolean } {
  const colon = key.indexOf(":");
  if (colon < 0) return { namespace: project, name: key, ownedByProject: true };
  const namespace = key.slice(0, colon);
  return { namespace, name: key.slice(colon + 1), ownedByProject: namespace === project };
}

function configSection(project: JsonObject): JsonObject {
  const config = project.config;
  if (config === undefined || config === null) return {};
  if (!isPlainObject(config)) throw new Error("Pulumi.yaml config must be a mapping (a config directory string is deprecated)");
  return config;
}

/** The project's own declarations, keyed by bare name. */
export function projectDeclarations(project: unknown): Map<string, Declaration> {
  const name = projectName(project);
  const declarations = new Map<string, Declaration>();
  for (const [key, raw] of Object.entries(configSection(project as JsonObject))) {
    const split = splitConfigKey(key, name);
    if (!split.ownedByProject) continue;
    const declaration: Declaration = isPlainObject(raw)
      ? {
          name: split.name,
          type: typeof raw.type === "string" ? raw.type : undefined,
          items: isPlainObject(raw.items) ? (raw.items as unknown as ItemsType) : undefined,
          description: typeof raw.description === "string" ? raw.description : undefined,
          secret: raw.secret === true,
          default: raw.default,
          value: raw.value,
        }
      : { name: split.name, value: raw };
    declarations.set(split.name, declaration);
  }
  return declarations;
}

/**
 * Problems with the `config:` block of Pulumi.yaml: every project key must be a typed declaration
 * with a description; arrays need `items`; `default` must fit the type; `default` and `value` are
 * exclusive; keys of other namespaces may only carry a `value` (Project.Validate rejects a type).
 */
export function declarationProblems(project: unknown): string[] {
  const name = projectName(project);
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(configSection(project as JsonObject))) {
    const split = splitConfigKey(key, name);
    if (!split.ownedByProject) {
      if (!isPlainObject(raw)) continue;
      if (raw.type !== undefined) problems.push(`${key}: keys outside the project namespace must not declare a type`);
      if (raw.default != null) problems.push(`${key}: keys outside the project namespace take a value, not a default`);
      if (raw.value == null) problems.push(`${key}: keys outside the project namespace must provide a value`);
      continue;
    }
    if (!isPlainObject(raw)) {
      problems.push(`${key}: is a bare value, not a declaration with type and description`);
      continue;
    }
    if (typeof raw.type !== "string" || !(CONFIG_TYPES as readonly string[]).includes(raw.type)) {
      problems.push(`${key}: type must be one of ${CONFIG_TYPES.join(", ")}, got ${JSON.stringify(raw.type)}`);
    }
    if (typeof raw.description !== "string" || raw.description.trim() === "") {
      problems.push(`${key}: needs a non-empty description`);
    }
    if (raw.type === "array") {
      if (raw.items === undefined) problems.push(`${key}: declares an array but no items type`);
      else problems.push(...itemsProblems(key, raw.items));
    } else if (raw.items !== undefined) {
      problems.push(`${key}: items is only meaningful for type array`);
    }
    if (raw.default != null && raw.value != null) {
      problems.push(`${key}: cannot have both default and value`);
    }
    if (raw.secret !== undefined && typeof raw.secret !== "boolean") {
      problems.push(`${key}: secret must be a boolean`);
    }
    for (const field of ["default", "value"] as const) {
      const fieldValue = raw[field];
      if (fieldValue == null || typeof raw.type !== "string") continue;
      const items = isPlainObject(raw.items) ? (raw.items as unknown as ItemsType) : undefined;
      if (!valueFitsType(raw.type, items, fieldValue)) {
        problems.push(`${key}: ${field} ${JSON.stringify(fieldValue)} is not of type ${fullTypeName(raw.type, items)}`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Pulumi.<stack>.yaml

/** JSON paths of every `secure:` value in a document (ciphertext nobody else can decrypt). */
export function securePaths(value: unknown, at = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => securePaths(item, `${at}[${i}]`));
  if (!isPlainObject(value)) return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key === "secure") found.push(`${at}.secure`);
    else found.push(...securePaths(child, `${at}.${key}`));
  }
  return found;
}

/** Stack names from file names: Pulumi.<stack>.yaml (or .yml); Pulumi.yaml itself is not a stack. */
export function stackNamesFromFileNames(fileNames: readonly string[]): string[] {
  return fileNames
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/**
 * Problems with one stack file against the project: no encryption salt or `secure:` values, only
 * declared project keys (other namespaces such as `kubernetes:` are free), values of the declared
 * type, no plaintext value for a `secret: true` key, and every required key (no default/value) set
 * unless the stack imports an ESC environment that may supply it.
 */
export function stackFileProblems(stackName: string, project: unknown, stack: unknown): string[] {
  const problems: string[] = [];
  const name = projectName(project);
  const declarations = projectDeclarations(project);
  if (stack === null || stack === undefined) stack = {};
  if (!isPlainObject(stack)) return [`${stackName}: stack file must be a mapping`];

  if (stack.encryptionsalt !== undefined) problems.push(`${stackName}: has an encryptionsalt (a passphrase only its author knows)`);
  for (const where of securePaths(stack)) problems.push(`${stackName}: secure value at ${where} (no one else can decrypt it)`);

  const config = stack.config ?? {};
  if (!isPlainObject(config)) return [...problems, `${stackName}: config must be a mapping`];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(config)) {
    const split = splitConfigKey(key, name);
    if (!split.ownedByProject) continue;
    if (seen.has(split.name)) problems.push(`${stackName}: ${key} is set twice (bare and namespaced)`);
    seen.add(split.name);
    const declaration = declarations.get(split.name);
    if (!declaration) {
      problems.push(`${stackName}: ${key} is not declared in Pulumi.yaml config`);
      continue;
    }
    if (declaration.secret) problems.push(`${stackName}: ${key} is declared secret but set in plaintext`);
    if (declaration.type !== undefined && !stackValueFitsType(declaration.type, declaration.items, value)) {
      problems.push(`${stackName}: ${key} must be of type ${fullTypeName(declaration.type, declaration.items)}, got ${JSON.stringify(value)}`);
    }
  }
  if (stack.environment === undefined) {
    for (const declaration of declarations.values()) {
      if (!seen.has(declaration.name) && declaration.default == null && declaration.value == null) {
        problems.push(`${stackName}: required key ${name}:${declaration.name} (no default) is not set`);
      }
    }
  }
  return problems;
}
