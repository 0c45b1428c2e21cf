import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { z } from "zod";
import {
  appEnvVarCollisions,
  appNameCollisions,
  appSecretEnvVar,
  authMountProblem,
  cidrProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  duplicateEntries,
  durationProblem,
  durationSeconds,
  externalSecretsChartProblem,
  fluxDistributionProblem,
  gitBranchProblem,
  githubOwnerProblem,
  githubRepositoryProblem,
  hostnameProblem,
  inClusterUrlProblem,
  inClusterVaultAddress,
  kubernetesApiUrlProblem,
  kvMountProblem,
  kvPathPrefixProblem,
  k3sIngressProblems,
  hostProblem,
  isLoopbackUrl,
  pemCertificateProblem,
  reachableUrlProblem,
  registryProblem,
  repositoryPathProblem,
  secretKeyProblem,
  tenantNamespaceProblem,
  urlProblem,
} from "./validation";

/** The Pulumi project name; also the namespace of every config key below. */
export const projectName = "gitops-bootstrap";

// ---------------------------------------------------------------------------------------------
// Schema of the structured (non-secret) keys. Defaults live here and are mirrored in Pulumi.yaml.
// ---------------------------------------------------------------------------------------------

/** Turns one of the pure validators into a zod refinement that reports its own message. */
function check(problem: (value: string) => string | undefined) {
  return (value: string, ctx: z.RefinementCtx) => {
    const message = problem(value);
    if (message !== undefined) ctx.addIssue({ code: "custom", message });
  };
}

const label = z.string().superRefine(check(dns1123LabelProblem));
const secretName = z.string().superRefine(check(dns1123SubdomainProblem));
const namespace = z.string().superRefine(check(tenantNamespaceProblem));
const duration = z.string().superRefine(check(durationProblem));
const generation = z.number().int().min(1);

const sshHost = z.strictObject({
  host: z.string().superRefine(check(hostProblem)),
  user: z.string().min(1).default("root"),
  port: z.number().int().min(1).max(65535).default(22),
});

const k3sSchema = z
  .strictObject({
    version: z.string().regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, 'must be a k3s release such as "v1.33.5+k3s1"'),
    servers: z.array(sshHost).min(1, "must list at least one server host"),
    agents: z.array(sshHost).default([]),
    apiEndpoint: z.string().superRefine(check(hostProblem)).optional(),
    tlsSans: z.array(z.string().min(1)).default([]),
    disable: z
      .array(z.enum(["traefik", "servicelb", "local-storage", "metrics-server", "coredns"]))
      // k3s's own default: Traefik and servicelb serve the stack's Ingresses (see k3sIngressProblems).
      .default([]),
    clusterCidr: z.string().superRefine(check(cidrProblem)).default("10.42.0.0/16"),
    serviceCidr: z.string().superRefine(check(cidrProblem)).default("10.43.0.0/16"),
  })
  .superRefine((k3s, ctx) => {
    // Host names are case-insensitive: "Node1" and "node1" are one machine.
    const seen = new Map<string, string>();
    for (const [role, hosts] of [["servers", k3s.servers], ["agents", k3s.agents]] as const) {
      hosts.forEach((host, index) => {
        const earlier = seen.get(host.host.toLowerCase());
        if (earlier !== undefined) {
          ctx.addIssue({ code: "custom", path: [role, index, "host"], message: `lists "${host.host}" twice (also as "${earlier}"; host names ignore case): each host runs one k3s` });
        }
        seen.set(host.host.toLowerCase(), host.host);
      });
    }
  });

const clusterSchema = z
  .strictObject({
    mode: z.enum(["existing", "k3s"]),
    context: z.string().min(1).optional(),
    k3s: k3sSchema.optional(),
  })
  .superRefine((cluster, ctx) => {
    if (cluster.mode === "k3s" && cluster.k3s === undefined) {
      ctx.addIssue({ code: "custom", path: ["k3s"], message: 'is required when mode is "k3s"' });
    }
    if (cluster.mode === "existing" && cluster.k3s !== undefined) {
      ctx.addIssue({ code: "custom", path: ["k3s"], message: 'must not be set when mode is "existing" (nothing would install k3s): remove it, or set mode to "k3s"' });
    }
    if (cluster.mode === "k3s" && cluster.context !== undefined) {
      ctx.addIssue({ code: "custom", path: ["context"], message: 'applies only when mode is "existing" (k3s mode uses the kubeconfig it installs): remove it' });
    }
  });

