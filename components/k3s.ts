import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify as toYaml } from "yaml";

export interface K3sHost {
  /** Address the machine running pulumi reaches over SSH. */
  host: string;
  /** SSH user with passwordless sudo. Defaults to "root". */
  user: string;
  /** SSH port. Defaults to 22. */
  port: number;
}

export interface K3sClusterArgs {
  /** k3s release, e.g. "v1.33.5+k3s1" (INSTALL_K3S_VERSION). */
  version: string;
  /** Server (control-plane) hosts; the first one initialises the cluster. */
  servers: readonly K3sHost[];
  /** Agent (worker) hosts. Defaults to none. */
  agents: readonly K3sHost[];
  /** Host name or IP clients use for the API. Defaults to the first server's host. */
  apiEndpoint?: string;
  /** Extra subject alternative names for the API certificate. Defaults to none. */
  tlsSans: readonly string[];
  /** Packaged components to disable (k3s `disable`). Defaults to ["traefik"]. */
  disable: readonly string[];
  /** Pod CIDR. Defaults to "10.42.0.0/16". */
  clusterCidr: string;
  /** Service CIDR. Defaults to "10.43.0.0/16". */
  serviceCidr: string;
  /** SSH private key for every host; kept secret. */
  sshPrivateKey: pulumi.Input<string>;
}

/** Where k3s reads its config and our token; both outside the command line so nothing leaks into `ps`. */
const configPath = "/etc/rancher/k3s/config.yaml";
const tokenPath = "/etc/rancher/k3s/cluster-token";

/** The k3s server config file, rendered from stack config. Contains no secret (the token is a file). */
export function renderServerConfig(args: K3sClusterArgs, joinUrl?: string): string {
  const endpoint = args.apiEndpoint ?? args.servers[0].host;
  const config: Record<string, unknown> = {
    "token-file": tokenPath,
    "tls-san": [...new Set([endpoint, ...args.servers.map((s) => s.host), ...args.tlsSans])],
    disable: [...args.disable],
    "cluster-cidr": args.clusterCidr,
    "service-cidr": args.serviceCidr,
    "write-kubeconfig-mode": "0600",
  };
  if (joinUrl !== undefined) config.server = joinUrl;
  else if (args.servers.length > 1) config["cluster-init"] = true;
  return toYaml(config);
}

export function renderAgentConfig(joinUrl: string): string {
  return toYaml({ "token-file": tokenPath, server: joinUrl });
}

/** A shell command that writes `content` to `file` as root; base64 keeps quoting out of the way. */
function writeFileCommand(file: string, content: string, mode: string): string {
  const encoded = Buffer.from(content).toString("base64");
  return `sudo install -d -m 0755 /etc/rancher/k3s && echo '${encoded}' | base64 -d | sudo install -m ${mode} /dev/stdin ${file}`;
}

/**
 * k3s installed over SSH with @pulumi/command: a generated cluster token, a config file rendered
 * from stack config per host, the official installer pinned to a version, and the kubeconfig read
 * back as a secret with the server address rewritten to the reachable API endpoint.
 */
export class K3sCluster extends pulumi.ComponentResource {
  /** Admin kubeconfig; secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly apiServerUrl: string;
  /** Each host's install command. */
  public readonly nodes: command.remote.Command[];

  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:cluster:K3s", name, {}, opts);

    const endpoint = args.apiEndpoint ?? args.servers[0].host;
    this.apiServerUrl = `https://${endpoint}:6443`;
    const joinUrl = `https://${args.servers[0].host}:6443`;

    const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this });

    const connectionOf = (host: K3sHost) => ({
      host: host.host,
      user: host.user,
      port: host.port,
      privateKey: pulumi.secret(args.sshPrivateKey),
    });

    // Config and token go to every host at once; only joining waits for the first server.
    const install = (host: K3sHost, role: "server" | "agent", config: string, joinAfter: pulumi.Resource[]) => {
      const id = `${name}-${role}-${host.host.replace(/[^a-zA-Z0-9-]/g, "-")}`;
      const connection = connectionOf(host);
      const writeConfig = new command.remote.Command(
        `${id}-config`,
        { connection, create: writeFileCommand(configPath, config, "0600"), triggers: [config] },
        { parent: this },
      );
      const writeToken = new command.remote.Command(
        `${id}-token`,
        {
          connection,
          create: pulumi.secret(token.result.apply((value) => writeFileCommand(tokenPath, value, "0600"))),
          logging: "none",
        },
        { parent: this },
      );
      return new command.remote.Command(
        `${id}-install`,
        {
          connection,
          create: `curl -sfL https://get.k3s.io | sudo INSTALL_K3S_VERSION='${args.version}' INSTALL_K3S_EXEC='${role}' sh -s -`,
          delete: role === "server" ? "sudo /usr/local/bin/k3s-uninstall.sh || true" : "sudo /usr/local/bin/k3s-agent-uninstall.sh || true",
          triggers: [args.version, config],
          logging: "stderr",
        },
        { parent: this, dependsOn: [writeConfig, writeToken, ...joinAfter] },
      );
    };

    const [first, ...others] = args.servers;
    const firstServer = install(first, "server", renderServerConfig(args), []);
    this.nodes = [
      firstServer,
      ...others.map((host) => install(host, "server", renderServerConfig(args, joinUrl), [firstServer])),
      ...args.agents.map((host) => install(host, "agent", renderAgentConfig(joinUrl), [firstServer])),
    ];

    // The kubeconfig holds the admin client key: never logged, always secret. The API is usable
    // once the first server runs; the others join while the bootstrap proceeds.
    const readKubeconfig = new command.remote.Command(
      `${name}-kubeconfig`,
      { connection: connectionOf(first), create: "sudo cat /etc/rancher/k3s/k3s.yaml", logging: "none" },
      { parent: this, dependsOn: [firstServer], additionalSecretOutputs: ["stdout"] },
    );
    this.kubeconfig = pulumi.secret(
      readKubeconfig.stdout.apply((text) => text.replace(/https:\/\/127\.0\.0\.1:6443/g, this.apiServerUrl)),
    );
    this.registerOutputs({ apiServerUrl: this.apiServerUrl });
  }
}
