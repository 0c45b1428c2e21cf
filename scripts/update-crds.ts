/**
 * `npm run update:crds`: refreshes the upstream files in schemas/ (the CRDs the conformance tests
 * validate against and the Pulumi CLI's project schema) for the versions this repository pins, and
 * rewrites schemas/sources.json with each file's source, version and sha256.
 *
 * What is pinned where (one home each):
 * - FluxInstance CRD: flux-operator tag v<flux.operatorChartVersion> (the chart and the operator
 *   share their version), config/crd/bases/fluxcd.controlplane.io_fluxinstances.yaml;
 * - ExternalSecret / ClusterSecretStore CRDs: external-secrets tag v<externalSecrets.chartVersion>
 *   (chart and app share their version), config/crds/bases/…;
 * - Flux notification CRDs: the operator installs the newest Flux it bundles that matches
 *   flux.distributionVersion (flux-operator config/data/flux/v<version>/), whose
 *   notification-controller.yaml names the controller image; the CRDs come from
 *   fluxcd/notification-controller at that image's tag, config/crd/bases/…;
 * - the project schema: pulumi/pulumi tag v<.pulumi-version> (the CLI CI installs),
 *   sdk/go/common/workspace/project.json.
 * The stack versions are read from every Pulumi.<stack>.yaml; all stacks must agree (one CRD per kind).
 *
 * Everything is downloaded and checked before anything is written: offline, nothing changes.
 * `--raw-base-url` / `--api-base-url` (or CRD_SOURCES_RAW_URL / CRD_SOURCES_API_URL) point it at a
 * mirror; the manifest always records the canonical upstream URL.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";

export const DEFAULT_RAW_BASE_URL = "https://raw.githubusercontent.com";
export const DEFAULT_API_BASE_URL = "https://api.github.com";
const PROJECT = "gitops-bootstrap";
const DOWNLOAD_TIMEOUT_MS = 30_000;

const FLUX_OPERATOR = "controlplaneio-fluxcd/flux-operator";
const EXTERNAL_SECRETS = "external-secrets/external-secrets";
const NOTIFICATION_CONTROLLER = "fluxcd/notification-controller";
const PULUMI = "pulumi/pulumi";

/** The versions this repository deploys, as written in its stack files and .pulumi-version. */
export interface Pins {
  readonly operatorChartVersion: string;
  readonly distributionVersion: string;
  readonly externalSecretsChartVersion: string;
  readonly pulumiVersion: string;
}

/** One vendored file in schemas/sources.json. */
export interface VendoredFile {
  /** Path under schemas/. */
  readonly file: string;
  readonly repository: string;
  /** Path in the upstream repository. */
  readonly path: string;
  /** Git tag or commit it was taken from. */
  readonly ref: string;
  /** Version of the upstream component the file belongs to. */
  readonly version: string;
  /** Where the repository pins it: `gitops-bootstrap:<key>` in every stack file, or a file path. */
  readonly pinnedBy: string;
  /** The pinned value the file was taken for. */
  readonly pinnedValue: string;
  readonly url: string;
  readonly sha256: string;
  /** How the deployed version follows from the pin, where that takes a step. */
  readonly deployedVia?: string;
  readonly note?: string;
}

export interface Manifest {
  readonly description: string;
  readonly files: VendoredFile[];
}

export const MANIFEST_DESCRIPTION =
  "Upstream files the tests validate against, vendored so that a clone needs nothing beside it. `npm run update:crds` " +
  "refreshes them for the versions the stacks pin; test/vendored-schemas.test.ts checks every sha256 and that each " +
  "pinnedValue is what the stack files (or .pulumi-version) pin today.";

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

export function rawUrl(base: string, repository: string, ref: string, filePath: string): string {
  return `${base.replace(/\/+$/, "")}/${repository}/${ref}/${filePath}`;
}

// ---------------------------------------------------------------------------------------------
// Pins

/** `Pulumi.<stack>.yaml` files of a folder, sorted. */
export function stackFiles(repoRoot: string): string[] {
  return readdirSync(repoRoot)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .sort();
}

