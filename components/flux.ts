import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CustomResourceManifest, readyCustomResource, systemNamespaces } from "./kubernetes";
import { BuildPhase } from "./phases";

/** How Flux authenticates to GitHub, and the Secret (materialised by ESO) that holds the credentials. */
export interface FluxGitAuth {
  kind: "deployKey" | "app";
  pullSecretName: string;
}

export interface FluxInstanceArgs {
  /** Flux distribution version or range, e.g. "2.8.x". */
  distributionVersion: string;
  /** Registry of the Flux controller images, e.g. "ghcr.io/fluxcd". */
  registry: string;
  /** Controllers to install, including the four defaults. */
  components: readonly string[];
  clusterSize: "small" | "medium" | "large";
  multitenant: boolean;
  networkPolicy: boolean;
  /** GitHub owner and repository of the cluster's manifests. */
  owner: string;
  repository: string;
  branch: string;
  /** Path of this cluster's manifests in the repository. */
  path: string;
  /** Go duration between syncs. */
  syncInterval: string;
  auth: FluxGitAuth;
  provider: k8s.Provider;
  /** Seconds to wait for Ready. */
  readyTimeoutSeconds: number;
  /** Resolves once the repository path holds manifests (see repositoryCheck.ts). */
  repositoryCheck?: pulumi.Input<unknown>;
  /** What must exist first: the operator release and the Ready pull secret. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  /** Refuse to delete it. */
  protect: boolean;
  /**
   * Leave it in the cluster on destroy. Deleting a FluxInstance removes Flux's CRDs and with them
   * every Flux object (flux-operator #423).
   */
  retainOnDelete: boolean;
}

/** The name the FluxInstance CRD requires (a CEL rule in the CRD). */
export const fluxInstanceName = "flux";
/** The sync objects' name; `flux bootstrap` uses it too, so adoption keeps the same GitRepository. */
export const fluxSyncName = "flux-system";

/** The git URL Flux pulls from: SSH for a deploy key, HTTPS for a GitHub App. */
export function syncUrl(owner: string, repository: string, auth: FluxGitAuth["kind"]): string {
  return auth === "deployKey"
    ? `ssh://git@github.com/${owner}/${repository}.git`
    : `https://github.com/${owner}/${repository}.git`;
}

/** The FluxInstance manifest; a pure function so tests check it against the upstream CRD. */
export function fluxInstanceManifest(
  args: Omit<FluxInstanceArgs, "provider" | "dependsOn" | "readyTimeoutSeconds" | "repositoryCheck" | "protect" | "retainOnDelete">,
): CustomResourceManifest {
  return {
    apiVersion: "fluxcd.controlplane.io/v1",
    kind: "FluxInstance",
    metadata: {
      name: fluxInstanceName,
      namespace: systemNamespaces.flux,
      annotations: {
        "fluxcd.controlplane.io/reconcileEvery": "1h",
        "fluxcd.controlplane.io/reconcileTimeout": "5m",
      },
    },
    spec: {
      distribution: { version: args.distributionVersion, registry: args.registry },
      components: [...args.components],
      cluster: {
        type: "kubernetes",
        size: args.clusterSize,
        multitenant: args.multitenant,
        networkPolicy: args.networkPolicy,
        domain: "cluster.local",
      },
      sync: {
        name: fluxSyncName,
        kind: "GitRepository",
        url: syncUrl(args.owner, args.repository, args.auth.kind),
        ref: `refs/heads/${args.branch}`,
        path: args.path,
        interval: args.syncInterval,
        pullSecret: args.auth.pullSecretName,
        ...(args.auth.kind === "app" ? { provider: "github" } : {}),
      },
    },
  };
}

/** The FluxInstance that installs Flux and syncs the cluster from GitHub. */
export class FluxInstance extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:flux:Instance";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 3;
  public readonly instance: k8s.apiextensions.CustomResource;
  public readonly syncUrl: string;
  public readonly syncRef: string;
  public readonly syncPath: string;

  constructor(name: string, args: FluxInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(FluxInstance.type, name, {}, opts);
    this.syncUrl = syncUrl(args.owner, args.repository, args.auth.kind);
    this.syncRef = `refs/heads/${args.branch}`;
    this.syncPath = args.path;

    this.instance = readyCustomResource(
      name,
      fluxInstanceManifest(args),
      { timeoutSeconds: args.readyTimeoutSeconds, gate: args.repositoryCheck },
      {
        parent: this,
        provider: args.provider,
        dependsOn: args.dependsOn,
        protect: args.protect,
        retainOnDelete: args.retainOnDelete,
      },
    );
    this.registerOutputs({ syncUrl: this.syncUrl, syncPath: this.syncPath });
  }
}
