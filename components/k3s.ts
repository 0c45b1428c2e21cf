import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import { isMap, isSeq, parseDocument, stringify as toYaml } from "yaml";

export interface K3sHost {
  /** Address the machine running pulumi reaches over SSH. */
  host: string;
  /** SSH user with passwordless sudo. */
  user: string;
  /** SSH port. */
  port: number;
}

export interface K3sClusterArgs {
  /** k3s release, e.g. "v1.33.5+k3s1" (INSTALL_K3S_VERSION). */
  version: string;
  /** Server (control-plane) hosts; the first one initialises the cluster. */
  servers: readonly K3sHost[];
  /** Agent (worker) hosts; may be empty. */
  agents: readonly K3sHost[];
  /** Host name or IP clients use for the API. Defaults to the first server's host. */
  apiEndpoint?: string;
  /** Extra subject alternative names for the API certificate; may be empty. */
  tlsSans: readonly string[];
  /** Packaged components to disable (k3s `disable`); may be empty. */
  disable: readonly string[];
  /** Pod CIDR. */
  clusterCidr: string;
  /** Service CIDR. */
  serviceCidr: string;
  /** SSH private key for every host; kept secret. */
  sshPrivateKey: pulumi.Input<string>;
  /** Refuse to delete or replace the hosts' k3s installs and the cluster token. */
  protect: boolean;
  /** Leave k3s on a host when its resources leave the program (the uninstall does not run). */
  retainOnDelete: boolean;
}

/** Where k3s reads its config and our token; both arrive on stdin, so nothing leaks into `ps`. */
const configPath = "/etc/rancher/k3s/config.yaml";
const tokenPath = "/etc/rancher/k3s/cluster-token";

/** The k3s uninstall scripts the installer leaves behind, per role (k3s docs "Uninstalling K3s"). */
export const uninstallScripts = {
  server: "/usr/local/bin/k3s-uninstall.sh",
  agent: "/usr/local/bin/k3s-agent-uninstall.sh",
} as const;

/** "https://<host>:6443", with brackets around an IPv6 address. */
export function apiUrl(host: string): string {
  return `https://${host.includes(":") ? `[${host}]` : host}:6443`;
}

/**
 * One server's k3s config file, rendered from stack config. It names only this server (and the
 * shared endpoint and SANs), so adding or removing another server leaves it unchanged. The first
 * server always starts embedded etcd (`cluster-init`), so servers can join later without changing
 * it. Contains no secret (the token is a file).
 */
export function renderServerConfig(args: K3sClusterArgs, host: string, joinUrl?: string): string {
  const endpoint = args.apiEndpoint ?? args.servers[0].host;
  const config: Record<string, unknown> = {
    "token-file": tokenPath,
    "tls-san": [...new Set([endpoint, host, ...args.tlsSans])],
    disable: [...args.disable],
    "cluster-cidr": args.clusterCidr,
    "service-cidr": args.serviceCidr,
    "write-kubeconfig-mode": "0600",
  };
  if (joinUrl !== undefined) config.server = joinUrl;
  else config["cluster-init"] = true;
  return toYaml(config);
}

export function renderAgentConfig(joinUrl: string): string {
  return toYaml({ "token-file": tokenPath, server: joinUrl });
}

/**
 * The part of a host's resource names that identifies it; injective on valid hosts (config.ts
 * checks them), so "10.0.0.1" and "10-0-0-1" never share a URN: '-' doubles, '.' becomes '-'
 * (labels never start or end with '-', so the count of a run of dashes tells them apart) and ':'
 * (IPv6) becomes '_'. Dotted hosts without '-' (IP addresses) keep the names earlier versions gave them.
 */
export function hostResourceId(host: string): string {
  return host.replace(/-/g, "--").replace(/\./g, "-").replace(/:/g, "_");
}

/** The id earlier versions derived (not injective); kept as an alias so existing stacks keep their resources. */
function legacyHostResourceId(host: string): string {
  return host.replace(/[^a-zA-Z0-9-]/g, "-");
}

/** A kubeconfig with every cluster's server set to `serverUrl`: parsed and serialised, never spliced as text. */
export function kubeconfigFor(kubeconfig: string, serverUrl: string): string {
  const doc = parseDocument(kubeconfig);
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new Error("k3s: the kubeconfig read from the first server is not a YAML mapping");
  const clusters = doc.get("clusters");
  if (isSeq(clusters)) {
    for (const entry of clusters.items) if (isMap(entry) && isMap(entry.get("cluster"))) entry.setIn(["cluster", "server"], serverUrl);
  }
  return doc.toString();
}

/** A command that writes its stdin to `file` as root. */
function writeStdinTo(file: string, mode: string): string {
  return `sudo install -d -m 0755 /etc/rancher/k3s && sudo install -m ${mode} /dev/stdin ${file}`;
}