function valueAt(config: Record<string, unknown>, key: string, field: string): unknown {
  const object = config[`${PROJECT}:${key}`] ?? config[key];
  return typeof object === "object" && object !== null ? (object as Record<string, unknown>)[field] : undefined;
}

/**
 * Reads the pins from every stack file and .pulumi-version. Throws one error listing every stack
 * that lacks a pin or disagrees with the others.
 */
export function readPins(repoRoot: string): Pins {
  const files = stackFiles(repoRoot);
  const problems: string[] = [];
  if (files.length === 0) problems.push(`no Pulumi.<stack>.yaml in ${repoRoot}`);
  const wanted = [
    ["flux", "operatorChartVersion"],
    ["flux", "distributionVersion"],
    ["externalSecrets", "chartVersion"],
  ] as const;
  const found = new Map<string, Map<string, string>>();
  for (const file of files) {
    const doc = (parse(readFileSync(path.join(repoRoot, file), "utf8")) ?? {}) as { config?: Record<string, unknown> };
    for (const [key, field] of wanted) {
      const value = valueAt(doc.config ?? {}, key, field);
      const name = `${PROJECT}:${key}.${field}`;
      if (typeof value !== "string" || value === "") {
        problems.push(`${file}: ${name} is not set`);
        continue;
      }
      const byValue = found.get(name) ?? new Map<string, string>();
      byValue.set(file, value);
      found.set(name, byValue);
    }
  }
  for (const [name, byFile] of found) {
    if (new Set(byFile.values()).size > 1) {
      const list = [...byFile].map(([file, value]) => `${file} ${value}`).join(", ");
      problems.push(`${name} differs between stacks (${list}): schemas/ holds one CRD per kind, align the stacks first`);
    }
  }
  const versionFile = path.join(repoRoot, ".pulumi-version");
  const pulumiVersion = existsSync(versionFile) ? readFileSync(versionFile, "utf8").trim() : "";
  if (!/^\d+\.\d+\.\d+$/.test(pulumiVersion)) problems.push(`.pulumi-version must hold the Pulumi CLI version CI installs, such as 3.259.0 (got "${pulumiVersion}")`);
  if (problems.length > 0) throw new Error(`Cannot tell which versions to vendor:\n  - ${problems.join("\n  - ")}`);
  const first = (name: string) => [...(found.get(name)?.values() ?? [])][0];
  return {
    operatorChartVersion: first(`${PROJECT}:flux.operatorChartVersion`),
    distributionVersion: first(`${PROJECT}:flux.distributionVersion`),
    externalSecretsChartVersion: first(`${PROJECT}:externalSecrets.chartVersion`),
    pulumiVersion,
  };
}

// ---------------------------------------------------------------------------------------------
// Flux distribution -> notification-controller version

function versionParts(version: string): number[] {
  return version.replace(/^v/, "").split(".").map(Number);
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest of `versions` (`v2.9.4`, …) that a range such as `2.9.x` or `2.9.1` accepts. */
export function newestMatching(range: string, versions: readonly string[]): string | undefined {
  const wanted = range.split(".");
  const matches = versions.filter((v) => {
    if (!/^v?\d+\.\d+\.\d+$/.test(v)) return false;
    const parts = v.replace(/^v/, "").split(".");
    return wanted.length === parts.length && wanted.every((w, i) => w === "x" || w === parts[i]);
  });
  return [...matches].sort(compareVersions).pop();
}

/** The notification-controller image tag a bundled Flux manifest deploys. */
export function notificationControllerTag(bundle: string): string | undefined {
  return /image:\s*\S*fluxcd\/notification-controller:(v\d+\.\d+\.\d+)\b/.exec(bundle)?.[1];
}

// ---------------------------------------------------------------------------------------------
// Downloads

export interface Endpoints {
  /** Serves `<owner>/<repo>/<ref>/<path>` (raw.githubusercontent.com or a mirror). */
  readonly rawBaseUrl: string;
  /** Serves the GitHub REST API's `repos/<owner>/<repo>/contents/<path>?ref=<ref>`. */
  readonly apiBaseUrl: string;
}

export class DownloadError extends Error {}

async function download(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: "follow" });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new DownloadError(
      `cannot download ${url} (${reason}). npm run update:crds needs the internet (GitHub), or a mirror given with ` +
        `--raw-base-url/--api-base-url (CRD_SOURCES_RAW_URL/CRD_SOURCES_API_URL). Nothing was changed.`,
    );
  }
  if (!response.ok) {
    throw new DownloadError(`cannot download ${url}: HTTP ${response.status} ${response.statusText} (does that tag and path exist?). Nothing was changed.`);
  }
  return response.text();
}

