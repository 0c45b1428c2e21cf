/**
 * Checks of schemas/ (the vendored upstream CRDs and CLI project schema) against schemas/sources.json
 * and the versions the repository pins. Independent of scripts/update-crds.ts: it reads the stack
 * files itself, so a pin bumped without `npm run update:crds` is caught here.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const PROJECT = "gitops-bootstrap";
const CANONICAL_RAW = "https://raw.githubusercontent.com";
const ENTRY_FIELDS = ["file", "repository", "path", "ref", "version", "pinnedBy", "pinnedValue", "url", "sha256"] as const;

type Entry = Record<(typeof ENTRY_FIELDS)[number], string> & { note?: string; deployedVia?: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value of `gitops-bootstrap:<key>.<field>` in each Pulumi.<stack>.yaml of `root`. */
export function stackPins(root: string, dotted: string): Map<string, unknown> {
  const [key, ...fields] = dotted.split(".");
  const pins = new Map<string, unknown>();
  for (const file of readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).sort()) {
    const doc: unknown = parse(readFileSync(path.join(root, file), "utf8"));
    const config = isRecord(doc) && isRecord(doc.config) ? doc.config : {};
    let value: unknown = config[`${PROJECT}:${key}`] ?? config[key];
    for (const field of fields) value = isRecord(value) ? value[field] : undefined;
    pins.set(file, value);
  }
  return pins;
}

function refProblem(entry: Entry): string | undefined {
  if (entry.pinnedBy === `${PROJECT}:flux.distributionVersion`) {
    // Flux 2.N deploys notification-controller v1.N.x (flux-operator config/data/flux/v2.9.4/
    // notification-controller.yaml runs fluxcd/notification-controller:v1.9.3).
    const minor = /^2\.(\d+)\.(?:\d+|x)$/.exec(entry.pinnedValue)?.[1];
    if (minor === undefined) return `pinnedValue ${entry.pinnedValue} is not a Flux 2.N version or range`;
    if (new RegExp(`^v1\\.${minor}\\.\\d+$`).test(entry.ref)) return undefined;
    if (/^[0-9a-f]{40}$/.test(entry.ref) && typeof entry.note === "string" && entry.note.length > 0) return undefined;
    return `ref ${entry.ref} is not a notification-controller v1.${minor}.x tag (Flux ${entry.pinnedValue}), nor a commit explained by a note`;
  }
  return entry.ref === `v${entry.pinnedValue}` ? undefined : `ref ${entry.ref} is not v${entry.pinnedValue}, the pinned version`;
}

/** Every problem with schemas/ of `root`: unlisted or missing files, checksums, URLs, stale pins. */
export function vendoredProblems(root: string): string[] {
  const schemasDir = path.join(root, "schemas");
  const manifestPath = path.join(schemasDir, "sources.json");
  if (!existsSync(manifestPath)) return ["schemas/sources.json is missing"];
  const manifest: unknown = JSON.parse(readFileSync(manifestPath, "utf8"));
  const entries = isRecord(manifest) && Array.isArray(manifest.files) ? manifest.files : [];
  if (entries.length === 0) return ["schemas/sources.json lists no files"];
  const problems: string[] = [];
  const listed = new Set<string>();

  for (const raw of entries) {
    const missing = ENTRY_FIELDS.filter((f) => !isRecord(raw) || typeof raw[f] !== "string" || raw[f] === "");
    if (missing.length > 0) {
      problems.push(`an entry of schemas/sources.json lacks ${missing.join(", ")}`);
      continue;
    }
    const entry = raw as Entry;
    listed.add(entry.file);
    const file = path.join(schemasDir, entry.file);
    if (!existsSync(file)) {
      problems.push(`schemas/${entry.file} is listed but missing`);
    } else {
      const actual = createHash("sha256").update(readFileSync(file)).digest("hex");
      if (actual !== entry.sha256) problems.push(`schemas/${entry.file} has sha256 ${actual}, sources.json says ${entry.sha256}`);
    }
    const url = `${CANONICAL_RAW}/${entry.repository}/${entry.ref}/${entry.path}`;
    if (entry.url !== url) problems.push(`schemas/${entry.file}: url ${entry.url} is not ${url}`);
    const ref = refProblem(entry);
    if (ref) problems.push(`schemas/${entry.file}: ${ref}`);

    const pinned = entry.pinnedBy.startsWith(`${PROJECT}:`)
      ? stackPins(root, entry.pinnedBy.slice(PROJECT.length + 1))
      : new Map([[entry.pinnedBy, existsSync(path.join(root, entry.pinnedBy)) ? readFileSync(path.join(root, entry.pinnedBy), "utf8").trim() : undefined]]);
    if (pinned.size === 0) problems.push(`schemas/${entry.file}: nothing in the repository sets ${entry.pinnedBy}`);
    for (const [where, value] of pinned) {
      if (value !== entry.pinnedValue) {
        problems.push(
          `schemas/${entry.file} was vendored for ${entry.pinnedBy} ${entry.pinnedValue}, but ${where} pins ${JSON.stringify(value)}: run npm run update:crds`,
        );
      }
    }
  }

  const onDisk = [
    ...readdirSync(path.join(schemasDir, "crds")).map((f) => `crds/${f}`),
    ...readdirSync(schemasDir).filter((f) => f.endsWith(".json") && f !== "sources.json"),
  ];
  for (const file of onDisk.sort()) if (!listed.has(file)) problems.push(`schemas/${file} is not listed in schemas/sources.json`);
  return problems;
}