/** The status checks of .github/workflows/preview.yml today: each job's `name` (matrix expanded). */
const previewWorkflowChecks = ["typecheck, lint, test", "preview staging", "preview prod"] as const;

const protectionSchema = z.strictObject({
  enabled: z.boolean().default(false),
  requiredReviews: z.number().int().min(0).max(10).default(1),
  requireSignedCommits: z.boolean().default(false),
  requiredChecks: z.array(z.string().min(1)).default([...previewWorkflowChecks]),
});

const githubSchema = z
  .strictObject({
    owner: z.string().superRefine(check(githubOwnerProblem)),
    repository: z.string().superRefine(check(githubRepositoryProblem)),
    branch: z.string().superRefine(check(gitBranchProblem)).default("main"),
    path: z.string().superRefine(check(repositoryPathProblem)),
    auth: z.enum(["deployKey", "app"]).default("deployKey"),
    deployKey: z
      .strictObject({
        algorithm: z.enum(["ED25519", "ECDSA"]).default("ED25519"),
        readWrite: z.boolean().default(false),
        rotation: generation.default(1),
      })
      .prefault({}),
    app: z
      .strictObject({
        appId: z.number().int().min(1),
        installationId: z.number().int().min(1),
      })
      .optional(),
    scaffold: z.boolean().default(false),
    protection: protectionSchema.prefault({}),
  })
  .superRefine((github, ctx) => {
    if (github.auth === "app" && github.app === undefined) {
      ctx.addIssue({ code: "custom", path: ["app"], message: 'is required when auth is "app" ({ appId, installationId })' });
    }
  });

/** Controllers beyond the four the FluxInstance installs by default. */
export const extraFluxComponents = ["image-reflector-controller", "image-automation-controller", "source-watcher"] as const;
export const defaultFluxComponents = [
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
] as const;

const fluxSchema = z.strictObject({
  operatorChartVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an exact chart version such as "0.58.1"'),
  distributionVersion: z
    .string()
    .regex(/^\d+\.(\d+|x)\.(\d+|x)$/, 'must be a Flux version or range such as "2.8.x" or "2.8.1"'),
  registry: z.string().superRefine(check(registryProblem)).default("ghcr.io/fluxcd"),
  components: z.array(z.enum(extraFluxComponents)).default([]),
  clusterSize: z.enum(["small", "medium", "large"]).default("medium"),
  multitenant: z.boolean().default(false),
  networkPolicy: z.boolean().default(true),
  syncInterval: duration.default("10m"),
}).superRefine((flux, ctx) => {
  const message = fluxDistributionProblem(flux.operatorChartVersion, flux.distributionVersion, {
    operator: fullKey("flux.operatorChartVersion"),
    distribution: fullKey("flux.distributionVersion"),
  });
  if (message !== undefined) ctx.addIssue({ code: "custom", path: ["distributionVersion"], message });
});

/**
 * How the Vault Ingress gets a certificate the machine running pulumi trusts. Without one, k3s's
 * Traefik serves its self-signed default certificate (k3s manifests/traefik.yaml) and the first
 * Vault call fails with an x509 error.
 */
const vaultTlsSchema = z.strictObject({
  /** A kubernetes.io/tls Secret in namespace vault (yours, or the one cert-manager fills). */
  secretName: label.optional(),
  /** A cert-manager ClusterIssuer already running in the cluster; it fills `secretName`. */
  certManagerIssuer: label.optional(),
  /** PEM CA the Vault clients trust besides the system roots (a private CA). */
  caCertificate: z.string().superRefine(check(pemCertificateProblem)).optional(),
});

/** Shamir key shares made at init (recovery key shares with an auto-unseal seal). */
const vaultUnsealSchema = z
  .strictObject({
    shares: z.number().int().min(1).max(255),
    threshold: z.number().int().min(1).max(255),
  })
  .superRefine((unseal, ctx) => {
    if (unseal.threshold > unseal.shares) {
      ctx.addIssue({ code: "custom", path: ["threshold"], message: `must be at most shares (${unseal.shares})` });
    }
    // Vault refuses a threshold of 1 with several shares (hashicorp/vault SealConfig.Validate).
    if (unseal.shares > 1 && unseal.threshold < 2) {
      ctx.addIssue({ code: "custom", path: ["threshold"], message: "must be at least 2 when shares is more than 1" });
    }
  });

