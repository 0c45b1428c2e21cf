import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Namespaces the bootstrap itself needs, besides the ones stack config adds. */
export const systemNamespaces = {
  flux: "flux-system",
  vault: "vault",
  externalSecrets: "external-secrets",
} as const;

/** What every custom resource this program creates looks like before Pulumi wraps it. */
export interface CustomResourceManifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

export interface ReadyWait {
  /** Condition type to wait for. Defaults to "Ready". */
  condition?: string;
  /** How long to wait, in seconds (from the `timeouts.ready` config). */
  timeoutSeconds: number;
  /** A check that must pass before the resource is applied (its value is ignored). */
  gate?: pulumi.Input<unknown>;
}

/** Labels that tell a cluster reader who manages an object. */
export const managedByLabels = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "gitops-bootstrap" };

/** Creates a custom resource that has no status to wait for (e.g. Flux's static Provider and Alert). */
export function customResource(
  name: string,
  manifest: CustomResourceManifest,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    name,
    {
      apiVersion: manifest.apiVersion,
      kind: manifest.kind,
      metadata: { ...manifest.metadata, labels: { ...managedByLabels, ...manifest.metadata.labels } },
      spec: manifest.spec,
    },
    opts,
  );
}

/**
 * Creates a custom resource that Pulumi waits on until its Ready condition is true: custom
 * resources otherwise count as ready at once (pulumi-kubernetes reads `pulumi.com/waitFor`).
 */
export function readyCustomResource(
  name: string,
  manifest: CustomResourceManifest,
  wait: ReadyWait,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  const timeout = `${wait.timeoutSeconds}s`;
  return new k8s.apiextensions.CustomResource(
    name,
    {
      apiVersion: manifest.apiVersion,
      kind: manifest.kind,
      metadata: {
        ...manifest.metadata,
        labels: { ...managedByLabels, ...manifest.metadata.labels },
        annotations: { ...manifest.metadata.annotations, "pulumi.com/waitFor": `condition=${wait.condition ?? "Ready"}` },
      },
      spec: wait.gate === undefined ? manifest.spec : pulumi.output(wait.gate).apply(() => manifest.spec),
    },
    { ...opts, customTimeouts: { create: timeout, update: timeout } },
  );
}

/** What every chart this program installs takes from its caller. */
export interface ChartArgs {
  /** Exact chart version. */
  chartVersion: string;
  provider: k8s.Provider;
  /** Helm install/upgrade timeout in seconds. */
  timeoutSeconds: number;
  /** What the release waits for (its namespace). */
  dependsOn: pulumi.Resource[];
  /** Refuse to delete the release (charts that own CRDs or state). */
  protect: boolean;
  /** Leave the release in the cluster when the stack is destroyed. */
  retainOnDelete: boolean;
}

/** Where a chart comes from and how it is installed. */
export interface ChartSource {
  /** Helm release name. */
  releaseName: string;
  /** Chart name in `repo`, or an `oci://` URL (then no repo: pulumi-kubernetes #2334). */
  chart: string;
  repo?: string;
  namespace: string;
  values?: Record<string, unknown>;
  /** Wait for the release's resources to be ready. Defaults to true (atomic). */
  wait?: boolean;
}

/** A real Helm release (hooks run), with the caller's safety options. */
export function chartRelease(
  name: string,
  source: ChartSource,
  args: ChartArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
  const wait = source.wait ?? true;
  return new k8s.helm.v3.Release(
    name,
    {
      name: source.releaseName,
      chart: source.chart,
      version: args.chartVersion,
      repositoryOpts: source.repo === undefined ? undefined : { repo: source.repo },
      namespace: source.namespace,
      createNamespace: false,
      atomic: wait,
      skipAwait: !wait,
      timeout: args.timeoutSeconds,
      values: source.values,
    },
    {
      ...opts,
      provider: args.provider,
      dependsOn: args.dependsOn,
      protect: args.protect,
      retainOnDelete: args.retainOnDelete,
    },
  );
}

/** "Kind namespace/name" of a Kubernetes object, once Pulumi has it: outputs that resolve when it exists. */
export function describeObject(object: { kind: pulumi.Output<string>; metadata: pulumi.Output<{ name?: string; namespace?: string }> }): pulumi.Output<string> {
  return pulumi.all([object.kind, object.metadata]).apply(([kind, metadata]) => `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name ?? ""}`);
}
