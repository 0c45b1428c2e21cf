/**
 * gitops-bootstrap: one `pulumi up` takes a k3s cluster to a running Flux GitOps loop.
 *
 * The five phases below are an ordering of data dependencies, not a script: each resource waits
 * only for what it reads, so the Flux operator, ESO, Vault, key generation and namespaces all
 * proceed at once, and the FluxInstance is applied only after its pull secret is Ready. Each
 * component declares its phase (components/phases.ts); `npm run plan` draws them.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppSecrets } from "./components/apps";
import { BootstrapSecrets } from "./components/bootstrapSecrets";
import { Cluster } from "./components/cluster";
import { loadConfig, requiredValue } from "./components/config";
import { NamespaceSecretStores, vaultReaderServiceAccount } from "./components/externalSecrets";
import { FluxInstance } from "./components/flux";
import { GitAuth } from "./components/gitAuth";
import { GitHubRepository } from "./components/githubRepository";
import { describeObject, systemNamespaces } from "./components/kubernetes";
import { vaultLayout } from "./components/layout";
import { FluxMonitoring } from "./components/monitoring";
import { managedNamespaceNames, Namespaces } from "./components/namespaces";
import { Notifications } from "./components/notifications";
import { Operator, operators } from "./components/operators";
import { checkRepositoryPath } from "./components/repositoryCheck";
import { appSecretSources, notificationChannelSources, userSecretSpecs } from "./components/secretLists";
import { Vault } from "./components/vault";
import { VaultAccess } from "./components/vaultAccess";
import { WebhookReceiver } from "./components/webhook";

// Every config problem is reported here, at once, before a single resource is registered.
const config = loadConfig();
const layout = vaultLayout(config);
const safety = config.safety;

// ------------------------------------------------------------------------------------------------
// Phase 1: infrastructure — cluster, namespaces, Flux operator, Vault, External Secrets Operator.
// ------------------------------------------------------------------------------------------------
const cluster = new Cluster("cluster", {
  ...config.cluster,
  k3s: config.cluster.k3s && { ...config.cluster.k3s, sshPrivateKey: requiredValue(config.cluster.sshPrivateKey), ...safety },
});
const provider = cluster.provider;
const namespaces = new Namespaces("namespaces", { names: managedNamespaceNames(config), provider, retainOnDelete: safety.retainOnDelete });
const helm = { provider, timeoutSeconds: config.timeouts.helmSeconds, ...safety };
const fluxOperator = new Operator("flux-operator", {
  ...helm,
  operator: operators.flux,
  chartVersion: config.flux.operatorChartVersion,
  dependsOn: [namespaces.get(systemNamespaces.flux)],
});
const externalSecrets = new Operator("external-secrets", {
  ...helm,
  operator: operators.externalSecrets,
  chartVersion: config.externalSecrets.chartVersion,
  dependsOn: [namespaces.get(systemNamespaces.externalSecrets)],
});
const vaultServer = new Vault("vault", {
  ...config.vault,
  ...helm,
  token: config.vault.token && requiredValue(config.vault.token),
  dependsOn: [namespaces.get(systemNamespaces.vault)],
});
const vaultAccess = new VaultAccess("vault-access", {
  ...config.vault,
  vaultProvider: vaultServer.provider,
  k8sProvider: provider,
  authMount: config.vault.kubernetesAuthMount,
  readers: Object.entries(layout.readByNamespace).map(([namespace, paths]) => ({ namespace, serviceAccount: vaultReaderServiceAccount, paths })),
  dependsOn: [...vaultServer.ready, namespaces.get(systemNamespaces.vault)],
  protect: safety.protect,
});
const vaultWrites = { kvMount: vaultAccess.kvMount.path, vaultProvider: vaultServer.provider };

// ------------------------------------------------------------------------------------------------
// Phase 2: secret population — bootstrap secrets into Vault KV v2 (read back when not supplied).
// ------------------------------------------------------------------------------------------------
const bootstrapSecrets = new BootstrapSecrets("bootstrap-secrets", {
  mount: vaultAccess.kvMount.path,
  secrets: userSecretSpecs(config, layout),
  vaultProvider: vaultServer.provider,
  // What a person typed in once stays in Vault when it leaves the config (an app removed, say).
  retainOnDelete: safety.retainOnDelete,
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
const onCluster = { provider, readyTimeoutSeconds: config.timeouts.readySeconds };
const secretStores = new NamespaceSecretStores("secret-stores", {
  ...onCluster,
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
  dependsOn: [externalSecrets.release],
});
const fluxSecrets = { ...onCluster, ...config.externalSecrets, store: secretStores.store(systemNamespaces.flux) };
const gitAuth = new GitAuth("git-auth", {
  ...vaultWrites,
  kind: config.github.auth,
  deployKey: config.github.deployKey,
  deployKeyTitle: `flux-${config.stack}`,
  repository: config.github.repository,
  githubProvider: repository.provider,
  vaultPath: layout.gitAuth,
  pullSecretName: layout.secretNames.gitAuth,
  appCredentials: config.github.auth === "app" ? bootstrapSecrets.secret("github-app") : undefined,
  fluxSecrets,
  namespace: namespaces.get(systemNamespaces.flux),
});
const flux = new FluxInstance("flux", {
  ...config.flux,
  ...config.github,
  ...onCluster,
  ...safety,
  components: config.flux.allComponents,
  auth: { kind: config.github.auth, pullSecretName: gitAuth.pullSecretName },
  // An empty repository or path fails here, with what to commit, instead of a Flux error loop.
  repositoryCheck: checkRepositoryPath(config.github, repository.provider, config.secrets.githubToken, repository.scaffoldFiles),
  dependsOn: [fluxOperator.release, gitAuth.pullSecret],
});

// ------------------------------------------------------------------------------------------------
// Phase 4: applications — app secrets through ExternalSecrets, the push webhook, notifications.
// ------------------------------------------------------------------------------------------------
const appSecrets = new AppSecrets("app-secrets", {
  ...onCluster,
  apps: appSecretSources(config, layout).map(({ kvSecretName, ...app }) => ({
    ...app,
    dependsOn: [namespaces.get(app.namespace), bootstrapSecrets.secret(kvSecretName)],
  })),
  storeName: config.externalSecrets.storeName,
  storeFor: (namespace) => secretStores.store(namespace),
});
const webhook =
  config.webhook &&
  new WebhookReceiver("flux-webhook", {
    ...config.webhook,
    ...vaultWrites,
    generation: config.webhook.rotation,
    tokenSecretName: layout.secretNames.webhookToken,
    vaultPath: layout.webhookToken,
    fluxSecrets,
    repository: config.github.repository,
    githubProvider: repository.provider,
    fluxInstance: flux.instance,
  });
const channels = notificationChannelSources(config, layout).map(({ kvSecretName, ...channel }) => ({ ...channel, kvSecret: bootstrapSecrets.secret(kvSecretName) }));
if (channels.length > 0) {
  new Notifications("notifications", { channels, severity: config.notifications.severity, fluxSecrets, fluxInstance: flux.instance, namespaces: namespaces.names });
}
if (config.monitoring.enabled) {
  new FluxMonitoring("flux-monitoring", {
    ...config.monitoring,
    // A Provider created alongside is fine: v1beta3 Alerts look their Provider up per event.
    alertProviders: config.monitoring.alert ? channels.map((channel) => channel.type) : [],
    alertNamespaces: namespaces.names,
    components: config.flux.allComponents,
    provider,
    fluxInstance: flux.instance,
    dashboardsNamespace: config.monitoring.dashboards ? namespaces.get(config.monitoring.namespace) : undefined,
  });
}

// ------------------------------------------------------------------------------------------------
// Phase 5: verification — each output resolves only once what it names has been created and, for
// the waited-on custom resources, reported Ready.
// ------------------------------------------------------------------------------------------------
export const clusterEndpoint = cluster.endpoint;
export const managedNamespaces = namespaces.names;
export const fluxSync = { url: flux.syncUrl, ref: flux.syncRef, path: flux.syncPath, pullSecret: `${systemNamespaces.flux}/${gitAuth.pullSecretName}` };
export const vaultAddress = vaultServer.address;
export const vaultInClusterAddress = vaultServer.inClusterAddress;
export const vaultReaderRoles = Object.fromEntries(Object.keys(layout.readByNamespace).map((namespace) => [namespace, vaultAccess.reader(namespace).role.roleName]));
export const deployKeyFingerprint = gitAuth.deployKeyFingerprint;
export const webhookUrl = webhook ? webhook.url : undefined;
export const appsWired = config.apps.map((app) => `${app.namespace}/${app.name}-secrets`);
export const ready = pulumi.all([
  ...secretStores.all.map(describeObject),
  describeObject(gitAuth.pullSecret),
  describeObject(flux.instance),
  ...appSecrets.externalSecrets.map(describeObject),
  ...(webhook ? [describeObject(webhook.receiver)] : []),
]);
