/**
 * Pure validators for the names and formats users type into stack config. Each returns an error
 * message (what is expected) or undefined, so config.ts can collect every problem before anything
 * is registered and tests can exercise them without Pulumi's runtime.
 */
import { X509Certificate } from "node:crypto";
import { systemNamespaces } from "./kubernetes";
import {
  compareVersions,
  externalSecretsApi,
  fluxBundledBy,
  fluxFirstBundledBy,
  matchesFluxVersion,
  newestCheckedFluxOperator,
  parseVersion,
} from "./versions";

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
 * Hosts that never leave the machine: localhost and names under it (RFC 6761 §6.3 reserves
 * `.localhost` for loopback; systemd-resolved answers them so, as k3d's port mappings rely on),
 * 127.0.0.0/8 and ::1 (as URL.hostname gives them).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "[::1]" || h === "::1";
}

/**
 * A machine's address as SSH and TLS take it: an IPv4 or IPv6 address, or a DNS name (letters in any
 * case, digits, '-', '.'). Nothing else, so the value cannot smuggle a scheme, port, path, newline
 * or shell syntax into a kubeconfig, a k3s config file or a resource name.
 */
export function hostProblem(value: string): string | undefined {
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (ipv4 !== null) {
    return ipv4.slice(1).every((octet) => Number(octet) <= 255) ? undefined : `must be a valid IPv4 address (got ${JSON.stringify(value)})`;
  }
  if (value.includes(":") && /^[0-9A-Fa-f:.]+$/.test(value)) {
    try {
      new URL(`https://[${value}]/`);
      return undefined;
    } catch {
      return `must be a valid IPv6 address (got ${JSON.stringify(value)})`;
    }
  }
  const label = "[A-Za-z0-9](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?";
  if (value.length <= 253 && new RegExp(`^${label}(?:\\.${label})*$`).test(value) && !/^[0-9.]+$/.test(value)) return undefined;
  return `must be a host name or IP address such as "k8s.example.com" or "10.0.0.1", without scheme, port, path or spaces (got ${JSON.stringify(value)})`;
}

/**
 * Hosts that only resolve inside a cluster. The machine running `pulumi up` cannot reach them, so a
 * provider pointed there fails on every run (while ESO, running in the cluster, can use them).
 */
export function isClusterInternalHost(host: string): boolean {
  const h = host.toLowerCase();
  // IPv6 literals ("[::1]") have no dots either, but are addresses, not service names.
  const shortServiceName = !h.includes(".") && !h.includes(":") && h !== "localhost";
  return h.endsWith(".svc") || h.includes(".svc.") || h.endsWith(".cluster.local") || shortServiceName;
}

/**
 * Credentials, a query or a fragment in a URL: they would be sent to and logged by every proxy, and a
 * URL from config reaches stack outputs (e.g. `vaultAddress`) in plain text. Never echoes the value.
 */
function urlPartsProblem(url: URL): string | undefined {
  if (url.username !== "" || url.password !== "") {
    return "must not carry credentials (user:password@): they would reach stack outputs and logs in plain text; give tokens through their secret config keys";
  }
  if (url.search !== "" || url.hash !== "") return "must not carry a query or fragment (\"?…\", \"#…\")";
  return undefined;
}

/**
 * An http(s) URL the operator's machine can reach, and over which a Vault token may travel: https,
 * or plain http only to a loopback address (a port-forward), since the token would cross the network
 * in cleartext.
 */
