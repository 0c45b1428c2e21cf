/**
 * What the bootstrap writes to Vault and copies into the cluster, as pure functions of the config:
 * tests read the lists without registering anything, and index.ts only wires them to resources.
 */
import { AppSecretTarget } from "./apps";
import { fieldFrom, KvSecretSpec } from "./bootstrapSecrets";
import { BootstrapConfig } from "./config";
import { VaultLayout } from "./layout";
import { NotificationChannel } from "./notifications";

/** The secrets a person supplies (config or environment), written to Vault KV or read back from it. */
export function userSecretSpecs(config: BootstrapConfig, layout: VaultLayout): KvSecretSpec[] {
  const { secrets, github } = config;
  return [
    { name: "github-token", path: layout.githubToken, fields: { token: fieldFrom(secrets.githubToken) } },
    ...(secrets.cloudflareApiToken
      ? [{ name: "cloudflare-api-token", path: layout.cloudflareApiToken, fields: { "api-token": fieldFrom(secrets.cloudflareApiToken) } }]
      : []),
    ...(secrets.githubAppPrivateKey && github.app
      ? [
          {
            name: "github-app",
            path: layout.githubApp,
            // The key names Flux's `provider: github` expects in the pull secret.
            fields: {
              githubAppID: { value: String(github.app.appId) },
              githubAppInstallationID: { value: String(github.app.installationId) },
              githubAppPrivateKey: fieldFrom(secrets.githubAppPrivateKey),
            },
          },
        ]
      : []),
    ...(secrets.slackWebhookUrl ? [{ name: "slack-webhook", path: layout.slackWebhook, fields: { address: fieldFrom(secrets.slackWebhookUrl) } }] : []),
    ...(secrets.discordWebhookUrl
      ? [{ name: "discord-webhook", path: layout.discordWebhook, fields: { address: fieldFrom(secrets.discordWebhookUrl) } }]
      : []),
    ...config.apps.map((app) => ({
      name: appKvSecretName(app.name),
      path: layout.apps[app.name],
      fields: Object.fromEntries(Object.entries(app.secrets).map(([key, secret]) => [key, fieldFrom(secret)])),
    })),
  ];
}

/** The KV secret (a userSecretSpecs name) holding an app's keys. */
export function appKvSecretName(app: string): string {
  return `app-${app}`;
}

/** An ExternalSecret to create, and the namespace and user secret it waits for. */
export type AppSecretSource = Omit<AppSecretTarget, "dependsOn"> & { readonly kvSecretName: string };

/** Each app's Secret in its namespace, and the Cloudflare token in each namespace that asked for it. */
export function appSecretSources(config: BootstrapConfig, layout: VaultLayout): AppSecretSource[] {
  return [
    ...config.apps.map((app) => ({
      name: app.name,
      namespace: app.namespace,
      secretName: `${app.name}-secrets`,
      vaultPath: layout.apps[app.name],
      refreshInterval: app.refreshInterval,
      kvSecretName: appKvSecretName(app.name),
    })),
    ...(config.secrets.cloudflareApiToken
      ? config.cloudflare.namespaces.map((namespace) => ({
          name: "cloudflare",
          namespace,
          secretName: "cloudflare-api-token",
          vaultPath: layout.cloudflareApiToken,
          refreshInterval: config.externalSecrets.refreshInterval,
          kvSecretName: "cloudflare-api-token",
        }))
      : []),
  ];
}

/** A notification channel, and the user secret holding its webhook URL. */
export type ChannelSource = Omit<NotificationChannel, "kvSecret"> & { readonly kvSecretName: string };

/** The Slack and Discord channels Flux announces to. */
export function notificationChannelSources(config: BootstrapConfig, layout: VaultLayout): ChannelSource[] {
  return [
    ...(config.notifications.slack
      ? [{ type: "slack" as const, channel: config.notifications.channel, vaultPath: layout.slackWebhook, kvSecretName: "slack-webhook" }]
      : []),
    ...(config.notifications.discord ? [{ type: "discord" as const, vaultPath: layout.discordWebhook, kvSecretName: "discord-webhook" }] : []),
  ];
}
