import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { esoServiceAccount } from "./externalSecrets";
import { ChartArgs, chartRelease, ChartSource, systemNamespaces } from "./kubernetes";
import { BuildPhase, PhasedComponent } from "./phases";

/** An operator this program installs: its component type token and its chart. */
export interface OperatorDefinition {
  readonly type: string;
  readonly source: ChartSource;
}

/** The two operators phase 1 installs side by side; each type token keeps the URNs stacks already have. */
export const operators = {
  /** The Flux operator from its OCI chart; it owns the FluxInstance CRD and installs Flux itself. */
  flux: {
    type: "gitops:flux:Operator",
    source: { releaseName: "flux-operator", chart: "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator", namespace: systemNamespaces.flux },
  },
  /** External Secrets Operator, CRDs included. */
  externalSecrets: {
    type: "gitops:eso:Operator",
    source: {
      releaseName: "external-secrets",
      chart: "external-secrets",
      repo: "https://charts.external-secrets.io",
      namespace: systemNamespaces.externalSecrets,
      values: { installCRDs: true, serviceAccount: { create: true, name: esoServiceAccount.name } },
    },
  },
} as const satisfies Record<string, OperatorDefinition>;

export interface OperatorArgs extends ChartArgs {
  /** Which operator (see `operators`). */
  operator: OperatorDefinition;
}

/** An operator from its Helm chart: a real Helm release (hooks run) with the caller's safety options. */
export class Operator extends pulumi.ComponentResource {
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 1;
  /** Each operator's type token with this class's phase, for the plan. */
  public static readonly phased: readonly PhasedComponent[] = Object.values(operators).map((operator) => ({ type: operator.type, phase: Operator.phase }));
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: OperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super(args.operator.type, name, {}, opts);
    this.release = chartRelease(name, args.operator.source, args, { parent: this });
    this.registerOutputs({ status: this.release.status });
  }
}
