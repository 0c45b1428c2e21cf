import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { vaultExternalSecret } from "./externalSecrets";
import { BuildPhase } from "./phases";

export interface AppSecretTarget {
  /** App name, for labels. */
  name: string;
  namespace: string;
  /** The Kubernetes Secret (and ExternalSecret) name in the namespace. */
  secretName: string;
  /** KV path of the app's secret. */
  vaultPath: string;
  refreshInterval: string;
  /** What this ExternalSecret waits for: its namespace and its KV secret. */
  dependsOn: pulumi.Resource[];
}

export interface AppSecretsArgs {
  apps: readonly AppSecretTarget[];
  /** The SecretStore name (the same in every namespace). */
  storeName: string;
  /** The store of a namespace: each ExternalSecret waits for its own namespace's store to be Ready. */
  storeFor: (namespace: string) => pulumi.Resource;
  provider: k8s.Provider;
  readyTimeoutSeconds: number;
}

/** One ExternalSecret per app, in the app's namespace, reading only the app's Vault path. */
export class AppSecrets extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:apps:AppSecrets";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 4;
  public readonly externalSecrets: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AppSecrets.type, name, {}, opts);
    this.externalSecrets = args.apps.map((app) =>
      vaultExternalSecret(
        // Unique per Kubernetes object (namespace/name), so two targets can never share a URN.
        `${name}-${app.namespace}-${app.secretName}`,
        {
          namespace: app.namespace,
          secretName: app.secretName,
          storeName: args.storeName,
          refreshInterval: app.refreshInterval,
          vaultPath: app.vaultPath,
          template: { labels: { "app.kubernetes.io/name": app.name } },
          provider: args.provider,
          readyTimeoutSeconds: args.readyTimeoutSeconds,
          dependsOn: [args.storeFor(app.namespace), ...app.dependsOn],
        },
        { parent: this },
      ),
    );
    this.registerOutputs({ secrets: args.apps.map((app) => `${app.namespace}/${app.secretName}`) });
  }
}