export function reachableUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an http(s) URL such as "https://vault.example.com:8200" (got "${value}")`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `must use http or https (got "${url.protocol}")`;
  }
  const parts = urlPartsProblem(url);
  if (parts !== undefined) return parts;
  if (isClusterInternalHost(url.hostname)) {
    return `must be reachable from the machine that runs pulumi (an Ingress, load balancer or port-forward such as "http://127.0.0.1:8200"), not the in-cluster address "${url.hostname}"`;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return `must use https: the Vault token would cross the network in cleartext over http (plain http only to a loopback port-forward such as "http://127.0.0.1:8200"; got host "${url.hostname}")`;
  }
  return undefined;
}

/** An http(s) URL; in-cluster addresses allowed (for consumers that run in the cluster). */
export function urlProblem(value: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // fall through
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return `must be an http(s) URL such as "${inClusterVaultAddress}" (got "${url === undefined ? value : url.protocol}")`;
  }
  return urlPartsProblem(url);
}

/** The in-cluster Vault's address: the chart's Service "vault" in namespace "vault", port 8200, plain http inside the cluster. */
export const inClusterVaultAddress = "http://vault.vault.svc:8200";

/**
 * The Vault address ESO uses from inside the cluster: ESO sends service account tokens there and
 * receives every secret back, so plain http only to an in-cluster service name or loopback (traffic
 * that stays in the cluster network), https otherwise.
 */
export function inClusterUrlProblem(value: string): string | undefined {
  const problem = urlProblem(value);
  if (problem !== undefined) return problem;
  const url = new URL(value);
  if (url.protocol === "http:" && !isClusterInternalHost(url.hostname) && !isLoopbackHost(url.hostname)) {
    return `must use https for a host outside the cluster: secrets would cross the network in cleartext (plain http only to a service name such as "${inClusterVaultAddress}"; got host "${url.hostname}")`;
  }
  return undefined;
}

/** Paths Vault reserves for itself: no secrets engine can be mounted there (sys/, auth/, identity/, cubbyhole/). */
const reservedVaultMounts = ["sys", "auth", "identity", "cubbyhole"];

/** A KV secrets-engine mount path: one lowercase segment Vault does not reserve. */
export function kvMountProblem(value: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(value)) return `must be a Vault mount path such as "gitops" (got "${value}")`;
  if (reservedVaultMounts.includes(value)) return `must not be a path Vault reserves (${reservedVaultMounts.join(", ")}) (got "${value}")`;
  return undefined;
}

/** A Kubernetes auth mount path: a label, and not "token" (Vault's own token auth lives at auth/token). */
export function authMountProblem(value: string): string | undefined {
  if (value === "token") return 'must not be "token": Vault\'s token auth method is mounted there';
  return dns1123LabelProblem(value);
}

/**
 * The Kubernetes API URL as Vault reaches it: Vault sends the token reviewer's JWT and every login's
 * service account token there, so https (plain http only to loopback).
 */
export function kubernetesApiUrlProblem(value: string): string | undefined {
  const problem = urlProblem(value);
  if (problem !== undefined) return problem;
  const url = new URL(value);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return `must use https: Vault sends service account tokens to it (got host "${url.hostname}" over http)`;
  }
  return undefined;
}

/** A Vault KV path prefix: lowercase segments joined by single "/" (no leading, trailing or empty segment). */
export function kvPathPrefixProblem(value: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/.test(value) || /[_-]$/.test(value)) {
    return `must be a KV path prefix such as "clusters/staging": lowercase segments of letters, digits, '_' and '-', joined by single '/', no leading or trailing '/' (got "${value}")`;
  }
  return undefined;
}

/** An OCI registry (host[:port][/path]) as FluxInstance's distribution.registry takes it: no scheme, no credentials. */
export function registryProblem(value: string): string | undefined {
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/.test(value)) {
    return 'must be an image registry such as "ghcr.io/fluxcd": host[:port][/path], lowercase, without scheme or credentials (pull credentials go in a pull secret)';
  }
  return undefined;
}

/** IPv4 CIDR such as 10.42.0.0/16. */
export function cidrProblem(value: string): string | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match || match.slice(1, 5).some((octet) => Number(octet) > 255) || Number(match[5]) > 32) {
    return `must be an IPv4 CIDR such as "10.42.0.0/16" (got "${value}")`;
  }
  return undefined;
}

/** A Kubernetes Secret data key (also the Vault KV field name), as the API server's IsConfigMapKey accepts it. */
export function secretKeyProblem(value: string): string | undefined {
  if (!/^[-._a-zA-Z0-9]{1,253}$/.test(value)) {
    return `must be a Kubernetes Secret key: letters, digits, '-', '_' and '.' (got "${value}")`;
  }
  if (value === "." || value.startsWith("..")) return `must not be "." or start with ".." (got "${value}")`;
  return undefined;
}

/** The environment variable that can carry an app secret: APP_<APP>_<KEY>, upper-cased, '-'/'.' → '_'. */
export function appSecretEnvVar(app: string, key: string): string {
  return `APP_${app}_${key}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/** Namespaces the bootstrap itself runs in (Flux's credentials, Vault's root material, ESO). */
