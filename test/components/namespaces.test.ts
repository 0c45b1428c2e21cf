import { describe, expect, it } from "vitest";
import { Namespaces } from "../../components/namespaces";
import { clusterProvider, runComponent, tree, urnPrefix } from "./run";

describe("Namespaces alone", () => {
  it("registers one Namespace per distinct name, under the component, on the given provider", async () => {
    const run = await runComponent(() => {
      const namespaces = new Namespaces("namespaces", { names: ["flux-system", "apps", "flux-system"], provider: clusterProvider(), retainOnDelete: true });
      return { names: namespaces.names };
    });
    expect(tree(run)).toEqual([
      "gitops:cluster:Namespaces namespaces",
      "kubernetes:core/v1:Namespace ns-apps < namespaces",
      "kubernetes:core/v1:Namespace ns-flux-system < namespaces",
      "pulumi:providers:kubernetes cluster",
    ]);
    const apps = run.one("kubernetes:core/v1:Namespace", "ns-apps");
    expect(apps.parent).toBe(`${urnPrefix}gitops:cluster:Namespaces::namespaces`);
    expect(apps.provider).toBe(`${urnPrefix}pulumi:providers:kubernetes::cluster::cluster-id`);
    expect(apps.inputs.metadata).toEqual({ name: "apps", labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "gitops-bootstrap" } });
    expect(apps.retainOnDelete).toBe(true);
    expect(run.outputs.names.value).toEqual(["flux-system", "apps"]);
  });

  it("deletes namespaces with the stack when not told to keep them", async () => {
    const run = await runComponent(() => void new Namespaces("namespaces", { names: ["apps"], provider: clusterProvider(), retainOnDelete: false }));
    expect(run.one("kubernetes:core/v1:Namespace", "ns-apps").retainOnDelete).toBe(false);
  });
});
