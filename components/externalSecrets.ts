import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CustomResourceManifest, managedByLabels, readyCustomResource, systemNamespaces } from "./kubernetes";
import { BuildPhase } from "./phases";

/** ESO's controller service account (it reads nothing from Vault as itself). */
export const esoServiceAccount = { name: "external-secrets", namespace: systemNamespaces.externalSecrets } as const;

/**
 * The service account each namespace's store logs in to Vault as. ESO asks the API server for a
 * token of it (TokenRequest, in the SecretStore's own namespace: external-secrets v2.9.0
 * providers/v1/vault/auth.go createServiceAccountToken; the chart grants `serviceaccounts/token`
 * create by default, values.yaml rbac.serviceAccountTokenCreate), so the Vault role bound to it
 * identifies the namespace, not ESO.
 */
export const vaultReaderServiceAccount = "vault-reader";

export interface NamespaceStoreManifestArgs {
  /** Store name, the same in every namespace. */
  storeName: string;
  /** The namespace the store serves, and the only one that can use it. */
  namespace: string;
  /** Vault address as ESO (in the cluster) reaches it. */
  server: string;
  /** KV v2 mount path. */
  kvMount: pulumi.Input<string>;
  /** Kubernetes auth mount path in Vault. */
  authMount: pulumi.Input<string>;
  /** The Vault role bound to this namespace's reader service account. */
  role: pulumi.Input<string>;
}

/**
 * A namespaced SecretStore: only ExternalSecrets of its own namespace can use it, and it logs in with
 * that namespace's own service account (a SecretStore's serviceAccountRef has no namespace to point
 * elsewhere).
 */
export function namespaceStoreManifest(args: NamespaceStoreManifestArgs): CustomResourceManifest {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "SecretStore",
    metadata: { name: args.storeName, namespace: args.namespace },
    spec: {
      provider: {
        vault: {
          server: args.server,
          path: args.kvMount,
          version: "v2",
          auth: { kubernetes: { mountPath: args.authMount, role: args.role, serviceAccountRef: { name: vaultReaderServiceAccount } } },
        },
      },
    },
  };
}

/** One namespace that reads from Vault: its Vault role and what that role needs before a login works. */
export interface NamespaceStoreTarget {
  namespace: string;
  /** The Vault role bound to `vaultReaderServiceAccount` in this namespace only. */
  role: pulumi.Input<string>;
  /** The Namespace resource. */
  namespaceResource: pulumi.Resource;
  /** The Vault role, its policy and the auth config behind `role`: a login works once they exist. */
  roleReady: pulumi.Resource[];
}

export interface NamespaceSecretStoresArgs {
  /** Store name, the same in every namespace. */
  storeName: string;
  /** Vault address as ESO (in the cluster) reaches it. */
  server: string;
  /** KV v2 mount path. */
  kvMount: pulumi.Input<string>;
  /** Kubernetes auth mount path in Vault. */
  authMount: pulumi.Input<string>;
  /** Every namespace that has ExternalSecrets; no other namespace gets a store. */
  targets: readonly NamespaceStoreTarget[];
  provider: k8s.Provider;
  readyTimeoutSeconds: number;
  /** The ESO release (CRDs and the controller that validates stores). */
  dependsOn: pulumi.Resource[];
}

/**
 * Per namespace, a reader service account and a SecretStore that logs in to Vault as it; Pulumi waits
 * until ESO reports each store Ready (Valid). A namespace can therefore read only what its own Vault
 * role's policy lists, which is what its own ExternalSecrets name.
 */