export const bootstrapNamespaces: readonly string[] = Object.values(systemNamespaces);

/**
 * A namespace for apps, Cloudflare or extra use: managed (see managedNamespaceProblem) and not one the
 * bootstrap runs in, where an app's workloads would sit next to Flux's credentials or Vault's keys.
 */
export function tenantNamespaceProblem(value: string): string | undefined {
  if (bootstrapNamespaces.includes(value)) {
    return `must not be one of the namespaces the bootstrap itself runs in (${bootstrapNamespaces.join(", ")}): workloads there would share it with Flux's credentials or Vault's keys (got "${value}")`;
  }
  return managedNamespaceProblem(value);
}

/** Where a config list has an entry twice: one message per repeat, by index. */
export function duplicateEntries(values: readonly string[]): { index: number; message: string }[] {
  const seen = new Map<string, number>();
  const repeats: { index: number; message: string }[] = [];
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else repeats.push({ index, message: `repeats "${value}" (already at [${first}])` });
  });
  return repeats;
}

/** An app as the collision checks see it. */
export interface AppNames {
  readonly name: string;
  readonly namespace: string;
  readonly keys: readonly string[];
}

/**
 * App secrets whose environment variables collide (APP_<APP>_<KEY> maps '-' and '.' to '_', so app
 * "a-b" key "c" and app "a" key "b-c", or keys "api-key" and "api_key", share one variable and one
 * value would land in both). One message per later colliding key, naming both.
 */
export function appEnvVarCollisions(apps: readonly AppNames[]): { app: number; key: number; message: string }[] {
  const owners = new Map<string, { app: string; key: string }>();
  const collisions: { app: number; key: number; message: string }[] = [];
  apps.forEach((app, appIndex) =>
    app.keys.forEach((key, keyIndex) => {
      const variable = appSecretEnvVar(app.name, key);
      const owner = owners.get(variable);
      if (owner === undefined) {
        owners.set(variable, { app: app.name, key });
      } else if (owner.app !== app.name || owner.key !== key) {
        collisions.push({
          app: appIndex,
          key: keyIndex,
          message: `key "${key}" of app "${app.name}" and key "${owner.key}" of app "${owner.app}" both read the variable ${variable}: rename one`,
        });
      }
    }),
  );
  return collisions;
}

/**
 * Apps whose namespace and name join (with '-') to the same string, e.g. app "c" in "a-b" and app
 * "b-c" in "a": resource names built from them would collide (the engine refuses a duplicate URN in
 * the middle of a run).
 */
export function appNameCollisions(apps: readonly AppNames[]): { app: number; message: string }[] {
  const owners = new Map<string, AppNames>();
  const collisions: { app: number; message: string }[] = [];
  apps.forEach((app, index) => {
    const joined = `${app.namespace}-${app.name}`;
    const owner = owners.get(joined);
    if (owner === undefined) owners.set(joined, app);
    else if (owner.namespace !== app.namespace || owner.name !== app.name) {
      collisions.push({
        app: index,
        message: `app "${app.name}" in namespace "${app.namespace}" and app "${owner.name}" in namespace "${owner.namespace}" both make the name "${joined}": rename one`,
      });
    }
  });
  return collisions;
}

/**
 * Why a flux-operator release cannot install the requested Flux, or undefined when its image bundles
 * a matching version. Without one the FluxInstance never becomes Ready: the operator answers "no
 * match found for semver" (flux-operator internal/builder/semver.go). A `distribution.artifact` does
 * not widen the choice: since v0.54.0 the operator only selects Flux minors its image embeds
 * (flux-operator commit 79a3905; docs/api/v1/fluxinstance.md, "Distribution artifact").
 * `keys` are the full config keys of the two settings, for the message.
 */
