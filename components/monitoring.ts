import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { customResource, CustomResourceManifest, systemNamespaces } from "./kubernetes";
import { eventSourcesIn } from "./notifications";
import { BuildPhase } from "./phases";

/** A pinned upstream git source (the monitoring example has no tags, so a commit). */
export interface MonitoringSource {
  url: string;
  commit: string;
}

export interface MonitoringArgs {
  /** Create a PodMonitor for the Flux controllers: only where the Prometheus Operator's CRDs exist. */
  podMonitor: boolean;
  /** Let Flux apply the upstream dashboards (ConfigMaps for Grafana's sidecar). */
  dashboards: boolean;
  /** Notification Provider names that get an Alert on failed reconciliations ([] = none). */
  alertProviders: readonly string[];
  /** Namespaces whose Flux objects' failures alert (the stack's managed namespaces). */
  alertNamespaces: readonly string[];
  /** Namespace of the dashboards' ConfigMaps (created with the stack's other namespaces). */
  namespace: string;
  source: MonitoringSource;
  /** The Flux controllers installed (the PodMonitor scrapes these). */
  components: readonly string[];
  provider: k8s.Provider;
  /** The FluxInstance: Flux's CRDs exist once it is Ready. */
  fluxInstance: pulumi.Resource;
  /** The Namespace the dashboards' Kustomization applies into (needed when `dashboards`). */
  dashboardsNamespace?: pulumi.Resource;
}

/** Names of the objects, written once. */
export const monitoringNames = { podMonitor: "flux-system", source: "flux-monitoring", dashboards: "flux-monitoring-dashboards" } as const;
/** Where the dashboards live in fluxcd/flux2-monitoring-example. */
export const upstreamConfigsPath = "monitoring/configs";
/** The PodMonitor upstream ships beside them (monitoring/configs/podmonitor.yaml). */
const upstreamPodMonitorName = "flux-system";

/**
 * Scrapes each Flux controller's `http-prom` port, selected by its `app` pod label (both as in the
 * controllers' Deployments bundled by flux-operator, config/data/flux/v2.9.4, and as upstream's
 * flux2-monitoring-example monitoring/configs/podmonitor.yaml does).
 */
export function podMonitorManifest(components: readonly string[]): CustomResourceManifest {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: {
      name: monitoringNames.podMonitor,
      namespace: systemNamespaces.flux,
      // kube-prometheus-stack as configured upstream selects PodMonitors by this label.
      labels: { "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/component": "monitoring" },
    },
    spec: {
      namespaceSelector: { matchNames: [systemNamespaces.flux] },
      selector: { matchExpressions: [{ key: "app", operator: "In", values: [...components] }] },
      podMetricsEndpoints: [{ port: "http-prom" }],
    },
  };
}

/** The upstream repository at a pinned commit, fetching only the configs folder. */
export function monitoringSourceManifest(source: MonitoringSource): CustomResourceManifest {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name: monitoringNames.source, namespace: systemNamespaces.flux },
    spec: {
      interval: "1h",
      url: source.url,
      ref: { commit: source.commit },
      ignore: `/*\n!/${upstreamConfigsPath}/\n`,
    },
  };
}

/**
 * Applies the upstream dashboards by reference. Upstream's configs also carry their own PodMonitor;
 * it is deleted from the build so the PodMonitor above is the only one (no double scrape) and the
 * dashboards apply where the Prometheus Operator is absent.
 */
export function dashboardsManifest(namespace: string): CustomResourceManifest {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: monitoringNames.dashboards, namespace: systemNamespaces.flux },
    spec: {
      interval: "1h",
      retryInterval: "5m",
      timeout: "2m",
      sourceRef: { kind: "GitRepository", name: monitoringNames.source },
      path: `./${upstreamConfigsPath}`,
      targetNamespace: namespace,
      prune: true,
      // A strategic-merge `$patch: delete` with a target drops the matching object from the build
      // (kubernetes-sigs/kustomize #1593, #4526); the target names it, as a target without a name
      // would match every object of the kind (fluxcd/kustomize-controller #464).
      patches: [
        {
          target: { group: "monitoring.coreos.com", kind: "PodMonitor", name: upstreamPodMonitorName },
          patch: stringify({ $patch: "delete", apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: upstreamPodMonitorName } }),
        },
      ],
    },
  };
}

/** Announces every failed reconciliation in `namespaces` to one notification Provider. */
export function reconciliationAlertManifest(providerName: string, namespaces: readonly string[]): CustomResourceManifest {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Alert",
    metadata: { name: `reconciliation-failures-${providerName}`, namespace: systemNamespaces.flux },
    spec: {
      providerRef: { name: providerName },
      eventSeverity: "error",
      eventSources: eventSourcesIn(["Kustomization", "HelmRelease", "GitRepository"], namespaces),
    },
  };
}

/** Flux's metrics, dashboards and failure alerts, each optional; all wait for the FluxInstance. */
export class FluxMonitoring extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:flux:Monitoring";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 4;
  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super(FluxMonitoring.type, name, {}, opts);
    const childOpts = { parent: this, provider: args.provider, dependsOn: [args.fluxInstance] };
    if (args.podMonitor) customResource(`${name}-pod-monitor`, podMonitorManifest(args.components), childOpts);
    if (args.dashboards) {
      const source = customResource(`${name}-source`, monitoringSourceManifest(args.source), childOpts);
      const namespace = args.dashboardsNamespace === undefined ? [] : [args.dashboardsNamespace];
      customResource(`${name}-dashboards`, dashboardsManifest(args.namespace), { ...childOpts, dependsOn: [args.fluxInstance, source, ...namespace] });
    }
    for (const providerName of args.alertProviders) {
      customResource(`${name}-alert-${providerName}`, reconciliationAlertManifest(providerName, args.alertNamespaces), childOpts);
    }
    this.registerOutputs({});
  }
}
