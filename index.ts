/**
 * gitops-bootstrap: one `pulumi up` takes a k3s cluster to a running Flux GitOps loop.
 *
 * The five phases below are an ordering of data dependencies, not a script: each resource waits
 * only for what it reads, so the Flux operator, ESO, Vault, key generation and namespaces all
 * proceed at once, and the FluxInstance is applied only after its pull secret is Ready.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppSecrets } from "./components/apps";
import { BootstrapSecrets } from "./components/bootstrapSecrets";
import { Cluster } from "./components/cluster";
import { loadConfig, requiredValue } from "./components/config";
import { ExternalSecretsOperator, NamespaceSecretStores, vaultReaderServiceAccount } from "./components/externalSecrets";
import { FluxInstance, FluxOperator } from "./components/flux";
import { GitAuth } from "./components/gitAuth";
import { GitHubRepository } from "./components/githubRepository";
import { systemNamespaces } from "./components/kubernetes";
import { vaultLayout } from "./components/layout";
import { FluxMonitoring } from "./components/monitoring";
import { Namespaces } from "./components/namespaces";
import { checkRepositoryPath } from "./components/repositoryCheck";
import { Notifications } from "./components/notifications";
import { appSecretSources, notificationChannelSources, userSecretSpecs } from "./components/secretLists";
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
const bootstrapSecrets = new BootstrapSecrets("bootstrap-secrets", {
  mount: vaultAccess.kvMount.path,
  secrets: userSecretSpecs(config, layout),
  vaultProvider: vaultServer.provider,
  // What a person typed in once stays in Vault when it leaves the config (an app removed, say).
  retainOnDelete,
});

const repository = new GitHubRepository("github", {
  ...config.github,
  token: bootstrapSecrets.value("github-token", "token"),
  protection: { ...config.github.protection, rulesetName: `gitops-bootstrap-${config.stack}` },
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
const fluxStore = { storeName: config.externalSecrets.storeName, store: secretStores.store(systemNamespaces.flux), refreshInterval: config.externalSecrets.refreshInterval };

const gitAuth = new GitAuth("git-auth", {
  kind: config.github.auth,
  deployKey: config.github.deployKey,
  deployKeyTitle: `flux-${config.stack}`,
  repository: config.github.repository,
  githubProvider: repository.provider,
  vaultPath: layout.gitAuth,
  pullSecretName: layout.secretNames.gitAuth,
  kvMount: vaultAccess.kvMount.path,
  vaultProvider: vaultServer.provider,
  appCredentials: config.github.auth === "app" ? bootstrapSecrets.secret("github-app") : undefined,
  ...fluxStore,
  namespace: namespaces.get(systemNamespaces.flux),
  provider: k8sProvider,
  readyTimeoutSeconds: readyTimeout,
});

const flux = new FluxInstance("flux", {
  ...config.flux,
  components: config.flux.allComponents,
  ...config.github,
  auth: { kind: config.github.auth, pullSecretName: gitAuth.pullSecretName },
  // An empty repository or path fails here, with what to commit, instead of a Flux error loop.
  repositoryCheck: checkRepositoryPath(config.github, repository.provider, config.secrets.githubToken, repository.scaffoldFiles),
  provider: k8sProvider,
  readyTimeoutSeconds: readyTimeout,
  dependsOn: [fluxOperator.release, gitAuth.pullSecret],
  protect,
  retainOnDelete,
});

// ------------------------------------------------------------------------------------------------
// Phase 4: applications — app secrets through ExternalSecrets, the push webhook, notifications.
// ------------------------------------------------------------------------------------------------
const appSecrets = new AppSecrets("app-secrets", {
  apps: appSecretSources(config, layout).map(({ kvSecretName, ...app }) => ({
    ...app,
    dependsOn: [namespaces.get(app.namespace), bootstrapSecrets.secret(kvSecretName)],
  })),
  storeName: config.externalSecrets.storeName,
  storeFor: (namespace) => secretStores.store(namespace),
  provider: k8sProvider,
  readyTimeoutSeconds: readyTimeout,
});

const webhook = config.webhook
  ? new WebhookReceiver("flux-webhook", {
      ...config.webhook,
      generation: config.webhook.rotation,
      tokenSecretName: layout.secretNames.webhookToken,
      vaultPath: layout.webhookToken,
      kvMount: vaultAccess.kvMount.path,
      vaultProvider: vaultServer.provider,
      ...fluxStore,
      repository: config.github.repository,
      githubProvider: repository.provider,
      provider: k8sProvider,
      readyTimeoutSeconds: readyTimeout,
      fluxInstance: flux.instance,
    })
  : undefined;

const channels = notificationChannelSources(config, layout).map(({ kvSecretName, ...channel }) => ({ ...channel, kvSecret: bootstrapSecrets.secret(kvSecretName) }));
if (channels.length > 0) {
  new Notifications("notifications", {
    channels,
    severity: config.notifications.severity,
    ...fluxStore,
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
  pullSecret: `${systemNamespaces.flux}/${gitAuth.pullSecretName}`,
};
export const vaultAddress = vaultServer.address;
export const vaultInClusterAddress = vaultServer.inClusterAddress;
export const vaultReaderRoles = Object.fromEntries(Object.keys(layout.readByNamespace).map((namespace) => [namespace, vaultAccess.reader(namespace).role.roleName]));
export const deployKeyFingerprint = gitAuth.deployKeyFingerprint;
export const webhookUrl = webhook?.url;
export const appsWired = config.apps.map((app) => `${app.namespace}/${app.name}-secrets`);
export const ready = pulumi.all([
  ...secretStores.all.map(describe),
  describe(gitAuth.pullSecret),
  describe(flux.instance),
  ...appSecrets.externalSecrets.map(describe),
  ...(webhook ? [describe(webhook.receiver)] : []),
]);
