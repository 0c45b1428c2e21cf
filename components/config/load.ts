/**
 * Loading: reads the stack's config from Pulumi's runtime (loadConfig), or from any ConfigSource
 * (parseConfig, what tests call), validates it against the schema, and resolves every secret's
 * source. Every problem is listed in one ConfigError before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { durationSeconds, inClusterKubernetesApi, inClusterVaultAddress } from "../validation";
import { defaultFluxComponents, fullKey, projectName, settingsSchema, structuredKeys } from "./schema";
import {
  appKeySecrets,
  appSecretValueProblems,
  existingInitProblems,
  isUnset,
  parseAppSecretValues,
  requireSecretsNow,
  secretKeys,
  secretResolver,
  valueIfSet,
} from "./secrets";
import { AppConfig, BootstrapConfig, ConfigError, ConfigSource } from "./types";

/** Every key a stack file may set in our namespace. */
export const knownConfigKeys: readonly string[] = [...Object.keys(structuredKeys), ...secretKeys];

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, part) => (typeof node === "object" && node !== null ? (node as Record<PropertyKey, unknown>)[part] : undefined),
    root,
  );
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

  const secret = secretResolver(source);
  const appSecrets = parseAppSecretValues(source);
  if (appSecrets.problem !== undefined) problems.push(appSecrets.problem);

  problems.push(...existingInitProblems(source));

  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(problems);
  }
  const settings = parsed.data;

  problems.push(...appSecretValueProblems(appSecrets.values, settings.apps));
  if (problems.length > 0) throw new ConfigError(problems);

  const apps: AppConfig[] = settings.apps.map((app) => ({
    name: app.name,
    namespace: app.namespace,
    keys: app.keys,
    refreshInterval: app.refreshInterval ?? settings.externalSecrets.refreshInterval,
    secrets: appKeySecrets(app, appSecrets.values, source.env),
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
      kubernetesHost: settings.vault.kubernetesHost ?? inClusterKubernetesApi,
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