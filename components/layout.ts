import { BootstrapConfig } from "./config";
import { systemNamespaces } from "./kubernetes";

/** Where each bootstrap secret lives in the KV v2 mount (paths without the mount). */
export interface VaultLayout {
  readonly githubToken: string;
  readonly cloudflareApiToken: string;
  readonly githubApp: string;
  /** Versioned by the deploy key's rotation generation so old and new coexist during a switch. */
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
}

export function vaultLayout(config: BootstrapConfig): VaultLayout {
  const prefix = config.vault.pathPrefix;
  const layout = {
    githubToken: `${prefix}/github`,
    cloudflareApiToken: `${prefix}/cloudflare`,
    githubApp: `${prefix}/flux/github-app`,
    gitAuth: `${prefix}/flux/git-auth-v${config.github.deployKey.rotation}`,
    webhookToken: `${prefix}/flux/webhook-token-v${config.webhook?.rotation ?? 1}`,
    slackWebhook: `${prefix}/flux/notifications/slack`,
    discordWebhook: `${prefix}/flux/notifications/discord`,
    apps: Object.fromEntries(config.apps.map((app) => [app.name, `${prefix}/apps/${app.name}`])),
  };
  // The GitHub token stays out: only pulumi (with its own Vault token) reads it back.
  const reads: [string, string][] = [
    [systemNamespaces.flux, config.github.auth === "app" ? layout.githubApp : layout.gitAuth],
    ...(config.webhook ? [[systemNamespaces.flux, layout.webhookToken] as [string, string]] : []),
    ...(config.notifications.slack ? [[systemNamespaces.flux, layout.slackWebhook] as [string, string]] : []),
    ...(config.notifications.discord ? [[systemNamespaces.flux, layout.discordWebhook] as [string, string]] : []),
    ...(config.secrets.cloudflareApiToken ? config.cloudflare.namespaces.map((namespace): [string, string] => [namespace, layout.cloudflareApiToken]) : []),
    ...config.apps.map((app): [string, string] => [app.namespace, layout.apps[app.name]]),
  ];
  const readByNamespace: Record<string, string[]> = {};
  for (const [namespace, path] of reads) {
    const paths = (readByNamespace[namespace] ??= []);
    if (!paths.includes(path)) paths.push(path);
  }
  return { ...layout, readByNamespace };
}