export function fluxDistributionProblem(
  operatorVersion: string,
  distributionVersion: string,
  keys: { readonly operator: string; readonly distribution: string },
): string | undefined {
  // A malformed version has its own message (config.ts): say nothing more about it here.
  if (parseVersion(operatorVersion) === undefined || !/^\d+\.(\d+|x)\.(\d+|x)$/.test(distributionVersion)) return undefined;
  const bundled = fluxBundledBy(operatorVersion);
  if (bundled.some((version) => matchesFluxVersion(distributionVersion, version))) return undefined;
  const minors = [...new Set(bundled.map((version) => version.split(".").slice(0, 2).join(".")))].reverse().map((minor) => `"${minor}.x"`);
  const instead = `, or set ${keys.distribution} to one it bundles (${minors.join(", ")})`;
  const known = Object.keys(fluxFirstBundledBy).filter((version) => matchesFluxVersion(distributionVersion, version));
  if (known.length === 0) {
    const operator = parseVersion(operatorVersion);
    const newest = parseVersion(newestCheckedFluxOperator) as readonly [number, number, number];
    if (operator !== undefined && compareVersions(operator, newest) > 0) {
      return (
        `"${distributionVersion}" is not a Flux version components/versions.ts knows (checked up to flux-operator ${newestCheckedFluxOperator}): ` +
        `add what flux-operator ${operatorVersion} (${keys.operator}) bundles there (config/data/flux at tag v${operatorVersion})${instead}`
      );
    }
    return `no flux-operator release bundles Flux "${distributionVersion}", so the FluxInstance would never become Ready; set it to one that flux-operator ${operatorVersion} (${keys.operator}) bundles: ${minors.join(", ")}`;
  }
  const firstOperator = known
    .map((version) => fluxFirstBundledBy[version])
    .sort((a, b) => compareVersions(parseVersion(a) as readonly [number, number, number], parseVersion(b) as readonly [number, number, number]))[0];
  const range = bundled.length > 0 ? `Flux ${bundled[0]} … ${bundled[bundled.length - 1]} only` : "no Flux version this project knows";
  return (
    `flux-operator ${operatorVersion} (${keys.operator}) bundles ${range}, so Flux "${distributionVersion}" would never install ` +
    `(the FluxInstance never becomes Ready). Set ${keys.operator} to ${firstOperator} or newer${instead}`
  );
}

/** Why an External Secrets chart cannot serve the API version this program writes, or undefined. */
export function externalSecretsChartProblem(chartVersion: string): string | undefined {
  const chart = parseVersion(chartVersion);
  const first = parseVersion(externalSecretsApi.firstServedByChart) as readonly [number, number, number];
  if (chart === undefined || compareVersions(chart, first) >= 0) return undefined;
  return (
    `chart ${chartVersion} does not serve ${externalSecretsApi.apiVersion}, which this program writes: use ` +
    `${externalSecretsApi.firstServedByChart} or newer (v1beta1 stopped being served in 0.17.0)`
  );
}

/** An Ingress the stack creates: the config key that asks for it, and its class (undefined: the default class). */
export interface PlannedIngress {
  readonly key: string;
  readonly className?: string;
}

/**
 * Why a k3s cluster this stack installs cannot serve the stack's Ingresses ([] when it can).
 * `disable` is cluster.k3s.disable. k3s ships one Ingress controller (Traefik) and one load
 * balancer (servicelb, which publishes the nodes' addresses for Traefik's LoadBalancer Service).
 * Without servicelb nothing gives Traefik an address: nothing answers on 80/443, and
 * pulumi-kubernetes' Ingress await, which waits for `.status.loadBalancer.ingress`
 * (pulumi-kubernetes provider/pkg/await/ingress.go: ingressReady = len(Status.LoadBalancer.Ingress) > 0),
 * runs until its timeout.
 */