async function bundledFluxVersions(endpoints: Endpoints, operatorRef: string): Promise<string[]> {
  const url = `${endpoints.apiBaseUrl.replace(/\/+$/, "")}/repos/${FLUX_OPERATOR}/contents/config/data/flux?ref=${operatorRef}`;
  const text = await download(url);
  let listing: unknown;
  try {
    listing = JSON.parse(text);
  } catch {
    throw new DownloadError(`${url} did not return JSON`);
  }
  if (!Array.isArray(listing)) throw new DownloadError(`${url} did not return a directory listing`);
  return listing
    .filter((e): e is { name: string; type: string } => typeof e === "object" && e !== null && typeof e.name === "string")
    .filter((e) => e.type === "dir")
    .map((e) => e.name);
}

interface PlannedFile extends Omit<VendoredFile, "url" | "sha256"> {
  readonly downloadUrl: string;
}

/** Resolves every file's source for the pins (one API listing and one bundle read for Flux). */
export async function planDownloads(pins: Pins, endpoints: Endpoints): Promise<PlannedFile[]> {
  const operatorRef = `v${pins.operatorChartVersion}`;
  const fluxVersions = await bundledFluxVersions(endpoints, operatorRef);
  const flux = newestMatching(pins.distributionVersion, fluxVersions);
  if (!flux) {
    throw new DownloadError(
      `flux-operator ${operatorRef} bundles no Flux matching flux.distributionVersion ${pins.distributionVersion} (it bundles ${fluxVersions.join(", ") || "none"})`,
    );
  }
  const bundlePath = `config/data/flux/${flux}/notification-controller.yaml`;
  const bundle = await download(rawUrl(endpoints.rawBaseUrl, FLUX_OPERATOR, operatorRef, bundlePath));
  const notificationRef = notificationControllerTag(bundle);
  if (!notificationRef) throw new DownloadError(`${FLUX_OPERATOR} ${operatorRef} ${bundlePath} names no fluxcd/notification-controller image`);

  const planned: PlannedFile[] = [];
  const add = (file: string, repository: string, filePath: string, ref: string, pinnedBy: string, pinnedValue: string, deployedVia?: string) =>
    planned.push({
      file,
      repository,
      path: filePath,
      ref,
      version: ref.replace(/^v/, ""),
      pinnedBy,
      pinnedValue,
      ...(deployedVia ? { deployedVia } : {}),
      downloadUrl: rawUrl(endpoints.rawBaseUrl, repository, ref, filePath),
    });

  const fluxInstance = "fluxcd.controlplane.io_fluxinstances.yaml";
  add(`crds/${fluxInstance}`, FLUX_OPERATOR, `config/crd/bases/${fluxInstance}`, operatorRef, `${PROJECT}:flux.operatorChartVersion`, pins.operatorChartVersion);
  for (const plural of ["clustersecretstores", "externalsecrets"]) {
    const name = `external-secrets.io_${plural}.yaml`;
    add(`crds/${name}`, EXTERNAL_SECRETS, `config/crds/bases/${name}`, `v${pins.externalSecretsChartVersion}`, `${PROJECT}:externalSecrets.chartVersion`, pins.externalSecretsChartVersion);
  }
  const via =
    `${FLUX_OPERATOR} ${operatorRef} ${bundlePath} deploys fluxcd/notification-controller:${notificationRef} ` +
    `(Flux ${flux.replace(/^v/, "")} is the newest ${pins.distributionVersion} that operator bundles)`;
  for (const plural of ["alerts", "providers", "receivers"]) {
    const name = `notification.toolkit.fluxcd.io_${plural}.yaml`;
    add(`crds/${name}`, NOTIFICATION_CONTROLLER, `config/crd/bases/${name}`, notificationRef, `${PROJECT}:flux.distributionVersion`, pins.distributionVersion, via);
  }
  add("pulumi-project.schema.json", PULUMI, "sdk/go/common/workspace/project.json", `v${pins.pulumiVersion}`, ".pulumi-version", pins.pulumiVersion);
  return planned;
}

