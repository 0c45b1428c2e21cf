/**
 * The secret scan every program run under the engine mocks goes through (./engine runProgram):
 * no secret the run was given or generated — nor its base64, nor its first 8 characters — may
 * appear in a log line, console output, a failed run's error, or outside a secret wrapper in any
 * registered input, component output or stack output. The scan is not optional: a run that leaks
 * fails with SecretLeakError, so no test can forget to look.
 */
import { format } from "node:util";

/** Shortest prefix of a secret that counts as a leak (`token.slice(0, 8)` in a log line). */
export const minimumPrefixLength = 8;

/** A secret to look for, with a label that says where it came from (never the value itself). */
export interface KnownSecret {
  readonly label: string;
  readonly value: string;
}

/** What to look for of one secret, as [text, how the report names it], most telling first. */
type Needles = readonly (readonly [string, string])[];

/**
 * Fields of a stored secret's data that hold public values: the public halves of key pairs, the
 * cluster CA, and the GitHub App's numeric IDs (Flux's git auth Secret keeps them beside the
 * private key, fluxcd/pkg git/github).
 */
const publicFields = new Set(["identity.pub", "known_hosts", "ca.crt", "githubAppID", "githubAppInstallationID"]);

/**
 * True if a field of a stored secret (Vault KV, Kubernetes Secret) holds a public value: a public
 * field by name, or a value shorter than the prefix length (IDs and flags stored beside secrets,
 * which a scan would find everywhere). Secrets a test supplies are held to the length instead
 * (checkScannable), so this cannot hide one.
 */
export function isPublicField(field: string, value: string): boolean {
  return publicFields.has(field) || field.endsWith(".pub") || value.length < minimumPrefixLength;
}

/**
 * The part of a secret whose start identifies it: a PEM armor line ("-----BEGIN … KEY-----") and a
 * URL up to its last "/" (a webhook's host and path) are shared with public values, so a prefix is
 * taken after them; in a kubeconfig, the prefix is its client key's (or token's).
 */
function distinctivePart(secret: string): string {
  // A kubeconfig is public YAML around its credentials: its start identifies nothing, its key does.
  if (/^apiVersion:/.test(secret)) {
    const credential = /(?:client-key-data|token):\s*([^\s}]+)/.exec(secret);
    return credential === null ? "" : credential[1];
  }
  let body = secret.replace(/^-----BEGIN [A-Z0-9 ]+-----\s*/, "");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(body)) body = body.slice(body.lastIndexOf("/") + 1);
  return body.trimStart();
}

function needlesOf(secrets: readonly KnownSecret[]): Needles[] {
  const seen = new Set<string>();
  const needles: Needles[] = [];
  for (const { label, value } of secrets) {
    if (value === "" || seen.has(value)) continue;
    seen.add(value);
    const forms: (readonly [string, string])[] = [
      [value, label],
      [Buffer.from(value).toString("base64"), `${label} (base64)`],
    ];
    const distinctive = distinctivePart(value);
    if (distinctive.length >= minimumPrefixLength) forms.push([distinctive.slice(0, minimumPrefixLength), `${label} (first ${minimumPrefixLength} characters)`]);
    needles.push(forms);
  }
  return needles;
}

/** Thrown by a run that leaked a secret; the message names where and which, never the value. */
export class SecretLeakError extends Error {
  constructor(
    readonly leaks: readonly string[],
    readonly runError?: unknown,
  ) {
    super(
      `The run leaked secrets (${leaks.length}):\n${leaks.map((leak) => `  - ${leak}`).join("\n")}` +
        (runError === undefined ? "" : `\nThe run also failed: ${runError instanceof Error ? runError.name : "error"}`),
    );
    this.name = "SecretLeakError";
  }
}

/**
 * Refuses secrets a scan could not find reliably: a value shorter than the prefix length would
 * match unrelated text, so tests must use distinctive values (the empty string is "not set").
 */