export function k3sIngressProblems(disable: readonly string[], ingresses: readonly PlannedIngress[]): string[] {
  if (ingresses.length === 0) return [];
  const keys = ingresses.map((ingress) => ingress.key).join(" and ");
  const problems: string[] = [];
  const onTraefik = ingresses.filter((ingress) => ingress.className === undefined || ingress.className === "traefik");
  if (disable.includes("traefik") && onTraefik.length > 0) {
    problems.push(
      `lists "traefik", the only Ingress controller k3s ships, but ${onTraefik.map((ingress) => ingress.key).join(" and ")} ` +
        `need an Ingress of class "traefik" (or the default class): remove "traefik" from it`,
    );
  }
  if (disable.includes("servicelb")) {
    problems.push(
      `lists "servicelb", and nothing else in a cluster this stack installs gives Traefik's LoadBalancer Service an address, ` +
        `so nothing answers for ${keys}: pulumi-kubernetes waits for the Ingress's .status.loadBalancer.ingress until it times out. ` +
        `Remove "servicelb" from it (k3s's servicelb publishes the nodes' addresses and serves ports 80 and 443 on them)`,
    );
  }
  return problems;
}

/**
 * True for URLs only a port-forward serves (localhost, 127.0.0.0/8, ::1): no Ingress is made for
 * them and no certificate is needed. Names under `.localhost` also stay on the machine but reach
 * the cluster's Ingress (k3d maps its ports there), so they get an Ingress like any other host.
 */
export function isPortForwardUrl(address: string): boolean {
  const host = new URL(address).hostname.toLowerCase();
  return !host.endsWith(".localhost") && isLoopbackHost(host);
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

/** One problem with a config object, at a field path inside it. */
export interface FieldProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * What the machine running pulumi needs to trust Vault, and what only an in-cluster Vault has: an
 * in-cluster Vault behind the cluster's Ingress needs a real certificate; TLS and seal settings
 * apply only in-cluster. An unreachable address is reported on `address` itself, not here.
 */
export function vaultTrustProblems(vault: {
  readonly mode: "in-cluster" | "external";
  readonly address: string;
  readonly tls?: { readonly secretName?: string; readonly certManagerIssuer?: string };
  readonly seal?: unknown;
}): FieldProblem[] {
  if (reachableUrlProblem(vault.address) !== undefined) return [];
  const problems: FieldProblem[] = [];
  const certificateSource = vault.tls?.secretName ?? vault.tls?.certManagerIssuer;
  // Plain http is only accepted to loopback (reachableUrlProblem); it needs no certificate.
  const needsCertificate = new URL(vault.address).protocol === "https:" && !isPortForwardUrl(vault.address);
  if (vault.mode === "in-cluster" && needsCertificate && certificateSource === undefined) {
    problems.push({
      path: ["tls"],
      message:
        "needs secretName (a kubernetes.io/tls Secret for the host in namespace vault) or certManagerIssuer (a cert-manager ClusterIssuer " +
        "running in the cluster) when address is served by the cluster's Ingress: otherwise Traefik serves its self-signed default " +
        "certificate and the first Vault call fails with an x509 error",
    });
  }
  if (vault.mode === "external") {
    for (const key of ["secretName", "certManagerIssuer"] as const) {
      if (vault.tls?.[key] !== undefined) {
        problems.push({ path: ["tls", key], message: 'applies only when mode is "in-cluster" (an external Vault serves its own certificate)' });
      }
    }
    if (vault.seal !== undefined) problems.push({ path: ["seal"], message: 'applies only when mode is "in-cluster"' });
  }
  return problems;
}

/** Whether an address is served through the cluster's Ingress (not a loopback port-forward); false when it is no URL. */
export function isBehindIngress(address: string): boolean {
  try {
    return !isPortForwardUrl(address);
  } catch {
    return false;
  }
}

/** A host listed twice among a k3s cluster's servers and agents: host names ignore case, and each host runs one k3s. */
export function repeatedK3sHosts(k3s: { readonly servers: readonly { host: string }[]; readonly agents: readonly { host: string }[] }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, string>();
  for (const [role, hosts] of [["servers", k3s.servers], ["agents", k3s.agents]] as const) {
    hosts.forEach((host, index) => {
      const earlier = seen.get(host.host.toLowerCase());
      if (earlier !== undefined) {
        problems.push({ path: [role, index, "host"], message: `lists "${host.host}" twice (also as "${earlier}"; host names ignore case): each host runs one k3s` });
      }
      seen.set(host.host.toLowerCase(), host.host);
    });
  }
  return problems;
}

/** The Kubernetes API as an in-cluster Vault reaches it: the API server's Service. */
export const inClusterKubernetesApi = "https://kubernetes.default.svc";