/** A downloaded file must be what its name says: CRDs of YAML, the schema of JSON. */
function contentProblem(file: string, content: string): string | undefined {
  if (file.endsWith(".json")) {
    try {
      JSON.parse(content);
      return undefined;
    } catch {
      return "is not JSON";
    }
  }
  const docs = parseAllDocuments(content);
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.some((d) => d.errors.length > 0)) return "is not valid YAML";
  const kinds = list.map((d) => (d.toJS() as { kind?: unknown } | null)?.kind).filter((k) => k !== undefined);
  return kinds.includes("CustomResourceDefinition") ? undefined : "holds no CustomResourceDefinition";
}

function writeAtomically(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

export interface UpdateOptions extends Partial<Endpoints> {
  readonly repoRoot: string;
}

/** Downloads every file for the repository's pins, then writes them and schemas/sources.json. */
export async function updateVendored(options: UpdateOptions): Promise<Manifest> {
  const endpoints: Endpoints = {
    rawBaseUrl: options.rawBaseUrl ?? DEFAULT_RAW_BASE_URL,
    apiBaseUrl: options.apiBaseUrl ?? DEFAULT_API_BASE_URL,
  };
  const pins = readPins(options.repoRoot);
  const planned = await planDownloads(pins, endpoints);
  const contents = await Promise.all(planned.map((p) => download(p.downloadUrl)));
  const problems = planned.flatMap((p, i) => {
    const problem = contentProblem(p.file, contents[i]);
    return problem ? [`${p.downloadUrl} ${problem}`] : [];
  });
  if (problems.length > 0) throw new DownloadError(`Refusing to vendor unexpected content (nothing was changed):\n  - ${problems.join("\n  - ")}`);

  const schemasDir = path.join(options.repoRoot, "schemas");
  const files: VendoredFile[] = planned.map(({ downloadUrl: _downloadUrl, ...p }, i) => ({
    ...p,
    url: rawUrl(DEFAULT_RAW_BASE_URL, p.repository, p.ref, p.path),
    sha256: sha256(contents[i]),
  }));
  planned.forEach((p, i) => writeAtomically(path.join(schemasDir, p.file), contents[i]));
  const manifest: Manifest = { description: MANIFEST_DESCRIPTION, files };
  writeAtomically(path.join(schemasDir, "sources.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

// ---------------------------------------------------------------------------------------------
// CLI

export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): UpdateOptions {
  const options: { repoRoot: string; rawBaseUrl?: string; apiBaseUrl?: string } = {
    repoRoot: path.resolve(__dirname, ".."),
    rawBaseUrl: env.CRD_SOURCES_RAW_URL || undefined,
    apiBaseUrl: env.CRD_SOURCES_API_URL || undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--raw-base-url") options.rawBaseUrl = value();
    else if (flag === "--api-base-url") options.apiBaseUrl = value();
    else if (flag === "--repo-root") options.repoRoot = path.resolve(value());
    else throw new Error(`unknown argument ${argv[i]} (known: --raw-base-url URL, --api-base-url URL, --repo-root DIR)`);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2), process.env);
  const manifest = await updateVendored(options);
  for (const f of manifest.files) console.log(`${f.file}  ${f.repository}@${f.ref}  sha256 ${f.sha256}`);
  console.log("Wrote schemas/sources.json. Run npm test: the conformance tests now use these files.");
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`update:crds: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