/** Auto-unseal through another Vault's transit engine (rendered as the chart's `seal "transit"` stanza). */
const vaultTransitSealSchema = z.strictObject({
  type: z.literal("transit"),
  /** The transit Vault's address, as the Vault pod reaches it. */
  address: z.string().superRefine(check(urlProblem)),
  keyName: z.string().min(1),
  mountPath: z.string().regex(/^[a-z0-9][a-z0-9_/-]*$/, 'must be a Vault mount path such as "transit"').default("transit"),
  /** A Secret in namespace vault whose key `token` holds the transit token (read by the seal as VAULT_TOKEN). */
  tokenSecretName: label,
});

type VaultSettings = {
  mode: "in-cluster" | "external";
  address: string;
  tls?: z.output<typeof vaultTlsSchema>;
  seal?: z.output<typeof vaultTransitSealSchema>;
};

/** What the machine running pulumi needs to trust Vault, and what only an in-cluster Vault has. */
function checkVaultTrust(vault: VaultSettings, ctx: z.RefinementCtx): void {
  if (reachableUrlProblem(vault.address) !== undefined) return; // reported on address itself
  const loopback = isLoopbackUrl(vault.address);
  const certificateSource = vault.tls?.secretName ?? vault.tls?.certManagerIssuer;
  if (vault.mode === "in-cluster" && !loopback && certificateSource === undefined) {
    ctx.addIssue({
      code: "custom",
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
        ctx.addIssue({ code: "custom", path: ["tls", key], message: 'applies only when mode is "in-cluster" (an external Vault serves its own certificate)' });
      }
    }
    if (vault.seal !== undefined) {
      ctx.addIssue({ code: "custom", path: ["seal"], message: 'applies only when mode is "in-cluster"' });
    }
  }
}

const vaultSchema = z
  .strictObject({
    mode: z.enum(["in-cluster", "external"]),
    address: z.string().superRefine(check(reachableUrlProblem)),
    inClusterAddress: z.string().superRefine(check(inClusterUrlProblem)).optional(),
    chartVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an exact chart version such as "0.31.0"').default("0.31.0"),
    kvMount: z.string().superRefine(check(kvMountProblem)).default("gitops"),
    pathPrefix: z.string().superRefine(check(kvPathPrefixProblem)),
    kubernetesAuthMount: z.string().superRefine(check(authMountProblem)).default("kubernetes"),
    kubernetesHost: z.string().superRefine(check(kubernetesApiUrlProblem)).optional(),
    ingressClassName: label.optional(),
    tls: vaultTlsSchema.optional(),
    unseal: vaultUnsealSchema.default({ shares: 1, threshold: 1 }),
    seal: vaultTransitSealSchema.optional(),
  })
  .superRefine((vault, ctx) => {
    if (vault.mode === "external" && vault.kubernetesHost === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["kubernetesHost"],
        message: "is required when mode is \"external\": the Kubernetes API URL as Vault (outside the cluster) reaches it",
      });
    }
    checkVaultTrust(vault, ctx);
  });

const externalSecretsSchema = z.strictObject({
  chartVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'must be an exact chart version such as "2.9.0"')
    .superRefine(check(externalSecretsChartProblem)),
  storeName: label.default("vault-backend"),
  refreshInterval: duration.default("1h"),
});

const appSchema = z.strictObject({
  name: label,
  namespace,
  keys: z
    .array(z.string().superRefine(check(secretKeyProblem)))
    .min(1, "must list at least one key")
    .refine((keys) => new Set(keys).size === keys.length, "must not list a key twice"),
  refreshInterval: duration.optional(),
});

