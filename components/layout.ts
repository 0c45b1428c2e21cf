import { BootstrapConfig } from "./config";
import { systemNamespaces } from "./kubernetes";

/**
 * The suffix of a rotated credential's names and paths: bumping `rotation` gives new names, so the
 * new generation is created next to the old one, which is deleted only after every consumer switched.
 */
export function generationSuffix(rotation: number): string {
  return `v${rotation}`;
}

/** A generation suffix inside a resource name: "-v3" at its end or before another "-". */
export const generationSuffixPattern = /-v(\d+)(?=-|$)/;

/** Where each bootstrap secret lives in the KV v2 mount (paths without the mount), and what the secrets are called. */
export interface VaultLayout {
  readonly githubToken: string;
  readonly cloudflareApiToken: string;
  readonly githubApp: string;
  /** Flux's git credentials: the deploy key's generation path, or the GitHub App's. */
  readonly gitAuth: string;
  /** Versioned by the webhook token's rotation generation. */
  readonly webhookToken: string;
  readonly slackWebhook: string;
  readonly discordWebhook: string;
  readonly apps: Readonly<Record<string, string>>;
  /**
   * Per namespace, exactly the paths its ExternalSecrets read; each namespace's Vault policy grants
   * these and nothing else. Flux's credentials, webhook token and notification URLs: flux-system only.
   */
  readonly readByNamespace: Readonly<Record<string, readonly string[]>>;
  /** Names of the Kubernetes Secrets (and their KV secret resources) for rotated and Flux credentials. */
  readonly secretNames: {
    /** Flux's pull secret: versioned with the deploy key, fixed for a GitHub App. */
    readonly gitAuth: string;
    /** The webhook token's Secret, versioned with its rotation. */
    readonly webhookToken: string;
  };
}

export function vaultLayout(config: BootstrapConfig): VaultLayout {
  const prefix = config.vault.pathPrefix;
  const deployKeyGeneration = generationSuffix(config.github.deployKey.rotation);
  const webhookTokenName = `webhook-token-${generationSuffix(config.webhook?.rotation ?? 1)}`;
  const githubApp = `${prefix}/flux/github-app`;
  const layout = {
    githubToken: `${prefix}/github`,
    cloudflareApiToken: `${prefix}/cloudflare`,
    githubApp,
    gitAuth: config.github.auth === "app" ? githubApp : `${prefix}/flux/git-auth-${deployKeyGeneration}`,
    webhookToken: `${prefix}/flux/${webhookTokenName}`,
    slackWebhook: `${prefix}/flux/notifications/slack`,
    discordWebhook: `${prefix}/flux/notifications/discord`,
    apps: Object.fromEntries(config.apps.map((app) => [app.name, `${prefix}/apps/${app.name}`])),
  };
  // The GitHub token stays out: only pulumi (with its own Vault token) reads it back.
  const reads: [string, string][] = [
    [systemNamespaces.flux, layout.gitAuth],
    ...(config.webhook ? [[systemNamespaces.flux, layout.webhookToken] as [string, string]] : []),
    ...(config.notifications.slack ? [[systemNamespaces.flux, layout.slackWebhook] as [string, string]] : []),
    ...(config.notifications.discord ? [[systemNamespaces.flux, layout.discordWebhook] as [string, string]] : []),
    ...(config.secrets.cloudflareApiToken ? config.cloudflare.namespaces.map((namespace): [string, string] => [namespace, layout.cloudflareApiToken]) : []),
    ...config.apps.map((app): [string, string] => [app.namespace, layout.apps[app.name]]),
  ];
  // Each (namespace, path) pair is distinct: config refuses repeated apps and namespaces.
  const readByNamespace: Record<string, string[]> = {};
  for (const [namespace, path] of reads) (readByNamespace[namespace] ??= []).push(path);
  const secretNames = {
    gitAuth: config.github.auth === "app" ? "flux-github-app" : `flux-git-auth-${deployKeyGeneration}`,
    webhookToken: webhookTokenName,
  };
  return { ...layout, readByNamespace, secretNames };
}
