import { describe, expect, it } from "vitest";
import { K3sCluster } from "../../components/k3s";
import { runComponent, tree, urnPrefix } from "./run";

const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----s3cr3t-ssh-key-0001";
const commandType = "command:remote:Command";

describe("K3sCluster alone", () => {
  it("installs one server and one agent in order, reads the kubeconfig once, all under the component", async () => {
    const run = await runComponent(
      () => {
        const cluster = new K3sCluster("cluster-k3s", {
          version: "v1.33.5+k3s1",
          servers: [{ host: "10.0.0.1", user: "root", port: 22 }],
          agents: [{ host: "10.0.0.2", user: "root", port: 22 }],
          tlsSans: [],
          disable: [],
          clusterCidr: "10.42.0.0/16",
          serviceCidr: "10.43.0.0/16",
          sshPrivateKey: sshKey,
          protect: true,
          retainOnDelete: false,
        });
        return { apiServerUrl: cluster.apiServerUrl, kubeconfig: cluster.kubeconfig };
      },
      { secrets: { sshPrivateKey: sshKey } },
    );
    const server = "cluster-k3s-server-10-0-0-1";
    const agent = "cluster-k3s-agent-10-0-0-2";
    expect(tree(run)).toEqual([
      `${commandType} ${agent}-config < cluster-k3s`,
      `${commandType} ${agent}-install < cluster-k3s`,
      `${commandType} ${agent}-token < cluster-k3s`,
      `${commandType} ${agent}-uninstall < cluster-k3s`,
      `${commandType} cluster-k3s-kubeconfig < cluster-k3s`,
      `${commandType} ${server}-config < cluster-k3s`,
      `${commandType} ${server}-install < cluster-k3s`,
      `${commandType} ${server}-token < cluster-k3s`,
      `${commandType} ${server}-uninstall < cluster-k3s`,
      "gitops:cluster:K3s cluster-k3s",
      "random:index/randomPassword:RandomPassword cluster-k3s-token < cluster-k3s",
    ]);
    const urn = (name: string) => `${urnPrefix}gitops:cluster:K3s$${commandType}::${name}`;
    const serverInstall = run.one(commandType, `${server}-install`);
    const agentInstall = run.one(commandType, `${agent}-install`);
    expect([...serverInstall.dependencies].sort()).toEqual([urn(`${server}-config`), urn(`${server}-token`)]);
    expect([...agentInstall.dependencies].sort()).toEqual([urn(`${agent}-config`), urn(`${agent}-token`), serverInstall.urn]);
    expect(serverInstall.inputs.create).toMatch(/^curl -sfL https:\/\/get\.k3s\.io \| sudo INSTALL_K3S_VERSION='v1\.33\.5\+k3s1' INSTALL_K3S_EXEC='server' sh -s - # config [0-9a-f]{16}$/);
    expect([serverInstall.protect, run.one("random:index/randomPassword:RandomPassword").protect]).toEqual([true, true]);
    expect(run.one(commandType, `${server}-uninstall`).inputs.delete).toBe("sudo /usr/local/bin/k3s-uninstall.sh || true");
    expect(run.one(commandType, `${agent}-uninstall`).inputs.delete).toBe("sudo /usr/local/bin/k3s-agent-uninstall.sh || true");
    const kubeconfig = run.one(commandType, "cluster-k3s-kubeconfig");
    expect(kubeconfig.dependencies).toEqual([serverInstall.urn]);
    expect(kubeconfig.inputs.create).toBe("sudo cat /etc/rancher/k3s/k3s.yaml");
    expect(run.outputs.apiServerUrl.value).toBe("https://10.0.0.1:6443");
    expect(run.outputs.kubeconfig.secret).toBe(true);
  });
});