const webhookSchema = z
  .strictObject({
    host: z.string().superRefine(check(hostnameProblem)),
    ingressClassName: label.optional(),
    tlsSecretName: secretName.optional(),
    /** cert-manager ClusterIssuer that fills tlsSecretName (defaulted in components/webhook.ts). */
    certManagerIssuer: label.optional(),
    rotation: generation.default(1),
  })
  .superRefine((webhook, ctx) => {
    // GitHub verifies the certificate (insecureSsl stays false); Traefik's default one is self-signed.
    if (webhook.tlsSecretName === undefined && webhook.certManagerIssuer === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["tlsSecretName"],
        message:
          "or certManagerIssuer is required: GitHub only delivers to a publicly trusted certificate, and without one Traefik serves its self-signed default",
      });
    }
  });

const notificationsSchema = z.strictObject({
  slack: z.boolean().default(false),
  discord: z.boolean().default(false),
  severity: z.enum(["info", "error"]).default("error"),
  channel: z.string().min(1).optional(),
});

const cloudflareSchema = z.strictObject({
  enabled: z.boolean().default(true),
  namespaces: z.array(namespace).default([]),
});

const monitoringSchema = z.strictObject({
  enabled: z.boolean().default(false),
  podMonitor: z.boolean().default(true),
  dashboards: z.boolean().default(true),
  alert: z.boolean().default(false),
  namespace: namespace.default("monitoring"),
  source: z
    .strictObject({
      url: z.string().superRefine(check(urlProblem)),
      commit: z.string().regex(/^[0-9a-f]{40}$/, "must be a full 40-character commit SHA (the upstream repository has no tags)"),
    })
    // Flux's own monitoring configuration, fluxcd/flux2-monitoring-example (no tags, so a commit).
    .default({ url: "https://github.com/fluxcd/flux2-monitoring-example", commit: "7ab65dc8b90f7a6751d88f18bbb4e1bee33bf334" }),
});

const timeoutsSchema = z.strictObject({
  helm: duration.default("10m"),
  ready: duration.default("5m"),
});

const safetySchema = z.strictObject({
  protect: z.boolean().default(false),
  retainOnDelete: z.boolean().default(true),
});

/** Every structured key: its name in the `gitops-bootstrap:` namespace and its schema. */
const structuredKeys = {
  cluster: clusterSchema,
  github: githubSchema,
  flux: fluxSchema,
  namespaces: z.array(namespace).default([]),
  vault: vaultSchema,
  externalSecrets: externalSecretsSchema,
  apps: z.array(appSchema).default([]),
  cloudflare: cloudflareSchema.default({ enabled: true, namespaces: [] }),
  // Pulumi.yaml defaults it to {} (a declared key without a default would be required): {} means off.
  webhook: z.preprocess(
    (value) => (typeof value === "object" && value !== null && Object.keys(value).length === 0 ? undefined : value),
    webhookSchema.optional(),
  ),
  notifications: notificationsSchema.default({ slack: false, discord: false, severity: "error" }),
  monitoring: monitoringSchema.prefault({}),
  timeouts: timeoutsSchema.default({ helm: "10m", ready: "5m" }),
  safety: safetySchema.default({ protect: false, retainOnDelete: true }),
} as const;

