import { BootstrapConfig } from "./config";

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
  /** Exactly the paths ESO reads into the cluster; the reader policy grants these and nothing else. */
  readonly readByCluster: readonly string[];
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
  const readByCluster = [
    ...(config.secrets.cloudflareApiToken ? [layout.cloudflareApiToken] : []),
    ...(config.github.auth === "app" ? [layout.githubApp] : [layout.gitAuth]),
    ...(config.webhook ? [layout.webhookToken] : []),
    ...(config.notifications.slack ? [layout.slackWebhook] : []),
    ...(config.notifications.discord ? [layout.discordWebhook] : []),
    ...Object.values(layout.apps),
  ];
  return { ...layout, readByCluster };
}
