import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BootstrapConfig } from "./config";
import { managedByLabels, systemNamespaces } from "./kubernetes";
import { BuildPhase } from "./phases";

export interface NamespacesArgs {
  /** Namespace names; each must be a DNS-1123 label (config.ts checks). */
  names: readonly string[];
  provider: k8s.Provider;
  /** Keep namespaces (and their workloads) when the stack is destroyed. */
  retainOnDelete: boolean;
}

/** The namespaces the bootstrap and its apps use, each its own resource so dependents wait only for theirs. */
export class Namespaces extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:cluster:Namespaces";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 1;
  private readonly byName: ReadonlyMap<string, k8s.core.v1.Namespace>;

  constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(Namespaces.type, name, {}, opts);
    const unique = [...new Set(args.names)];
    this.byName = new Map(
      unique.map((namespace) => [
        namespace,
        new k8s.core.v1.Namespace(
          `ns-${namespace}`,
          { metadata: { name: namespace, labels: managedByLabels } },
          { parent: this, provider: args.provider, retainOnDelete: args.retainOnDelete },
        ),
      ]),
    );
    this.registerOutputs({ names: unique });
  }

  /** The Namespace resource for `name`; throws for a namespace that was not declared. */
  public get(name: string): k8s.core.v1.Namespace {
    const namespace = this.byName.get(name);
    if (namespace === undefined) throw new Error(`namespace "${name}" is not managed by this stack`);
    return namespace;
  }

  public get names(): string[] {
    return [...this.byName.keys()];
  }
}

/** Every namespace the stack manages: the system ones, the configured ones, and those apps and features use. */
export function managedNamespaceNames(config: BootstrapConfig): string[] {
  return [
    ...Object.values(systemNamespaces),
    ...config.namespaces,
    ...config.apps.map((app) => app.namespace),
    ...config.cloudflare.namespaces,
    ...(config.monitoring.enabled && config.monitoring.dashboards ? [config.monitoring.namespace] : []),
  ];
}