const settingsSchema = z
  .strictObject(structuredKeys)
  .superRefine((settings, ctx) => {
    const appNames = new Set<string>();
    settings.apps.forEach((app, index) => {
      if (appNames.has(app.name)) {
        ctx.addIssue({ code: "custom", path: ["apps", index, "name"], message: `duplicates app "${app.name}": app names must be unique` });
      }
      appNames.add(app.name);
    });
    for (const { app, key, message } of appEnvVarCollisions(settings.apps)) {
      ctx.addIssue({ code: "custom", path: ["apps", app, "keys", key], message });
    }
    for (const { app, message } of appNameCollisions(settings.apps)) {
      ctx.addIssue({ code: "custom", path: ["apps", app, "name"], message });
    }
    for (const { index, message } of duplicateEntries(settings.namespaces)) {
      ctx.addIssue({ code: "custom", path: ["namespaces", index], message });
    }
    for (const { index, message } of duplicateEntries(settings.cloudflare.namespaces)) {
      ctx.addIssue({ code: "custom", path: ["cloudflare", "namespaces", index], message });
    }
    if (settings.notifications.slack && settings.notifications.channel === undefined) {
      ctx.addIssue({ code: "custom", path: ["notifications", "channel"], message: "is required when slack is true" });
    }
    if (settings.monitoring.enabled && settings.monitoring.alert && !settings.notifications.slack && !settings.notifications.discord) {
      ctx.addIssue({ code: "custom", path: ["monitoring", "alert"], message: "needs a notification channel: set notifications.slack or notifications.discord" });
    }
    if (settings.cluster.mode === "k3s" && settings.cluster.k3s !== undefined) {
      const behindIngress = (address: string) => {
        try {
          return !isLoopbackUrl(address);
        } catch {
          return false;
        }
      };
      const ingresses = [
        ...(settings.vault.mode === "in-cluster" && behindIngress(settings.vault.address)
          ? [{ key: fullKey("vault.address"), className: settings.vault.ingressClassName }]
          : []),
        ...(settings.webhook ? [{ key: fullKey("webhook.host"), className: settings.webhook.ingressClassName }] : []),
      ];
      for (const message of k3sIngressProblems(settings.cluster.k3s.disable ?? [], ingresses)) {
        ctx.addIssue({ code: "custom", path: ["cluster", "k3s", "disable"], message });
      }
    }
    if (settings.github.deployKey.readWrite && !settings.flux.components.includes("image-automation-controller")) {
      ctx.addIssue({
        code: "custom",
        path: ["github", "deployKey", "readWrite"],
        message: 'may only be true when flux.components includes "image-automation-controller" (the only writer)',
      });
    }
  });

type Settings = z.output<typeof settingsSchema>;

// ---------------------------------------------------------------------------------------------
// Bootstrap secrets: each from a stack config secret, else an environment variable, else Vault.
// ---------------------------------------------------------------------------------------------

/**
 * Where a bootstrap secret's value comes from on this run. `vault` means neither the config key nor
 * the variable is set: the program reads the value back from what an earlier run wrote to Vault.
 */
export type SecretSource =
  | { readonly kind: "config"; readonly configKey: string; readonly value: pulumi.Output<string> }
  | { readonly kind: "env"; readonly envVar: string; readonly value: pulumi.Output<string> }
  | { readonly kind: "vault" };

/** One bootstrap secret: the names a user can set it by, and this run's source. */
export interface BootstrapSecret {
  /** Full config key, e.g. `gitops-bootstrap:githubToken`. */
  readonly configKey: string;
  /** Environment variable that may carry it, e.g. `GITHUB_TOKEN`. */
  readonly envVar: string;
  readonly source: SecretSource;
  /** The setting that makes it needed, e.g. `gitops-bootstrap:notifications.discord is true`, for error messages. */
  readonly requiredBy?: string;
}

export interface AppConfig {
  readonly name: string;
  readonly namespace: string;
  readonly keys: readonly string[];
  /** Defaults to externalSecrets.refreshInterval. */
  readonly refreshInterval: string;
  /** One secret per key, in `keys` order. */
  readonly secrets: Readonly<Record<string, BootstrapSecret>>;
}

/** The whole validated stack configuration. Frozen: components read it, never change it. */
export interface BootstrapConfig {
  readonly stack: string;
  readonly cluster: Settings["cluster"] & {
    /** The optional `gitops-bootstrap:kubeconfig` secret (existing mode). */
    readonly kubeconfig?: pulumi.Output<string>;
    /** SSH private key for the k3s hosts (k3s mode). */
    readonly sshPrivateKey?: BootstrapSecret;
  };
  readonly github: Settings["github"];
  readonly flux: Settings["flux"] & { readonly allComponents: readonly string[] };
  /** Namespaces beyond flux-system, vault and external-secrets. */
  readonly namespaces: readonly string[];
  readonly vault: Settings["vault"] & {
    /** The address ESO (in the cluster) uses. */
    readonly inClusterAddress: string;
    /** The Kubernetes API URL as Vault reaches it. */
    readonly kubernetesHost: string;
    /** Token for the Vault provider in external mode. */
    readonly token?: BootstrapSecret;
    /** In-cluster: init material of a Vault initialised before (adopted once; JSON {rootToken, unsealKeys}). */
    readonly existingInit?: pulumi.Output<string>;
  };
  readonly externalSecrets: Settings["externalSecrets"];
  readonly apps: readonly AppConfig[];
  readonly cloudflare: Settings["cloudflare"];
  readonly webhook?: Settings["webhook"];
  readonly notifications: Settings["notifications"];
  readonly monitoring: Settings["monitoring"];
  readonly timeouts: { readonly helmSeconds: number; readonly readySeconds: number; readonly ready: string };
  readonly safety: Settings["safety"];
  /** Secrets written to Vault by the bootstrap. */
  readonly secrets: {
    readonly githubToken: BootstrapSecret;
    readonly cloudflareApiToken?: BootstrapSecret;
    readonly githubAppPrivateKey?: BootstrapSecret;
    readonly slackWebhookUrl?: BootstrapSecret;
    readonly discordWebhookUrl?: BootstrapSecret;
  };
}

