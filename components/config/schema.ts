/**
 * The schema of the structured (non-secret) config keys: their shapes, defaults and cross-key rules.
 * Defaults live here and are mirrored in Pulumi.yaml; checks of single values are the pure
 * validators of ../validation.ts.
 */
import { z } from "zod";
import {
  appEnvVarCollisions,
  appNameCollisions,
  authMountProblem,
  cidrProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  duplicateEntries,
  durationProblem,
  externalSecretsChartProblem,
  fluxDistributionProblem,
  gitBranchProblem,
  githubOwnerProblem,
  githubRepositoryProblem,
  hostnameProblem,
  inClusterUrlProblem,
  kubernetesApiUrlProblem,
  kvMountProblem,
  kvPathPrefixProblem,
  k3sIngressProblems,
  hostProblem,
  isBehindIngress,
  pemCertificateProblem,
  reachableUrlProblem,
  registryProblem,
  repeatedK3sHosts,
  repositoryPathProblem,
  secretKeyProblem,
  tenantNamespaceProblem,
  urlProblem,
  vaultTrustProblems,
} from "../validation";

/** The Pulumi project name; also the namespace of every config key below. */
export const projectName = "gitops-bootstrap";

/** A bare key's full name, e.g. "gitops-bootstrap:github". */
export function fullKey(key: string): string {
  return `${projectName}:${key}`;
}

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
    for (const { path, message } of repeatedK3sHosts(k3s)) ctx.addIssue({ code: "custom", path, message });
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
    for (const { path, message } of vaultTrustProblems(vault)) ctx.addIssue({ code: "custom", path, message });
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

/**
 * Every structured key: its name in the `gitops-bootstrap:` namespace and its schema. An object key
 * left out gets its fields' own defaults (`prefault({})`), so each default is written once.
 */
export const structuredKeys = {
  cluster: clusterSchema,
  github: githubSchema,
  flux: fluxSchema,
  namespaces: z.array(namespace).default([]),
  vault: vaultSchema,
  externalSecrets: externalSecretsSchema,
  apps: z.array(appSchema).default([]),
  cloudflare: cloudflareSchema.prefault({}),
  // Pulumi.yaml defaults it to {} (a declared key without a default would be required): {} means off.
  webhook: z.preprocess(
    (value) => (typeof value === "object" && value !== null && Object.keys(value).length === 0 ? undefined : value),
    webhookSchema.optional(),
  ),
  notifications: notificationsSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  timeouts: timeoutsSchema.prefault({}),
  safety: safetySchema.prefault({}),
} as const;

export const settingsSchema = z
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
      const ingresses = [
        ...(settings.vault.mode === "in-cluster" && isBehindIngress(settings.vault.address)
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

/** The validated structured keys. */
export type Settings = z.output<typeof settingsSchema>;
