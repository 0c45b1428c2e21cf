import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Cluster } from "../../components/cluster";
import { runComponent, secretWire, tree, urnPrefix } from "./run";

const providerType = "pulumi:providers:kubernetes";
const commandType = "command:remote:Command";
const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----s3cr3t-cluster-ssh-key-0001";
const kubeconfig = [
  "apiVersion: v1",
  "kind: Config",
  "clusters:",
  "- name: blue",
  "  cluster: { server: https://blue.example.com:6443 }",
  "- name: green",
  "  cluster: { server: https://green.example.com:6443 }",
  "contexts:",
  "- name: blue",
  "  context: { cluster: blue, user: admin }",
  "- name: green",
  "  context: { cluster: green, user: admin }",
  "current-context: blue",
  "users:",
  "- name: admin",
  "  user: { token: s3cr3t-kubeconfig-token-0001 }",
  "",
].join("\n");

describe("Cluster alone", () => {
  it("existing: one Kubernetes provider under the component from the given kubeconfig and context, the endpoint shown in plain", async () => {
    const run = await runComponent(
      () => {
        // A secret, as stack config hands it over.
        const cluster = new Cluster("cluster", { mode: "existing", kubeconfig: pulumi.secret(kubeconfig), context: "green" });
        return { endpoint: cluster.endpoint };
      },
      { secrets: { kubeconfig } },
    );
    expect(tree(run)).toEqual(["gitops:cluster:Cluster cluster", `${providerType} cluster < cluster`]);
    const provider = run.one(providerType);
    expect(provider.parent).toBe(`${urnPrefix}gitops:cluster:Cluster::cluster`);
    expect(provider.inputs).toMatchObject({ kubeconfig, context: "green" });
    expect(provider.wireInputs.kubeconfig).toEqual(secretWire(kubeconfig));
    expect(run.outputs.endpoint).toEqual({ value: "https://green.example.com:6443", secret: false });
  });

  it("existing without a kubeconfig: the ambient one, named as such", async () => {
    const run = await runComponent(() => ({ endpoint: new Cluster("cluster", { mode: "existing", context: "blue" }).endpoint }));
    expect(run.one(providerType).inputs.kubeconfig).toBeUndefined();
    expect(run.one(providerType).inputs.context).toBe("blue");
    expect(run.outputs.endpoint.value).toBe("ambient kubeconfig (context blue)");
  });

  it("k3s: installs k3s under the component and builds the provider from its kubeconfig (secret, no context), after the read", async () => {
    const run = await runComponent(
      () => {
        const cluster = new Cluster("cluster", {
          mode: "k3s",
          context: "ignored-in-k3s-mode",
          k3s: {
            version: "v1.33.5+k3s1",
            servers: [{ host: "10.0.0.1", user: "root", port: 22 }],
            agents: [],
            tlsSans: [],
            disable: [],
            clusterCidr: "10.42.0.0/16",
            serviceCidr: "10.43.0.0/16",
            sshPrivateKey: sshKey,
            protect: true,
            retainOnDelete: false,
          },
        });
        return { endpoint: cluster.endpoint };
      },
      { secrets: { sshPrivateKey: sshKey } },
    );
    expect(tree(run).filter((line) => !line.startsWith(commandType))).toEqual([
      "gitops:cluster:Cluster cluster",
      "gitops:cluster:K3s cluster-k3s < cluster",
      `${providerType} cluster < cluster`,
      "random:index/randomPassword:RandomPassword cluster-k3s-token < cluster-k3s",
    ]);
    const provider = run.one(providerType);
    const readKubeconfig = run.one(commandType, "cluster-k3s-kubeconfig");
    expect(provider.dependencies).toContain(readKubeconfig.urn);
    expect(provider.inputs.context).toBeUndefined();
    expect(provider.inputs.kubeconfig).toContain("server: https://10.0.0.1:6443");
    expect(provider.wireInputs.kubeconfig).toEqual(secretWire(provider.inputs.kubeconfig));
    expect(run.outputs.endpoint).toEqual({ value: "https://10.0.0.1:6443", secret: false });
  });
});
