/**
 * Validates the Flux and Prometheus Operator objects whose CRDs are not vendored in schemas/crds
 * with the published models of tommy351/kubernetes-models-ts (the CRDs in schemas/crds stay with
 * ./crds.ts, which is stricter).
 *
 * Which upstream versions the models were generated from (read in tommy351/kubernetes-models-ts at
 * the release commit 6e134fd, "Version Packages"):
 *
 * - @kubernetes-models/flux-cd 4.0.0: third-party/flux-cd/go.mod pins the Go API modules
 *   source-controller/api v1.8.4, kustomize-controller/api v1.8.5, notification-controller/api v1.8.4
 *   and helm-controller/api v1.5.4. Those are the controllers of **Flux 2.8.7**
 *   (controlplaneio-fluxcd/flux-operator config/data/flux-images/v2.8.7/upstream-alpine.yaml), not the
 *   Flux 2.9.x the stacks deploy (2.9.4 runs source-controller and kustomize-controller v1.9.4). No
 *   published version of the package follows Flux 2.9 yet. Comparing flux-operator's
 *   config/data/flux/v2.8.7 and v2.9.4 CRDs: Kustomization v1 gained spec.ignore, spec.buildMetadata
 *   and spec.postBuild.substituteStrategy, and GitRepository's spec.provider gained "aws". The program
 *   uses none of them; should it start to, these models would reject `provider: "aws"` although Flux
 *   2.9 accepts it.
 * - @kubernetes-models/prometheus-operator 6.0.0: third-party/prometheus-operator/go.mod pins
 *   prometheus-operator/pkg/apis/monitoring v0.91.0 (its CHANGELOG says the same). The stacks do not
 *   install the Prometheus Operator; the PodMonitor is for clusters that have it.
 *
 * The models are generated from the Go types, not from the CRDs' YAML, so they check less than the
 * API server: types, required fields, enums and the kubebuilder patterns and lengths they carry, but
 * not unknown fields (they are accepted), not metadata (name, namespace), not Duration formats and
 * not the CRDs' CEL rules.
 */
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { GitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import type { KubernetesObject } from "./crds";

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: never): { validate(): void };
}

const modelClasses: readonly ModelClass[] = [Kustomization, GitRepository, PodMonitor];

function modelKey(apiVersion: unknown, kind: unknown): string {
  return `${String(apiVersion)} ${String(kind)}`;
}

const modelsByKey = new Map(modelClasses.map((model) => [modelKey(model.apiVersion, model.kind), model]));

/** The apiVersion/kind pairs validateWithModels knows, e.g. "kustomize.toolkit.fluxcd.io/v1 Kustomization". */
export function modelledKinds(): string[] {
  return [...modelsByKey.keys()];
}

/**
 * Validates one object with the model of its apiVersion and kind. Throws when there is no such model,
 * or with the model's message (every problem, e.g. "data/spec/prune must be boolean").
 */
export function validateWithModels(object: KubernetesObject): void {
  const key = modelKey(object.apiVersion, object.kind);
  const model = modelsByKey.get(key);
  if (model === undefined) throw new Error(`no model for ${key} (known: ${modelledKinds().join(", ")})`);
  // What reaches the API server is JSON: undefined fields disappear.
  const data = JSON.parse(JSON.stringify(object)) as never;
  try {
    new model(data).validate();
  } catch (error) {
    const name = typeof object.metadata?.name === "string" ? object.metadata.name : "<unnamed>";
    throw new Error(`${key} ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
