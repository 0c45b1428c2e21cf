/**
 * Pure validators for the names and formats users type into stack config. Each returns an error
 * message (what is expected) or undefined, so config.ts can collect every problem before anything
 * is registered and tests can exercise them without Pulumi's runtime.
 */
import { X509Certificate } from "node:crypto";

/** RFC 1123 label: what Kubernetes requires of namespace and most object names. */
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain: what Kubernetes requires of Secret and custom resource names. */
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters (got ${value.length})`;
  if (!dns1123Label.test(value)) {
    return `must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (got "${value}")`;
  }
  return undefined;
}

export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return `must be at most 253 characters (got ${value.length})`;
  if (!dns1123Subdomain.test(value)) {
    return `must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.' (got "${value}")`;
  }
  return undefined;
}

/** Namespaces every cluster already has: creating them fails, deleting them is worse. */
export const builtInNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

/** A namespace this program may create (and delete on destroy). */
export function managedNamespaceProblem(value: string): string | undefined {
  if ((builtInNamespaces as readonly string[]).includes(value)) {
    return `must not be a namespace Kubernetes creates itself (${builtInNamespaces.join(", ")}): this stack would try to create and later delete it (got "${value}")`;
  }
  return dns1123LabelProblem(value);
}

/** GitHub user/organisation names: alphanumerics and single hyphens, not at either end, ≤ 39. */
export function githubOwnerProblem(value: string): string | undefined {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(value)) {
    return `must be a GitHub user or organisation name: letters, digits and single hyphens, not starting or ending with '-', at most 39 characters (got "${value}")`;
  }
  return undefined;
}

/** GitHub repository names: letters, digits, '.', '-', '_', ≤ 100, and not "." or "..". */
export function githubRepositoryProblem(value: string): string | undefined {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(value) || value === "." || value === "..") {
    return `must be a GitHub repository name: letters, digits, '.', '-' and '_' only, at most 100 characters (got "${value}")`;
  }
  if (value.endsWith(".git")) return `must be the repository name without ".git" (got "${value}")`;
  return undefined;
}

/** A branch name as `git check-ref-format --branch` accepts it (the subset that matters here). */
export function gitBranchProblem(value: string): string | undefined {
  const bad =
    value.length === 0 ||
    /[\s~^:?*[\\]/.test(value) ||
    [...value].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f) ||
    value.includes("..") ||
    value.includes("@{") ||
    value.includes("//") ||
    value.startsWith("-") ||
    value.startsWith("/") ||
    value.endsWith("/") ||
    value.endsWith(".") ||
    value.endsWith(".lock") ||
    value.startsWith("refs/") ||
    value === "@";
  if (bad) {
    return `must be a git branch name without spaces, '..', '~', '^', ':', '?', '*', '[' or '\\', not starting with '-', '/' or 'refs/' (got "${value}")`;
  }
  return undefined;
}

/** A path inside the repository, as Flux's Kustomization takes it: relative, no spaces, no '..'. */
export function repositoryPathProblem(value: string): string | undefined {
  const segments = value.replace(/^\.\//, "").split("/");
  const bad =
    value.length === 0 ||
    /\s/.test(value) ||
    value.startsWith("/") ||
    segments.some((segment) => segment === "..") ||
    !/^[A-Za-z0-9._/-]+$/.test(value);
  if (bad) {
    return `must be a relative path in the repository such as "clusters/staging": letters, digits, '.', '_', '-' and '/', no spaces, no leading '/', no '..' (got "${value}")`;
  }
  return undefined;
}

/** Go durations as Flux and ESO parse them ("30s", "1h30m"); "1 hour" is a common mistake. */
const goDuration = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

export function durationProblem(value: string): string | undefined {
  if (!goDuration.test(value)) {
    return `must be a duration such as "30s", "10m" or "1h30m" (units ms, s, m, h; no spaces) (got "${value}")`;
  }
  if (durationSeconds(value) <= 0) return `must be longer than zero (got "${value}")`;
  return undefined;
}

/** Seconds in a Go duration that passed durationProblem. */
export function durationSeconds(value: string): number {
  const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const match of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    total += Number(match[1]) * unitSeconds[match[2]];
  }
  return total;
}

/** A host name (no scheme, no path), e.g. for the webhook Ingress. */
export function hostnameProblem(value: string): string | undefined {
  if (value.length > 253 || !/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(value)) {
    return `must be a lowercase DNS host name such as "flux-webhook.example.com", without scheme or path (got "${value}")`;
  }
  return undefined;
}

/**
 * Hosts that only resolve inside a cluster. The machine running `pulumi up` cannot reach them, so a
 * provider pointed there fails on every run (while ESO, running in the cluster, can use them).
 */
export function isClusterInternalHost(host: string): boolean {
  const h = host.toLowerCase();
  const shortServiceName = !h.includes(".") && h !== "localhost";
  return h.endsWith(".svc") || h.includes(".svc.") || h.endsWith(".cluster.local") || shortServiceName;
}

/** An http(s) URL the operator's machine can reach. */
export function reachableUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an http(s) URL such as "https://vault.example.com:8200" (got "${value}")`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `must use http or https (got "${value}")`;
  }
  if (isClusterInternalHost(url.hostname)) {
    return `must be reachable from the machine that runs pulumi (an Ingress, load balancer or port-forward such as "http://127.0.0.1:8200"), not the in-cluster address "${url.hostname}"`;
  }
  return undefined;
}

/** An http(s) URL; in-cluster addresses allowed (for consumers that run in the cluster). */
export function urlProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === "https:" || url.protocol === "http:") return undefined;
  } catch {
    // fall through
  }
  return `must be an http(s) URL such as "http://vault.vault.svc:8200" (got "${value}")`;
}

/** IPv4 CIDR such as 10.42.0.0/16. */
export function cidrProblem(value: string): string | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match || match.slice(1, 5).some((octet) => Number(octet) > 255) || Number(match[5]) > 32) {
    return `must be an IPv4 CIDR such as "10.42.0.0/16" (got "${value}")`;
  }
  return undefined;
}

/** A Kubernetes Secret data key (also the Vault KV field name). */
export function secretKeyProblem(value: string): string | undefined {
  if (!/^[-._a-zA-Z0-9]{1,253}$/.test(value)) {
    return `must be a Kubernetes Secret key: letters, digits, '-', '_' and '.' (got "${value}")`;
  }
  return undefined;
}

/** The environment variable that can carry an app secret: APP_<APP>_<KEY>, upper-cased, '-'/'.' → '_'. */
export function appSecretEnvVar(app: string, key: string): string {
  return `APP_${app}_${key}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/** True for URLs only a port-forward serves: no Ingress is made for them and no certificate is needed. */
export function isLoopbackUrl(address: string): boolean {
  const host = new URL(address).hostname;
  return host === "localhost" || host.startsWith("127.") || host === "[::1]";
}

/** One or more PEM certificates (a CA bundle) that Node can parse. */
export function pemCertificateProblem(value: string): string | undefined {
  const blocks = value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const unparsable = blocks.filter((block) => {
    try {
      new X509Certificate(block);
      return false;
    } catch {
      return true;
    }
  });
  if (blocks.length === 0 || unparsable.length > 0) {
    return 'must be one or more PEM certificates ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----"), e.g. the CA that signed the host\'s certificate';
  }
  return undefined;
}
