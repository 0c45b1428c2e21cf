/**
 * gitops-bootstrap: one `pulumi up` takes a k3s cluster to a running Flux GitOps loop.
 *
 * The five phases below are an ordering of data dependencies, not a script: each resource waits
 * only for what it reads, so the Flux operator, ESO, Vault, key generation and namespaces all
 * proceed at once, and the FluxInstance is applied only after its pull secret is Ready.
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AppSecrets, AppSecretTarget } from "./components/apps";
import { BootstrapSecrets, fieldFrom, KvSecretSpec } from "./components/bootstrapSecrets";
import { BranchProtection } from "./components/branchProtection";
import { Cluster } from "./components/cluster";
import { loadConfig, requiredValue } from "./components/config";
import { DeployKey, githubKnownHosts } from "./components/deployKey";
import { ExternalSecretsOperator, NamespaceSecretStores, vaultExternalSecret, vaultReaderServiceAccount } from "./components/externalSecrets";
import { FluxInstance, FluxOperator } from "./components/flux";
import { systemNamespaces } from "./components/kubernetes";
import { vaultLayout } from "./components/layout";
import { FluxMonitoring } from "./components/monitoring";
import { Namespaces } from "./components/namespaces";
import { checkRepositoryPath } from "./components/repositoryCheck";
import { Scaffold } from "./components/scaffold";
import { NotificationChannel, Notifications } from "./components/notifications";
import { Vault } from "./components/vault";
import { VaultAccess } from "./components/vaultAccess";
import { WebhookReceiver } from "./components/webhook";

// Every config problem is reported here, at once, before a single resource is registered.
const config = loadConfig();
const layout = vaultLayout(config);
const { protect, retainOnDelete } = config.safety;
const readyTimeout = config.timeouts.readySeconds;

// ------------------------------------------------------------------------------------------------
// Phase 1: infrastructure — cluster, namespaces, Flux operator, Vault, External Secrets Operator.
// ------------------------------------------------------------------------------------------------
const cluster = new Cluster("cluster", {
  mode: config.cluster.mode,
  kubeconfig: config.cluster.kubeconfig,
  context: config.cluster.context,
  k3s: config.cluster.k3s && {
    ...config.cluster.k3s,
    sshPrivateKey: requiredValue(config.cluster.sshPrivateKey),
    protect,
    retainOnDelete,
  },
});
const k8sProvider = cluster.provider;

const namespaces = new Namespaces("namespaces", {
  names: [
    ...Object.values(systemNamespaces),
    ...config.namespaces,
    ...config.apps.map((app) => app.namespace),
    ...config.cloudflare.namespaces,
    ...(config.monitoring.enabled && config.monitoring.dashboards ? [config.monitoring.namespace] : []),
  ],
  provider: k8sProvider,
  retainOnDelete,
});

const fluxOperator = new FluxOperator("flux-operator", {
  chartVersion: config.flux.operatorChartVersion,
  provider: k8sProvider,
  timeoutSeconds: config.timeouts.helmSeconds,
  dependsOn: [namespaces.get(systemNamespaces.flux)],
  protect,
  retainOnDelete,
});

const externalSecrets = new ExternalSecretsOperator("external-secrets", {
  chartVersion: config.externalSecrets.chartVersion,
  provider: k8sProvider,
  timeoutSeconds: config.timeouts.helmSeconds,
  dependsOn: [namespaces.get(systemNamespaces.externalSecrets)],
  protect,
  retainOnDelete,
});

const vaultServer = new Vault("vault", {
  mode: config.vault.mode,
  address: config.vault.address,
  inClusterAddress: config.vault.inClusterAddress,
  chartVersion: config.vault.chartVersion,
  ingressClassName: config.vault.ingressClassName,
  tls: config.vault.tls,
  unseal: config.vault.unseal,
  seal: config.vault.seal,
  existingInit: config.vault.existingInit,
  token: config.vault.token && requiredValue(config.vault.token),
  provider: k8sProvider,
  dependsOn: [namespaces.get(systemNamespaces.vault)],
  timeoutSeconds: config.timeouts.helmSeconds,
  protect,
  retainOnDelete,
});

const vaultAccess = new VaultAccess("vault-access", {
  vaultProvider: vaultServer.provider,
  k8sProvider,
  mode: config.vault.mode,
  kvMount: config.vault.kvMount,
  authMount: config.vault.kubernetesAuthMount,
  kubernetesHost: config.vault.kubernetesHost,
  readers: Object.entries(layout.readByNamespace).map(([namespace, paths]) => ({ namespace, serviceAccount: vaultReaderServiceAccount, paths })),
  dependsOn: [...vaultServer.ready, namespaces.get(systemNamespaces.vault)],
  protect,
});

// ------------------------------------------------------------------------------------------------
// Phase 2: secret population — bootstrap secrets into Vault KV v2 (read back when not supplied).
// ------------------------------------------------------------------------------------------------
const userSecrets: KvSecretSpec[] = [
  { name: "github-token", path: layout.githubToken, fields: { token: fieldFrom(config.secrets.githubToken) } },
  ...(config.secrets.cloudflareApiToken
    ? [{ name: "cloudflare-api-token", path: layout.cloudflareApiToken, fields: { "api-token": fieldFrom(config.secrets.cloudflareApiToken) } }]
    : []),
  ...(config.secrets.githubAppPrivateKey && config.github.app
    ? [
        {
          name: "github-app",
          path: layout.githubApp,
          // The key names Flux's `provider: github` expects in the pull secret.
          fields: {
            githubAppID: { value: String(config.github.app.appId) },
            githubAppInstallationID: { value: String(config.github.app.installationId) },
            githubAppPrivateKey: fieldFrom(config.secrets.githubAppPrivateKey),
          },
        },
      ]
    : []),
  ...(config.secrets.slackWebhookUrl
    ? [{ name: "slack-webhook", path: layout.slackWebhook, fields: { address: fieldFrom(config.secrets.slackWebhookUrl) } }]
    : []),
  ...(config.secrets.discordWebhookUrl
    ? [{ name: "discord-webhook", path: layout.discordWebhook, fields: { address: fieldFrom(config.secrets.discordWebhookUrl) } }]
    : []),
  ...config.apps.map((app) => ({
    name: `app-${app.name}`,
    path: layout.apps[app.name],
    fields: Object.fromEntries(Object.entries(app.secrets).map(([key, secret]) => [key, fieldFrom(secret)])),
  })),
];
const bootstrapSecrets = new BootstrapSecrets("bootstrap-secrets", {
  mount: vaultAccess.kvMount.path,
  secrets: userSecrets,
  vaultProvider: vaultServer.provider,
  // What a person typed in once stays in Vault when it leaves the config (an app removed, say).
  retainOnDelete,
});

// Owner is explicit: without it resources would land in the token user's own account.
const githubProvider = new github.Provider("github", {
  owner: config.github.owner,
  token: bootstrapSecrets.value("github-token", "token"),
});

// The starter layout (github.scaffold) lands before the ruleset, which would refuse direct commits.
const scaffold = config.github.scaffold ? new Scaffold("scaffold", { ...config.github, githubProvider }) : undefined;
if (config.github.protection.enabled) {
  new BranchProtection("branch-protection", {
    ...config.github.protection,
    repository: config.github.repository,
    branch: config.github.branch,
    rulesetName: `gitops-bootstrap-${config.stack}`,
    githubProvider,
    after: scaffold?.files,
  });
}

const deployKey =
  config.github.auth === "deployKey"
    ? new DeployKey("deploy-key", {
        repository: config.github.repository,
        algorithm: config.github.deployKey.algorithm,
        readWrite: config.github.deployKey.readWrite,
        generation: config.github.deployKey.rotation,
        title: `flux-${config.stack}`,
        githubProvider,
      })
    : undefined;

const webhookToken = config.webhook
  ? new random.RandomPassword(`webhook-token-v${config.webhook.rotation}`, { length: 40, special: false })
  : undefined;

const generatedSecrets = new BootstrapSecrets("generated-secrets", {
  mount: vaultAccess.kvMount.path,
  secrets: [
    ...(deployKey
      ? [
          {
            name: `flux-git-auth-v${config.github.deployKey.rotation}`,
            path: layout.gitAuth,
            // The keys Flux reads from an SSH pull secret.
            fields: {
              identity: { value: deployKey.privateKeyOpenssh },
              "identity.pub": { value: deployKey.publicKeyOpenssh },
              known_hosts: { value: githubKnownHosts },
            },
          },
        ]
      : []),
    ...(webhookToken && config.webhook
      ? [{ name: `webhook-token-v${config.webhook.rotation}`, path: layout.webhookToken, fields: { token: { value: webhookToken.result } } }]
      : []),
  ],
  vaultProvider: vaultServer.provider,
});

// ------------------------------------------------------------------------------------------------
// Phase 3: Flux auth switch — ESO materialises Flux's git credentials from Vault; Flux syncs with them.
// ------------------------------------------------------------------------------------------------
// One store per namespace that reads from Vault, each logging in as that namespace alone.
const secretStores = new NamespaceSecretStores("secret-stores", {
  storeName: config.externalSecrets.storeName,
  server: config.vault.inClusterAddress,
  kvMount: vaultAccess.kvMount.path,
  authMount: vaultAccess.authBackend.path,
  targets: Object.keys(layout.readByNamespace).map((namespace) => ({
    namespace,
    role: vaultAccess.reader(namespace).role.roleName,
    namespaceResource: namespaces.get(namespace),
    roleReady: vaultAccess.reader(namespace).ready,
  })),
  provider: k8sProvider,
  readyTimeoutSeconds: readyTimeout,
  dependsOn: [externalSecrets.release],
});

const pullSecretName = deployKey ? `flux-git-auth-v${config.github.deployKey.rotation}` : "flux-github-app";
const gitAuthSecret = vaultExternalSecret(
  pullSecretName,
  {
    namespace: systemNamespaces.flux,
    secretName: pullSecretName,
    storeName: config.externalSecrets.storeName,
    refreshInterval: config.externalSecrets.refreshInterval,
    vaultPath: deployKey ? layout.gitAuth : layout.githubApp,
    provider: k8sProvider,
    readyTimeoutSeconds: readyTimeout,
    dependsOn: [
      secretStores.store(systemNamespaces.flux),
      namespaces.get(systemNamespaces.flux),
      deployKey ? generatedSecrets.secret(pullSecretName) : bootstrapSecrets.secret("github-app"),
      // GitHub must accept the key before Flux first tries it.
      ...(deployKey ? [deployKey.deployKey] : []),
    ],
  },
  {},
);

const flux = new FluxInstance("flux", {
  distributionVersion: config.flux.distributionVersion,
  registry: config.flux.registry,
  components: config.flux.allComponents,
  clusterSize: config.flux.clusterSize,
  multitenant: config.flux.multitenant,
  networkPolicy: config.flux.networkPolicy,
  owner: config.github.owner,
  repository: config.github.repository,
  branch: config.github.branch,
  path: config.github.path,
  syncInterval: config.flux.syncInterval,
  auth: { kind: config.github.auth, pullSecretName },
  // An empty repository or path fails here, with what to commit, instead of a Flux error loop.
  repositoryCheck: checkRepositoryPath(config.github, githubProvider, config.secrets.githubToken, scaffold?.files),
  provider: k8sProvider,
  readyTimeoutSeconds: readyTimeout,
  dependsOn: [fluxOperator.release, gitAuthSecret],
  protect,
  retainOnDelete,
});

// ------------------------------------------------------------------------------------------------
// Phase 4: applications — app secrets through ExternalSecrets, the push webhook, notifications.
// ------------------------------------------------------------------------------------------------
const appTargets: AppSecretTarget[] = [
  ...config.apps.map((app) => ({
    name: app.name,
    namespace: app.namespace,
    secretName: `${app.name}-secrets`,
    vaultPath: layout.apps[app.name],
    refreshInterval: app.refreshInterval,
    dependsOn: [namespaces.get(app.namespace), bootstrapSecrets.secret(`app-${app.name}`)],
  })),
  ...(config.secrets.cloudflareApiToken
    ? config.cloudflare.namespaces.map((namespace) => ({
        name: "cloudflare",
        namespace,
        secretName: "cloudflare-api-token",
        vaultPath: layout.cloudflareApiToken,
        refreshInterval: config.externalSecrets.refreshInterval,
        dependsOn: [namespaces.get(namespace), bootstrapSecrets.secret("cloudflare-api-token")],
      }))
    : []),
];
const appSecrets = new AppSecrets("app-secrets", {
  apps: appTargets,
  storeName: config.externalSecrets.storeName,
  storeFor: (namespace) => secretStores.store(namespace),
  provider: k8sProvider,
  readyTimeoutSeconds: readyTimeout,
});

const webhook =
  config.webhook && webhookToken
    ? new WebhookReceiver("flux-webhook", {
        host: config.webhook.host,
        ingressClassName: config.webhook.ingressClassName,
        tlsSecretName: config.webhook.tlsSecretName,
        certManagerIssuer: config.webhook.certManagerIssuer,
        generation: config.webhook.rotation,
        token: pulumi.secret(webhookToken.result),
        vaultPath: layout.webhookToken,
        tokenKvSecret: generatedSecrets.secret(`webhook-token-v${config.webhook.rotation}`),
        storeName: config.externalSecrets.storeName,
        store: secretStores.store(systemNamespaces.flux),
        refreshInterval: config.externalSecrets.refreshInterval,
        repository: config.github.repository,
        githubProvider,
        provider: k8sProvider,
        readyTimeoutSeconds: readyTimeout,
        fluxInstance: flux.instance,
      })
    : undefined;

const channels: NotificationChannel[] = [
  ...(config.notifications.slack
    ? [{ type: "slack" as const, channel: config.notifications.channel, vaultPath: layout.slackWebhook, kvSecret: bootstrapSecrets.secret("slack-webhook") }]
    : []),
  ...(config.notifications.discord
    ? [{ type: "discord" as const, vaultPath: layout.discordWebhook, kvSecret: bootstrapSecrets.secret("discord-webhook") }]
    : []),
];
if (channels.length > 0) {
  new Notifications("notifications", {
    channels,
    severity: config.notifications.severity,
    storeName: config.externalSecrets.storeName,
    store: secretStores.store(systemNamespaces.flux),
    refreshInterval: config.externalSecrets.refreshInterval,
    provider: k8sProvider,
    readyTimeoutSeconds: readyTimeout,
    fluxInstance: flux.instance,
    namespaces: namespaces.names,
  });
}

if (config.monitoring.enabled) {
  new FluxMonitoring("flux-monitoring", {
    ...config.monitoring,
    // A Provider created alongside is fine: v1beta3 Alerts look their Provider up per event.
    alertProviders: config.monitoring.alert ? channels.map((channel) => channel.type) : [],
    alertNamespaces: namespaces.names,
    components: config.flux.allComponents,
    provider: k8sProvider,
    fluxInstance: flux.instance,
    dashboardsNamespace: config.monitoring.dashboards ? namespaces.get(config.monitoring.namespace) : undefined,
  });
}

// ------------------------------------------------------------------------------------------------
// Phase 5: verification — each output resolves only once what it names has been created and, for
// the waited-on custom resources, reported Ready.
// ------------------------------------------------------------------------------------------------
const describe = (resource: { kind: pulumi.Output<string>; metadata: pulumi.Output<{ name?: string; namespace?: string }> }) =>
  pulumi.all([resource.kind, resource.metadata]).apply(([kind, metadata]) =>
    `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name ?? ""}`,
  );

export const clusterEndpoint = cluster.endpoint;
export const managedNamespaces = namespaces.names;
export const fluxSync = {
  url: flux.syncUrl,
  ref: flux.syncRef,
  path: flux.syncPath,
  pullSecret: `${systemNamespaces.flux}/${pullSecretName}`,
};
export const vaultAddress = vaultServer.address;
export const vaultInClusterAddress = vaultServer.inClusterAddress;
export const vaultReaderRoles = Object.fromEntries(Object.keys(layout.readByNamespace).map((namespace) => [namespace, vaultAccess.reader(namespace).role.roleName]));
export const deployKeyFingerprint = deployKey?.fingerprint;
export const webhookUrl = webhook?.url;
export const appsWired = config.apps.map((app) => `${app.namespace}/${app.name}-secrets`);
export const ready = pulumi.all([
  ...secretStores.all.map(describe),
  describe(gitAuthSecret),
  describe(flux.instance),
  ...appSecrets.externalSecrets.map(describe),
  ...(webhook ? [describe(webhook.receiver)] : []),
]);
