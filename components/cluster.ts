import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { K3sCluster, K3sClusterArgs } from "./k3s";
import { BuildPhase } from "./phases";

export interface ClusterArgs {
  /** "existing" uses a kubeconfig; "k3s" installs k3s over SSH first. */
  mode: "existing" | "k3s";
  /** Kubeconfig contents (existing mode). Defaults to the ambient kubeconfig ($KUBECONFIG or ~/.kube/config). */
  kubeconfig?: pulumi.Input<string>;
  /** Kubeconfig context (existing mode). Defaults to the kubeconfig's current context. */
  context?: string;
  /** k3s installation settings (k3s mode). */
  k3s?: K3sClusterArgs;
}

/**
 * The cluster the bootstrap targets, and the one Kubernetes provider every Kubernetes resource
 * uses (never the ambient default provider, so a stray context cannot be written to).
 */
export class Cluster extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:cluster:Cluster";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 1;
  /** Pass as `provider` to every Kubernetes resource. */
  public readonly provider: k8s.Provider;
  /** The API server URL, or a description of the ambient kubeconfig. */
  public readonly endpoint: pulumi.Output<string>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(Cluster.type, name, {}, opts);

    let kubeconfig: pulumi.Input<string> | undefined = args.kubeconfig;
    if (args.mode === "k3s") {
      if (args.k3s === undefined) throw new Error("Cluster: k3s settings are required in k3s mode");
      const k3s = new K3sCluster(`${name}-k3s`, args.k3s, { parent: this });
      kubeconfig = k3s.kubeconfig;
      this.endpoint = pulumi.output(k3s.apiServerUrl);
    } else if (kubeconfig !== undefined) {
      // The server URL is no credential: shown in plain even though the kubeconfig is secret.
      this.endpoint = pulumi.unsecret(pulumi.output(kubeconfig).apply((text) => serverOf(text, args.context)));
    } else {
      this.endpoint = pulumi.output(`ambient kubeconfig${args.context ? ` (context ${args.context})` : ""}`);
    }

    this.provider = new k8s.Provider(
      name,
      {
        kubeconfig,
        context: args.mode === "existing" ? args.context : undefined,
      },
      { parent: this },
    );
    this.registerOutputs({ endpoint: this.endpoint });
  }
}

/** The server URL of a kubeconfig's (current or given) context; not secret on its own. */
export function serverOf(kubeconfig: string, context?: string): string {
  interface Kubeconfig {
    "current-context"?: string;
    contexts?: { name: string; context: { cluster: string } }[];
    clusters?: { name: string; cluster: { server: string } }[];
  }
  const doc = (parseYaml(kubeconfig) ?? {}) as Kubeconfig;
  const contextName = context ?? doc["current-context"];
  const clusterName = doc.contexts?.find((c) => c.name === contextName)?.context.cluster ?? doc.clusters?.[0]?.name;
  return doc.clusters?.find((c) => c.name === clusterName)?.cluster.server ?? "unknown (kubeconfig has no cluster)";
}