export function checkScannable(secrets: readonly KnownSecret[]): void {
  const short = secrets.filter(({ value }) => value !== "" && value.length < minimumPrefixLength);
  if (short.length > 0) {
    throw new Error(
      `runProgram: the secret scan needs secrets of at least ${minimumPrefixLength} characters; too short: ${short.map((s) => s.label).join(", ")}`,
    );
  }
}

/** Secret leaf values of a JSON secret config value (appSecrets is a JSON object of strings). */
export function secretsOfConfigValue(label: string, value: string): KnownSecret[] {
  const leaves: KnownSecret[] = [{ label, value }];
  try {
    const visit = (node: unknown, at: string) => {
      if (typeof node === "string") leaves.push({ label: at, value: node });
      else if (typeof node === "object" && node !== null) for (const [k, v] of Object.entries(node)) visit(v, `${at}.${k}`);
    };
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === "object" && parsed !== null) visit(parsed, label);
  } catch {
    // Not JSON: the value itself is the secret.
  }
  return leaves;
}

/** One text the run produced in the open: a log line, console output or a failed run's error. */
export interface CapturedLine {
  readonly where: string;
  readonly text: string;
}

/** A value the engine was sent in wire form (secrets wrapped), with where it was sent. */
export interface WireValue {
  readonly where: string;
  readonly value: unknown;
}

export interface ScanInput {
  readonly secrets: readonly KnownSecret[];
  readonly lines: readonly CapturedLine[];
  readonly wireValues: readonly WireValue[];
  /** The strings of a wire value outside secret wrappers, as [property path, text], in walk order. */
  readonly plaintexts: (value: unknown) => readonly (readonly [string, string])[];
}

/**
 * The needle texts found in a text, looked up by their first `minimumPrefixLength` characters: a
 * text costs its length, not its length × the number of needles (a run of 500 apps has 1,500).
 */
function needleFinder(texts: readonly string[]): (text: string) => Set<string> {
  const byHead = new Map<string, string[]>();
  const short = texts.filter((text) => text.length < minimumPrefixLength);
  for (const text of texts) {
    if (text.length < minimumPrefixLength) continue;
    const head = text.slice(0, minimumPrefixLength);
    byHead.set(head, [...(byHead.get(head) ?? []), text]);
  }
  return (text) => {
    const found = new Set(short.filter((needle) => text.includes(needle)));
    for (let at = 0; at + minimumPrefixLength <= text.length; at++) {
      for (const needle of byHead.get(text.slice(at, at + minimumPrefixLength)) ?? []) if (text.startsWith(needle, at)) found.add(needle);
    }
    return found;
  };
}

/** Every leak, as "<where>: <which secret>"; [] if the run leaked nothing. */
export function findLeaks({ secrets, lines, wireValues, plaintexts }: ScanInput): string[] {
  const needles = needlesOf(secrets);
  const find = needleFinder(needles.flatMap((forms) => forms.map(([text]) => text)));
  const leaks: string[] = [];
  // Each secret is reported once per place, in its most telling form (whole, base64, prefix).
  for (const line of lines) {
    const found = find(line.text);
    for (const forms of needles) {
      const form = forms.find(([text]) => found.has(text));
      if (form !== undefined) leaks.push(`${line.where}: ${form[1]}`);
    }
  }
  for (const { where, value } of wireValues) {
    // Where each needle appears in this value, in walk order.
    const pathsOf = new Map<string, string[]>();
    for (const [at, text] of plaintexts(value)) for (const needle of find(text)) pathsOf.set(needle, [...(pathsOf.get(needle) ?? []), at]);
    if (pathsOf.size === 0) continue;
    for (const forms of needles) {
      const reported = new Set<string>();
      for (const [text, name] of forms) {
        for (const at of pathsOf.get(text) ?? []) {
          if (reported.has(at)) continue;
          reported.add(at);
          leaks.push(`${where} ${at}: ${name}`);
        }
      }
    }
  }
  return leaks;
}

/** Formats console arguments as Node prints them. */
export function consoleLine(args: readonly unknown[]): string {
  return format(...args);
}