/** Raised when stack config is invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/**
 * What the loader reads: raw config strings by bare key (`github`, `githubToken`), whether a key
 * was set as a secret, and the environment. Tests pass plain objects; the program passes Pulumi's.
 */
export interface ConfigSource {
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly secretKeys: ReadonlySet<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stack: string;
}

const secretKeys = [
  "kubeconfig",
  "sshPrivateKey",
  "vaultToken",
  "vaultExistingInit",
  "githubToken",
  "cloudflareApiToken",
  "githubAppPrivateKey",
  "slackWebhookUrl",
  "discordWebhookUrl",
  "appSecrets",
] as const;

/** Every key a stack file may set in our namespace. */
export const knownConfigKeys: readonly string[] = [...Object.keys(structuredKeys), ...secretKeys];

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, part) => (typeof node === "object" && node !== null ? (node as Record<PropertyKey, unknown>)[part] : undefined),
    root,
  );
}

/** Pulumi.yaml defaults secret keys to "" (and appSecrets to {}), so those mean "not set". */
function isUnset(value: string | undefined): value is undefined {
  return value === undefined || value === "" || value === "{}";
}

function fullKey(key: string): string {
  return `${projectName}:${key}`;
}

function formatPath(key: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : `${out}.${String(part)}`),
    fullKey(key),
  );
}

/**
 * Validates raw config and resolves the bootstrap secrets' sources. Throws one ConfigError listing
 * every problem. Pure: no resource is registered, nothing is read from Pulumi's runtime.
 */