/**
 * k3s installed over SSH with @pulumi/command: a generated cluster token, a config file per host,
 * the official installer pinned to a version, and the kubeconfig read back as a secret and pointed
 * at the reachable API endpoint.
 *
 * Day 2 (k3s docs "Manual Upgrades": re-run the installer with the new INSTALL_K3S_VERSION; upgrade
 * servers first, one at a time, then agents):
 * - The install command has no `triggers` and no `delete`: a version or config change is an in-place
 *   update that re-runs the pinned installer (@pulumi/command 1.2.1 replaces only on `triggers`;
 *   pulumi/pulumi-command provider/pkg/provider/common/inputs.go). `ignoreChanges: ["triggers"]`
 *   keeps stacks created by earlier versions, whose state still holds triggers, from being replaced.
 * - Servers install one after another, agents after the last server, so an upgrade rolls through
 *   the servers one at a time and then the agents (dependsOn orders updates as it orders creates).
 * - The uninstall is its own resource per host whose inputs never change, so its delete runs only
 *   when the host leaves the config, never on an upgrade; `protect` and `retainOnDelete` (stack
 *   config `safety`) guard it in prod.
 */
export class K3sCluster extends pulumi.ComponentResource {
  /** Admin kubeconfig; secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly apiServerUrl: string;
  /** Each host's install command, servers first in config order, then agents. */
  public readonly nodes: command.remote.Command[];

  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:cluster:K3s", name, {}, opts);

    const endpoint = args.apiEndpoint ?? args.servers[0].host;
    this.apiServerUrl = apiUrl(endpoint);
    const joinUrl = apiUrl(args.servers[0].host);
    const safety = { protect: args.protect, retainOnDelete: args.retainOnDelete };

    const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this, protect: safety.protect });

    const connectionOf = (host: K3sHost) => ({
      host: host.host,
      user: host.user,
      port: host.port,
      privateKey: pulumi.secret(args.sshPrivateKey),
    });
    const currentIds = new Set([...args.servers, ...args.agents].map((host) => hostResourceId(host.host)));

    const install = (host: K3sHost, role: "server" | "agent", config: string, after: pulumi.Resource[]) => {
      const hostId = hostResourceId(host.host);
      const legacyId = legacyHostResourceId(host.host);
      const id = `${name}-${role}-${hostId}`;
      // Only where the old name belongs to no other current host (such configs could not deploy before).
      const aliasesFor = (suffix: string) =>
        legacyId !== hostId && !currentIds.has(legacyId) ? { aliases: [{ name: `${name}-${role}-${legacyId}-${suffix}` }] } : {};
      const connection = connectionOf(host);
      const writeConfig = new command.remote.Command(
        `${id}-config`,
        { connection, create: writeStdinTo(configPath, "0600"), stdin: config },
        // Earlier versions set triggers here too; dropping them must not replace.
        { parent: this, ignoreChanges: ["triggers"], ...aliasesFor("config") },
      );
      const writeToken = new command.remote.Command(
        `${id}-token`,
        { connection, create: writeStdinTo(tokenPath, "0600"), stdin: pulumi.secret(token.result), logging: "none" },
        { parent: this, ...aliasesFor("token") },
      );
      // The config digest (a shell comment) makes a config change re-run the installer, which restarts k3s with it.
      const configDigest = createHash("sha256").update(config).digest("hex").slice(0, 16);
      const installer = `curl -sfL https://get.k3s.io | sudo INSTALL_K3S_VERSION='${args.version}' INSTALL_K3S_EXEC='${role}' sh -s - # config ${configDigest}`;
      const installed = new command.remote.Command(
        `${id}-install`,
        { connection, create: installer, update: installer, logging: "stderr" },
        { parent: this, dependsOn: [writeConfig, writeToken, ...after], ignoreChanges: ["triggers"], protect: safety.protect, ...aliasesFor("install") },
      );
      new command.remote.Command(
        `${id}-uninstall`,
        { connection, delete: `sudo ${uninstallScripts[role]} || true` },
        { parent: this, dependsOn: [installed], ...safety },
      );
      return installed;
    };

    // Servers one at a time (the first initialises etcd, each next joins the cluster the previous
    // one is part of), then the agents, which only need a running server.
    const servers: command.remote.Command[] = [];
    args.servers.forEach((host, index) => {
      const config = index === 0 ? renderServerConfig(args, host.host) : renderServerConfig(args, host.host, joinUrl);
      servers.push(install(host, "server", config, servers.slice(-1)));
    });
    const lastServer = servers[servers.length - 1];
    this.nodes = [...servers, ...args.agents.map((host) => install(host, "agent", renderAgentConfig(joinUrl), [lastServer]))];

    // The kubeconfig holds the admin client key: never logged, always secret. Read once: a new SSH
    // key would otherwise re-read it, and while a preview cannot know the new stdout,
    // pulumi-kubernetes' DiffConfig replaces a provider whose kubeconfig is unknown (and with it
    // every Kubernetes resource). `pulumi up --replace` on this resource reads it again.
    const readKubeconfig = new command.remote.Command(
      `${name}-kubeconfig`,
      { connection: connectionOf(args.servers[0]), create: "sudo cat /etc/rancher/k3s/k3s.yaml", logging: "none" },
      { parent: this, dependsOn: [servers[0]], additionalSecretOutputs: ["stdout"], ignoreChanges: ["connection"] },
    );
    this.kubeconfig = pulumi.secret(readKubeconfig.stdout.apply((text) => kubeconfigFor(text, this.apiServerUrl)));
    this.registerOutputs({ apiServerUrl: this.apiServerUrl });
  }
}
