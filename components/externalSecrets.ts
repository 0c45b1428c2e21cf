import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartArgs, chartRelease, CustomResourceManifest, readyCustomResource, systemNamespaces } from "./kubernetes";

/** ESO's controller service account; the Vault role is bound to exactly this account. */
export const esoServiceAccount = { name: "external-secrets", namespace: systemNamespaces.externalSecrets } as const;

/** Chart version, provider, timeout and safety options (see ChartArgs). */
export type ExternalSecretsOperatorArgs = ChartArgs;

/** External Secrets Operator from its Helm chart (CRDs included). */
export class ExternalSecretsOperator extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: ExternalSecretsOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:eso:Operator", name, {}, opts);
    this.release = chartRelease(
      name,
      {
        releaseName: "external-secrets",
        chart: "external-secrets",
        repo: "https://charts.external-secrets.io",
        namespace: systemNamespaces.externalSecrets,
        values: { installCRDs: true, serviceAccount: { create: true, name: esoServiceAccount.name } },
      },
      args,
      { parent: this },
    );
    this.registerOutputs({ status: this.release.status });
  }
}

export interface VaultStoreArgs {
  /** ClusterSecretStore name. */
  storeName: string;
  /** Vault address as ESO (in the cluster) reaches it. */
  server: string;
  /** KV v2 mount path. */
  kvMount: pulumi.Input<string>;
  /** Kubernetes auth mount path in Vault. */
  authMount: pulumi.Input<string>;
  /** Vault role ESO logs in with. */
  role: pulumi.Input<string>;
  /** Namespaces allowed to use the store; nothing else can read through it. */
  namespaces: readonly string[];
  provider: k8s.Provider;
  readyTimeoutSeconds: number;
  /** The ESO release (CRDs) and the Vault role. */
  dependsOn: pulumi.Resource[];
}

export function clusterSecretStoreManifest(args: Omit<VaultStoreArgs, "provider" | "dependsOn" | "readyTimeoutSeconds">): CustomResourceManifest {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: args.storeName },
    spec: {
      conditions: [{ namespaces: [...new Set(args.namespaces)].sort() }],
      provider: {
        vault: {
          server: args.server,
          path: args.kvMount,
          version: "v2",
          auth: {
            kubernetes: {
              mountPath: args.authMount,
              role: args.role,
              serviceAccountRef: { name: esoServiceAccount.name, namespace: esoServiceAccount.namespace },
            },
          },
        },
      },
    },
  };
}

/** The ClusterSecretStore backed by Vault with Kubernetes auth; Pulumi waits until ESO reports it Ready (Valid). */
export function vaultClusterSecretStore(name: string, args: VaultStoreArgs, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
  return readyCustomResource(name, clusterSecretStoreManifest(args), { timeoutSeconds: args.readyTimeoutSeconds }, {
    ...opts,
    provider: args.provider,
    dependsOn: args.dependsOn,
  });
}

export interface VaultExternalSecretArgs {
  /** Namespace of the ExternalSecret and its Secret. */
  namespace: string;
  /** Name of the ExternalSecret and of the Kubernetes Secret it creates. */
  secretName: string;
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
      secretStoreRef: { kind: "ClusterSecretStore", name: args.storeName },
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