export function parseConfig(source: ConfigSource): BootstrapConfig {
  const problems: string[] = [];

  for (const key of Object.keys(source.values)) {
    if (source.values[key] !== undefined && !knownConfigKeys.includes(key)) {
      problems.push(`${fullKey(key)}: is not a known key (known: ${knownConfigKeys.join(", ")})`);
    }
  }

  // Structured keys arrive as JSON (Pulumi stores objects and arrays that way).
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(structuredKeys)) {
    const text = source.values[key];
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      // A bare string such as `mode: k3s` for an object key is a mistake worth naming.
      raw[key] = text;
    }
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [key, ...rest] = issue.path;
      if (issue.code === "unrecognized_keys") {
        const where = key === undefined ? projectName : formatPath(String(key), rest);
        problems.push(`${where}: has unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`);
        continue;
      }
      const message =
        issue.code === "invalid_type" && valueAt(raw, issue.path) === undefined ? "is required" : issue.message;
      problems.push(`${key === undefined ? projectName : formatPath(String(key), rest)}: ${message}`);
    }
  }

  for (const key of secretKeys) {
    if (!isUnset(source.values[key]) && !source.secretKeys.has(key)) {
      problems.push(`${fullKey(key)}: must be set as a secret (pulumi config set --secret ${fullKey(key)} …)`);
    }
  }

  const secret = (key: string, envVar: string, requiredBy?: string): BootstrapSecret => {
    const named = { configKey: fullKey(key), envVar, ...(requiredBy === undefined ? {} : { requiredBy }) };
    const fromConfig = source.values[key];
    if (!isUnset(fromConfig)) {
      return { ...named, source: { kind: "config", configKey: fullKey(key), value: pulumi.secret(fromConfig) } };
    }
    const fromEnv = source.env[envVar];
    if (fromEnv !== undefined && fromEnv !== "") {
      return { ...named, source: { kind: "env", envVar, value: pulumi.secret(fromEnv) } };
    }
    return { ...named, source: { kind: "vault" } };
  };

  let appSecretValues: Record<string, Record<string, unknown>> = {};
  const appSecretsText = source.values["appSecrets"];
  if (!isUnset(appSecretsText)) {
    try {
      const value: unknown = JSON.parse(appSecretsText);
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
      appSecretValues = value as Record<string, Record<string, unknown>>;
    } catch {
      // The value is a secret: say what shape is expected, never echo it.
      problems.push(`${fullKey("appSecrets")}: must be a JSON object { "<app>": { "<key>": "<value>" } }`);
    }
  }

  problems.push(...existingInitProblems(source));

  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(problems);
  }
  const settings = parsed.data;

  for (const [app, keys] of Object.entries(appSecretValues)) {
    const declared = settings.apps.find((candidate) => candidate.name === app);
    if (declared === undefined) {
      problems.push(`${fullKey("appSecrets")}.${app}: is not an app declared in ${fullKey("apps")}`);
      continue;
    }
    for (const [key, value] of Object.entries(keys ?? {})) {
      if (!declared.keys.includes(key)) problems.push(`${fullKey("appSecrets")}.${app}.${key}: is not a key of app "${app}"`);
      if (typeof value !== "string") problems.push(`${fullKey("appSecrets")}.${app}.${key}: must be a string`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const apps: AppConfig[] = settings.apps.map((app) => ({
    name: app.name,
    namespace: app.namespace,
    keys: app.keys,
    refreshInterval: app.refreshInterval ?? settings.externalSecrets.refreshInterval,
    secrets: Object.fromEntries(
      app.keys.map((key) => {
        const fromConfig = appSecretValues[app.name]?.[key];
        const envVar = appSecretEnvVar(app.name, key);
        const configKey = `${fullKey("appSecrets")}.${app.name}.${key}`;
        const requiredBy = `app "${app.name}" lists key "${key}" in ${fullKey("apps")}`;
        const entry: BootstrapSecret =
          typeof fromConfig === "string" && fromConfig !== ""
            ? { configKey, envVar, requiredBy, source: { kind: "config", configKey, value: pulumi.secret(fromConfig) } }
            : source.env[envVar]
              ? { configKey, envVar, requiredBy, source: { kind: "env", envVar, value: pulumi.secret(source.env[envVar] as string) } }
              : { configKey, envVar, requiredBy, source: { kind: "vault" } };
        return [key, entry];
      }),
    ),
  }));

  const vaultInClusterAddress =
    settings.vault.inClusterAddress ??
    (settings.vault.mode === "in-cluster" ? inClusterVaultAddress : settings.vault.address);

  const kubeconfig = isUnset(source.values["kubeconfig"]) ? undefined : source.values["kubeconfig"];
  const config: BootstrapConfig = {
    stack: source.stack,
    cluster: {
      ...settings.cluster,
      kubeconfig: kubeconfig === undefined ? undefined : pulumi.secret(kubeconfig),
      sshPrivateKey: settings.cluster.mode === "k3s" ? secret("sshPrivateKey", "K3S_SSH_PRIVATE_KEY") : undefined,
    },
    github: settings.github,
    flux: {
      ...settings.flux,
      allComponents: [...defaultFluxComponents, ...settings.flux.components],
    },
    namespaces: settings.namespaces,
    vault: {
      ...settings.vault,
      inClusterAddress: vaultInClusterAddress,
      kubernetesHost: settings.vault.kubernetesHost ?? "https://kubernetes.default.svc",
      token: settings.vault.mode === "external" ? secret("vaultToken", "VAULT_TOKEN") : undefined,
      existingInit: settings.vault.mode === "in-cluster" ? valueIfSet(secret("vaultExistingInit", "VAULT_EXISTING_INIT")) : undefined,
    },
    externalSecrets: settings.externalSecrets,
    apps,
    cloudflare: settings.cloudflare,
    webhook: settings.webhook,
    notifications: settings.notifications,
    monitoring: settings.monitoring,
    timeouts: {
      helmSeconds: Math.ceil(durationSeconds(settings.timeouts.helm)),
      readySeconds: Math.ceil(durationSeconds(settings.timeouts.ready)),
      ready: settings.timeouts.ready,
    },
    safety: settings.safety,
    secrets: {
      githubToken: secret("githubToken", "GITHUB_TOKEN"),
      cloudflareApiToken: settings.cloudflare.enabled
        ? secret("cloudflareApiToken", "CLOUDFLARE_API_TOKEN", `${fullKey("cloudflare")}.enabled is true`)
        : undefined,
      githubAppPrivateKey:
        settings.github.auth === "app" ? secret("githubAppPrivateKey", "GITHUB_APP_PRIVATE_KEY", `${fullKey("github")}.auth is "app"`) : undefined,
      slackWebhookUrl: settings.notifications.slack
        ? secret("slackWebhookUrl", "SLACK_WEBHOOK_URL", `${fullKey("notifications")}.slack is true`)
        : undefined,
      discordWebhookUrl: settings.notifications.discord
        ? secret("discordWebhookUrl", "DISCORD_WEBHOOK_URL", `${fullKey("notifications")}.discord is true`)
        : undefined,
    },
  };
  return deepFreeze(config);
}

function valueIfSet(secret: BootstrapSecret): pulumi.Output<string> | undefined {
  return secret.source.kind === "vault" ? undefined : secret.source.value;
}

/** The shape of `vaultExistingInit` (config or VAULT_EXISTING_INIT), checked without echoing it. */
function existingInitProblems(source: ConfigSource): string[] {
  const fromConfig = source.values["vaultExistingInit"];
  const text = !isUnset(fromConfig) ? fromConfig : source.env["VAULT_EXISTING_INIT"];
  if (text === undefined || text === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const keyList = (keys: unknown) => keys === undefined || (Array.isArray(keys) && keys.every((key) => typeof key === "string" && key !== ""));
  const ok =
    typeof record.rootToken === "string" &&
    record.rootToken !== "" &&
    keyList(record.unsealKeys) &&
    keyList(record.recoveryKeys) &&
    Object.keys(record).every((key) => ["rootToken", "unsealKeys", "recoveryKeys"].includes(key));
  return ok
    ? []
    : [`${fullKey("vaultExistingInit")}: must be JSON {"rootToken": "<token>", "unsealKeys": ["<base64 key>", …]} (recoveryKeys instead with a seal)`];
}

/** Problems that only matter when a secret must exist right now (not readable back from Vault). */
export function requireSecretsNow(config: BootstrapConfig): void {
  const problems: string[] = [];
  const must = (secret: BootstrapSecret | undefined, why: string) => {
    if (secret !== undefined && secret.source.kind === "vault") {
      problems.push(`${secret.configKey}: is required ${why}: set it with pulumi config set --secret ${secret.configKey} …, or export ${secret.envVar}`);
    }
  };
  must(config.cluster.sshPrivateKey, "to install k3s over SSH");
  must(config.vault.token, "to reach the external Vault");
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The value of a secret that loadConfig already required to be set (SSH key, external Vault token). */
export function requiredValue(secret: BootstrapSecret | undefined): pulumi.Output<string> {
  if (secret === undefined || secret.source.kind === "vault") {
    throw new ConfigError([`${secret?.configKey ?? "a required secret"}: is required`]);
  }
  return secret.source.value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** Reads this stack's config from Pulumi's runtime and the process environment. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): BootstrapConfig {
  const values: Record<string, string | undefined> = {};
  const secret = new Set<string>();
  const prefix = `${projectName}:`;
  for (const fullName of Object.keys(pulumi.runtime.allConfig())) {
    if (!fullName.startsWith(prefix)) continue;
    const key = fullName.slice(prefix.length);
    // Read raw so a secret is never passed through a logging getter; it is wrapped in pulumi.secret above.
    values[key] = pulumi.runtime.getConfig(fullName);
    if (isConfigSecret(fullName)) secret.add(key);
  }
  const config = parseConfig({ values, secretKeys: secret, env, stack: pulumi.getStack() });
  requireSecretsNow(config);
  return config;
}

/**
 * Whether the CLI passed a key as a secret. The SDK exports this function but marks it internal
 * (no typing); without it we cannot tell, and then we do not complain.
 */
function isConfigSecret(fullName: string): boolean {
  const lookup = (runtimeConfig as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  return lookup === undefined ? true : lookup(fullName);
}
