import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { apiUrl, hostResourceId, K3sClusterArgs, kubeconfigFor, renderAgentConfig, renderServerConfig } from "../components/k3s";
import { serverOf } from "../components/cluster";
import { findPlaintext, newWorld, ProgramRun } from "../mocks/engine";
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
  protect: false,
  retainOnDelete: false,
};

describe("k3s server config", () => {
  it("renders stack config per server, with the token in a file rather than the config", () => {
    const first = parseYaml(renderServerConfig(args, "10.20.0.11")) as Record<string, unknown>;
    expect(first).toEqual({
      "token-file": "/etc/rancher/k3s/cluster-token",
      "tls-san": ["k8s.example.com", "10.20.0.11", "extra.example.com"],
      disable: ["traefik", "servicelb"],
      "cluster-cidr": "10.42.0.0/16",
      "service-cidr": "10.43.0.0/16",
      "write-kubeconfig-mode": "0600",
      "cluster-init": true,
    });
    const joining = parseYaml(renderServerConfig(args, "10.20.0.12", "https://10.20.0.11:6443")) as Record<string, unknown>;
    expect(joining.server).toBe("https://10.20.0.11:6443");
    expect(joining["tls-san"]).toEqual(["k8s.example.com", "10.20.0.12", "extra.example.com"]);
    expect(joining["cluster-init"]).toBeUndefined();
    expect(parseYaml(renderAgentConfig("https://10.20.0.11:6443"))).toEqual({ "token-file": "/etc/rancher/k3s/cluster-token", server: "https://10.20.0.11:6443" });
  });

  it("leaves a server's config unchanged when another server is added", () => {
    const three = { ...args, servers: [...args.servers, { host: "10.20.0.13", user: "ubuntu", port: 22 }] };
    expect(renderServerConfig(three, "10.20.0.11")).toBe(renderServerConfig(args, "10.20.0.11"));
    expect(renderServerConfig(three, "10.20.0.12", "https://10.20.0.11:6443")).toBe(renderServerConfig(args, "10.20.0.12", "https://10.20.0.11:6443"));
    // A single server starts embedded etcd too, so a second one can join without changing it.
    expect(parseYaml(renderServerConfig({ ...args, servers: [args.servers[0]] }, "10.20.0.11"))).toMatchObject({ "cluster-init": true });
  });

  it("points the kubeconfig at the API endpoint by editing the parsed document", () => {
    const kubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
  name: default
users:
- name: default
  user: { client-key-data: S0VZ }
`;
    const rewritten = parseYaml(kubeconfigFor(kubeconfig, "https://k8s.example.com:6443")) as {
      clusters: { cluster: Record<string, string> }[];
      users: { user: Record<string, string> }[];
    };
    expect(rewritten.clusters[0].cluster).toEqual({ "certificate-authority-data": "Q0E=", server: "https://k8s.example.com:6443" });
    expect(rewritten.users[0].user).toEqual({ "client-key-data": "S0VZ" });
    // What a string replace would have turned into extra keys stays one string value.
    const hostile = "https://x\n    insecure-skip-tls-verify: true";
    const doc = parseYaml(kubeconfigFor(kubeconfig, hostile)) as { clusters: { cluster: Record<string, unknown> }[] };
    expect(doc.clusters[0].cluster.server).toBe(hostile);
    expect(doc.clusters[0].cluster["insecure-skip-tls-verify"]).toBeUndefined();
    expect(apiUrl("fd00::1")).toBe("https://[fd00::1]:6443");
  });

  it("gives every valid host its own resource id", () => {
    const hosts = ["10.0.0.1", "10-0-0-1", "10--0.0-1", "a.b-c", "a-b.c", "node1", "fd00::1", "fd00--1"];
    const ids = hosts.map(hostResourceId);
    expect(new Set(ids).size).toBe(hosts.length);
    expect(hostResourceId("10.20.0.11")).toBe("10-20-0-11");
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
      const forHost = commands.filter((c) => c.name.includes(id)).map((c) => c.name.replace(/.*-(config|token|install|uninstall)$/, "$1")).sort();
      expect(forHost, host).toEqual(["config", "install", "token", "uninstall"]);
    }
    const installs = commands.filter((c) => c.name.endsWith("-install"));
    expect(installs).toHaveLength(5);
    for (const install of installs) {
      expect(String(install.inputs.create)).toContain("INSTALL_K3S_VERSION='v1.33.5+k3s1'");
      // An upgrade re-runs the installer in place: no triggers (which replace), no delete hook.
      expect(install.inputs.update).toBe(install.inputs.create);
      expect(install.inputs.triggers).toBeUndefined();
      expect(install.inputs.delete).toBeUndefined();
      expect(install.ignoreChanges).toEqual(["triggers"]);
      expect(install.dependencies.some((urn) => urn.endsWith("-config"))).toBe(true);
      expect(install.dependencies.some((urn) => urn.endsWith("-token"))).toBe(true);
    }
    expect(installs.filter((c) => String(c.inputs.create).includes("INSTALL_K3S_EXEC='agent'"))).toHaveLength(2);
    const installOf = (role: string, host: string) => run.one("command:remote:Command", `cluster-k3s-${role}-${host.replace(/\./g, "-")}-install`);
    // Servers one at a time, in config order; agents after the last server (k3s docs "Manual Upgrades").
    const dependsOnUrn = (from: (typeof installs)[number], to: (typeof installs)[number]) => from.dependencies.includes(to.urn);
    expect(dependsOnUrn(installOf("server", "10.20.0.12"), installOf("server", "10.20.0.11"))).toBe(true);
    expect(dependsOnUrn(installOf("server", "10.20.0.13"), installOf("server", "10.20.0.12"))).toBe(true);
    for (const agent of ["10.20.0.21", "10.20.0.22"]) expect(dependsOnUrn(installOf("agent", agent), installOf("server", "10.20.0.13"))).toBe(true);
    expect(run.dependsOn(installOf("agent", "10.20.0.21"), installOf("agent", "10.20.0.22"))).toBe(false);
    expect(run.dependsOn(installOf("agent", "10.20.0.22"), installOf("agent", "10.20.0.21"))).toBe(false);
  });

  it("runs the uninstall only from a per-host resource that is protected and retained in prod", () => {
    const uninstalls = run.ofType("command:remote:Command").filter((c) => c.name.endsWith("-uninstall"));
    expect(uninstalls.map((c) => [(c.inputs.connection as { host: string }).host, c.inputs.delete, c.inputs.create])).toEqual([
      ["10.20.0.11", "sudo /usr/local/bin/k3s-uninstall.sh || true", undefined],
      ["10.20.0.12", "sudo /usr/local/bin/k3s-uninstall.sh || true", undefined],
      ["10.20.0.13", "sudo /usr/local/bin/k3s-uninstall.sh || true", undefined],
      ["10.20.0.21", "sudo /usr/local/bin/k3s-agent-uninstall.sh || true", undefined],
      ["10.20.0.22", "sudo /usr/local/bin/k3s-agent-uninstall.sh || true", undefined],
    ]);
    for (const uninstall of uninstalls) {
      expect(uninstall.inputs.triggers).toBeUndefined();
      expect([uninstall.protect, uninstall.retainOnDelete], uninstall.name).toEqual([true, true]);
    }
    const withDelete = run.ofType("command:remote:Command").filter((c) => c.inputs.delete !== undefined);
    expect(withDelete).toEqual(uninstalls);
    expect(run.one("random:index/randomPassword:RandomPassword", "cluster-k3s-token").protect).toBe(true);
  });

  it("keeps the cluster token, SSH key and kubeconfig secret and out of the logs", () => {
    const token = run.generatedSecrets.find((value) => value.startsWith("mock-random-cluster-k3s-token"));
    expect(token).toBeDefined();
    // The admin client key inside the kubeconfig the first server prints (the engine's mock).
    const kubeconfig = run.generatedSecrets.find((value) => value.startsWith("mock-k3s-admin-client-key"));
    expect(kubeconfig).toBeDefined();
    const needles = [token as string, Buffer.from(token as string).toString("base64"), sshKey, kubeconfig as string];
    for (const resource of run.resources) {
      expect(findPlaintext(resource.wireInputs, needles), `${resource.type} ${resource.name}`).toEqual([]);
    }
    // The token travels on the command's stdin (secret), never on the remote command line.
    for (const tokenCommand of run.ofType("command:remote:Command").filter((c) => c.name.endsWith("-token"))) {
      expect(tokenCommand.inputs.logging).toBe("none");
      expect(tokenCommand.inputs.stdin).toBe(token);
      expect(JSON.stringify(tokenCommand.wireInputs.stdin)).toContain("1b47061264138c4ac30d75fd1eb44270");
      expect(tokenCommand.inputs.create).toBe("sudo install -d -m 0755 /etc/rancher/k3s && sudo install -m 0600 /dev/stdin /etc/rancher/k3s/cluster-token");
    }
    const readKubeconfig = run.one("command:remote:Command", "cluster-k3s-kubeconfig");
    expect(readKubeconfig.inputs.logging).toBe("none");
    expect(readKubeconfig.additionalSecretOutputs).toContain("stdout");
    const provider = run.one("pulumi:providers:kubernetes");
    expect(String(provider.inputs.kubeconfig)).toContain("mock kubeconfig");
    expect(JSON.stringify(provider.wireInputs.kubeconfig)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(findPlaintext(run.logs, needles)).toEqual([]);
  });

  it("registers hosts whose names once collided as separate resources (the engine refuses duplicate URNs)", async () => {
    const cluster = {
      mode: "k3s",
      k3s: { version: "v1.33.5+k3s1", servers: [{ host: "10.0.0.1" }], agents: [{ host: "10-0-0-1" }], apiEndpoint: "k8s.example.com" },
    };
    const collided = await runProgram({ stack: "prod", config: { cluster }, env: firstRunEnv(), world: newWorld() });
    const installs = collided.ofType("command:remote:Command").filter((c) => c.name.endsWith("-install"));
    expect(installs.map((c) => [c.name, (c.inputs.connection as { host: string }).host])).toEqual([
      ["cluster-k3s-server-10-0-0-1-install", "10.0.0.1"],
      ["cluster-k3s-agent-10--0--0--1-install", "10-0-0-1"],
    ]);
    // Its old name is another host's now: no alias, or the engine would take one for the other.
    expect(installs.map((c) => c.aliases)).toEqual([[], []]);
  });

  it("keeps a hyphenated host's resources across the renaming, through aliases to the old names", async () => {
    const cluster = { mode: "k3s", k3s: { version: "v1.33.5+k3s1", servers: [{ host: "node-1.example.com" }], apiEndpoint: "k8s.example.com" } };
    const renamed = await runProgram({ stack: "prod", config: { cluster }, env: firstRunEnv(), world: newWorld() });
    const commands = renamed.ofType("command:remote:Command").filter((c) => c.name.includes("node"));
    expect(commands.map((c) => [c.name, c.aliases.map((urn) => urn.slice(urn.lastIndexOf("::") + 2))])).toEqual([
      ["cluster-k3s-server-node--1-example-com-config", ["cluster-k3s-server-node-1-example-com-config"]],
      ["cluster-k3s-server-node--1-example-com-token", ["cluster-k3s-server-node-1-example-com-token"]],
      ["cluster-k3s-server-node--1-example-com-install", ["cluster-k3s-server-node-1-example-com-install"]],
      ["cluster-k3s-server-node--1-example-com-uninstall", []],
    ]);
  });

  it("registers the same k3s commands in a fresh stack's preview, where the token and kubeconfig are unknown", async () => {
    const preview = await runProgram({ stack: "prod", env: firstRunEnv(), world: newWorld(), preview: true });
    const view = (r: ProgramRun) =>
      r.ofType("command:remote:Command").map((c) => [c.name, c.inputs.create, c.inputs.update, c.inputs.delete, c.protect, c.retainOnDelete]);
    expect(view(preview)).toEqual(view(run));
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