export class NamespaceSecretStores extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:eso:NamespaceSecretStores";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 3;
  private readonly stores: ReadonlyMap<string, k8s.apiextensions.CustomResource>;

  constructor(name: string, args: NamespaceSecretStoresArgs, opts?: pulumi.ComponentResourceOptions) {
    super(NamespaceSecretStores.type, name, {}, opts);
    const stores = new Map<string, k8s.apiextensions.CustomResource>();
    for (const target of args.targets) {
      if (stores.has(target.namespace)) throw new Error(`namespace "${target.namespace}" has two secret stores`);
      const account = new k8s.core.v1.ServiceAccount(
        `${name}-${target.namespace}`,
        { metadata: { name: vaultReaderServiceAccount, namespace: target.namespace, labels: managedByLabels } },
        { parent: this, provider: args.provider, dependsOn: [target.namespaceResource] },
      );
      const manifest = namespaceStoreManifest({
        storeName: args.storeName,
        namespace: target.namespace,
        server: args.server,
        kvMount: args.kvMount,
        authMount: args.authMount,
        role: target.role,
      });
      stores.set(
        target.namespace,
        readyCustomResource(`${name}-${target.namespace}`, manifest, { timeoutSeconds: args.readyTimeoutSeconds }, {
          parent: this,
          provider: args.provider,
          dependsOn: [...args.dependsOn, ...target.roleReady, account],
        }),
      );
    }
    this.stores = stores;
    this.registerOutputs({ namespaces: [...stores.keys()] });
  }

  /** The store of `namespace`; throws for a namespace without one (it would read nothing). */
  public store(namespace: string): k8s.apiextensions.CustomResource {
    const store = this.stores.get(namespace);
    if (store === undefined) throw new Error(`namespace "${namespace}" has no secret store: list its Vault paths in the layout`);
    return store;
  }

  public get all(): k8s.apiextensions.CustomResource[] {
    return [...this.stores.values()];
  }
}

/**
 * How a component's ExternalSecrets reach Vault: its namespace's store (they wait for it to be
 * Ready), how often they refresh, and the cluster they are applied to. One bundle, passed whole.
 */
export interface StoreBinding {
  /** The SecretStore's name (the same in every namespace). */
  storeName: string;
  /** The SecretStore resource. */
  store: pulumi.Resource;
  refreshInterval: string;
  provider: k8s.Provider;
  /** Seconds to wait for each ExternalSecret (and other waited-on resources) to be Ready. */
  readyTimeoutSeconds: number;
}

export interface VaultExternalSecretArgs {
  /** Namespace of the ExternalSecret and its Secret. */
  namespace: string;
  /** Name of the ExternalSecret and of the Kubernetes Secret it creates. */
  secretName: string;
  /** The SecretStore in `namespace` (stores are per namespace). */
  storeName: string;
  refreshInterval: string;
  /** KV path inside the mount; every field becomes a key of the Secret. */
  vaultPath: string;
  /** Secret type and labels, e.g. for Flux's git credentials. Defaults to Opaque. */
  template?: { type?: string; labels?: Record<string, string> };
  provider: k8s.Provider;
  readyTimeoutSeconds: number;
  /** The store, the KV secret and the namespace. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

export function externalSecretManifest(args: Omit<VaultExternalSecretArgs, "provider" | "dependsOn" | "readyTimeoutSeconds">): CustomResourceManifest {
  const template =
    args.template === undefined
      ? undefined
      : { type: args.template.type ?? "Opaque", ...(args.template.labels ? { metadata: { labels: args.template.labels } } : {}) };
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: args.secretName, namespace: args.namespace },
    spec: {
      refreshInterval: args.refreshInterval,
      secretStoreRef: { kind: "SecretStore", name: args.storeName },
      target: { name: args.secretName, creationPolicy: "Owner", deletionPolicy: "Retain", ...(template ? { template } : {}) },
      dataFrom: [{ extract: { key: args.vaultPath } }],
    },
  };
}

/** An ExternalSecret that copies one Vault KV secret into a Kubernetes Secret; Pulumi waits until it is synced (Ready). */
export function vaultExternalSecret(name: string, args: VaultExternalSecretArgs, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
  return readyCustomResource(name, externalSecretManifest(args), { timeoutSeconds: args.readyTimeoutSeconds }, {
    ...opts,
    provider: args.provider,
    dependsOn: args.dependsOn,
  });
}
