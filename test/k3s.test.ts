import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { K3sClusterArgs, renderAgentConfig, renderServerConfig } from "../components/k3s";
import { serverOf } from "../components/cluster";
import { findPlaintext, newWorld, ProgramRun } from "./support/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const args: K3sClusterArgs = {
  version: "v1.33.5+k3s1",
  servers: [
    { host: "10.20.0.11", user: "ubuntu", port: 22 },
    { host: "10.20.0.12", user: "ubuntu", port: 22 },
  ],
  agents: [],
  apiEndpoint: "k8s.example.com",
  tlsSans: ["k8s.example.com", "extra.example.com"],
  disable: ["traefik", "servicelb"],
  clusterCidr: "10.42.0.0/16",
  serviceCidr: "10.43.0.0/16",
  sshPrivateKey: "unused",
};

describe("k3s server config", () => {
  it("renders stack config, with the token in a file rather than the config", () => {
    const first = parseYaml(renderServerConfig(args)) as Record<string, unknown>;
    expect(first).toEqual({
      "token-file": "/etc/rancher/k3s/cluster-token",
      "tls-san": ["k8s.example.com", "10.20.0.11", "10.20.0.12", "extra.example.com"],
      disable: ["traefik", "servicelb"],
      "cluster-cidr": "10.42.0.0/16",
      "service-cidr": "10.43.0.0/16",
      "write-kubeconfig-mode": "0600",
      "cluster-init": true,
    });
    const joining = parseYaml(renderServerConfig(args, "https://10.20.0.11:6443")) as Record<string, unknown>;
    expect(joining.server).toBe("https://10.20.0.11:6443");
    expect(joining["cluster-init"]).toBeUndefined();
    expect(parseYaml(renderAgentConfig("https://10.20.0.11:6443"))).toEqual({ "token-file": "/etc/rancher/k3s/cluster-token", server: "https://10.20.0.11:6443" });
  });

  it("reads the API server of a kubeconfig's context", () => {
    const kubeconfig = `apiVersion: v1
clusters:
- name: a
  cluster: { server: https://a.example.com:6443 }
- name: b
  cluster: { server: https://b.example.com:6443 }
contexts:
- name: ctx-a
  context: { cluster: a }
- name: ctx-b
  context: { cluster: b }
current-context: ctx-a
`;
    expect(serverOf(kubeconfig)).toBe("https://a.example.com:6443");
    expect(serverOf(kubeconfig, "ctx-b")).toBe("https://b.example.com:6443");
  });
});

describe("k3s over SSH (prod stack)", () => {
  let run: ProgramRun;
  const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----unique-test-ssh-key";
  beforeAll(async () => {
    run = await runProgram({ stack: "prod", env: firstRunEnv({ K3S_SSH_PRIVATE_KEY: sshKey }), world: newWorld() });
  });

  it("writes config and token, then installs the pinned version, on every host", () => {
    const commands = run.ofType("command:remote:Command");
    const hosts = ["10.20.0.11", "10.20.0.12", "10.20.0.13", "10.20.0.21", "10.20.0.22"];
    for (const host of hosts) {
      const id = host.replace(/\./g, "-");
      const forHost = commands.filter((c) => c.name.includes(id)).map((c) => c.name.replace(/.*-(config|token|install)$/, "$1")).sort();
      expect(forHost, host).toEqual(["config", "install", "token"]);
    }
    const installs = commands.filter((c) => c.name.endsWith("-install"));
    expect(installs).toHaveLength(5);
    for (const install of installs) {
      expect(String(install.inputs.create)).toContain("INSTALL_K3S_VERSION='v1.33.5+k3s1'");
      expect(install.dependencies.some((urn) => urn.endsWith("-config"))).toBe(true);
      expect(install.dependencies.some((urn) => urn.endsWith("-token"))).toBe(true);
    }
    expect(installs.filter((c) => String(c.inputs.create).includes("INSTALL_K3S_EXEC='agent'"))).toHaveLength(2);
    // Joining servers and agents wait for the first server.
    const firstInstall = installs.find((c) => c.name.includes("10-20-0-11"));
    for (const install of installs.filter((c) => c !== firstInstall)) {
      expect(run.dependsOn(install, firstInstall as (typeof installs)[number]), install.name).toBe(true);
    }
  });

  it("keeps the cluster token, SSH key and kubeconfig secret and out of the logs", () => {
    const token = run.generatedSecrets.find((value) => value.startsWith("mock-random-cluster-k3s-token"));
    expect(token).toBeDefined();
    const kubeconfig = run.generatedSecrets.find((value) => value.includes("mock kubeconfig"));
    expect(kubeconfig).toBeDefined();
    const needles = [token as string, Buffer.from(token as string).toString("base64"), sshKey, kubeconfig as string];
    for (const resource of run.resources) {
      expect(findPlaintext(resource.wireInputs, needles), `${resource.type} ${resource.name}`).toEqual([]);
    }
    const tokenCommand = run.ofType("command:remote:Command").find((c) => c.name.endsWith("-token"));
    expect(tokenCommand?.inputs.logging).toBe("none");
    expect(JSON.stringify(tokenCommand?.wireInputs.create)).toContain("1b47061264138c4ac30d75fd1eb44270");
    const readKubeconfig = run.one("command:remote:Command", "cluster-k3s-kubeconfig");
    expect(readKubeconfig.inputs.logging).toBe("none");
    expect(readKubeconfig.additionalSecretOutputs).toContain("stdout");
    const provider = run.one("pulumi:providers:kubernetes");
    expect(String(provider.inputs.kubeconfig)).toContain("mock kubeconfig");
    expect(JSON.stringify(provider.wireInputs.kubeconfig)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(findPlaintext(run.logs, needles)).toEqual([]);
  });

  it("exports the reachable API endpoint", () => {
    expect(run.outputs.clusterEndpoint.value).toBe("https://k8s.prod.acme.example:6443");
  });

  it("refuses to start without an SSH key", async () => {
    const env = { ...firstRunEnv() } as Record<string, string>;
    delete env.K3S_SSH_PRIVATE_KEY;
    await expect(runProgram({ stack: "prod", env })).rejects.toThrow(/gitops-bootstrap:sshPrivateKey: is required to install k3s over SSH/);
  });
});

describe("existing cluster", () => {
  it("uses the kubeconfig secret and context, and reports the API server", async () => {
    const kubeconfig = `apiVersion: v1
clusters:
- name: staging
  cluster: { server: https://staging.acme.example:6443 }
contexts:
- name: staging
  context: { cluster: staging, user: admin }
current-context: staging
users:
- name: admin
  user: { token: kubeconfig-user-token-plaintext }
`;
    const run = await runProgram({ stack: "staging", secrets: { kubeconfig }, env: firstRunEnv(), world: newWorld() });
    const provider = run.one("pulumi:providers:kubernetes");
    expect(provider.inputs).toMatchObject({ kubeconfig, context: "staging" });
    expect(findPlaintext(provider.wireInputs, ["kubeconfig-user-token-plaintext"])).toEqual([]);
    expect(run.ofType("command:remote:Command")).toEqual([]);
    expect(run.outputs.clusterEndpoint).toEqual({ value: "https://staging.acme.example:6443", secret: false });
  });

  it("falls back to the ambient kubeconfig", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    expect(run.one("pulumi:providers:kubernetes").inputs.kubeconfig).toBeUndefined();
    expect(run.outputs.clusterEndpoint.value).toBe("ambient kubeconfig (context staging)");
  });
});
