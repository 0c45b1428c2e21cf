/** What the loader produces and reads: the validated config, its bootstrap secrets, and its errors. */
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "./schema";

/**
 * Where a bootstrap secret's value comes from on this run. `vault` means neither the config key nor
 * the variable is set: the program reads the value back from what an earlier run wrote to Vault.
 */
export type SecretSource =
  | { readonly kind: "config"; readonly configKey: string; readonly value: pulumi.Output<string> }
  | { readonly kind: "env"; readonly envVar: string; readonly value: pulumi.Output<string> }
  | { readonly kind: "vault" };

/** One bootstrap secret: the names a user can set it by, and this run's source. */
export interface BootstrapSecret {
  /** Full config key, e.g. `gitops-bootstrap:githubToken`. */
  readonly configKey: string;
  /** Environment variable that may carry it, e.g. `GITHUB_TOKEN`. */
  readonly envVar: string;
  readonly source: SecretSource;
  /** The setting that makes it needed, e.g. `gitops-bootstrap:notifications.discord is true`, for error messages. */
  readonly requiredBy?: string;
}

export interface AppConfig {
  readonly name: string;
  readonly namespace: string;
  readonly keys: readonly string[];
  /** Defaults to externalSecrets.refreshInterval. */
  readonly refreshInterval: string;
  /** One secret per key, in `keys` order. */
  readonly secrets: Readonly<Record<string, BootstrapSecret>>;
}

/** The whole validated stack configuration. Frozen: components read it, never change it. */
export interface BootstrapConfig {
  readonly stack: string;
  readonly cluster: Settings["cluster"] & {
    /** The optional `gitops-bootstrap:kubeconfig` secret (existing mode). */
    readonly kubeconfig?: pulumi.Output<string>;
    /** SSH private key for the k3s hosts (k3s mode). */
    readonly sshPrivateKey?: BootstrapSecret;
  };
  readonly github: Settings["github"];
  readonly flux: Settings["flux"] & { readonly allComponents: readonly string[] };
  /** Namespaces beyond flux-system, vault and external-secrets. */
  readonly namespaces: readonly string[];
  readonly vault: Settings["vault"] & {
    /** The address ESO (in the cluster) uses. */
    readonly inClusterAddress: string;
    /** The Kubernetes API URL as Vault reaches it. */
    readonly kubernetesHost: string;
    /** Token for the Vault provider in external mode. */
    readonly token?: BootstrapSecret;
    /** In-cluster: init material of a Vault initialised before (adopted once; JSON {rootToken, unsealKeys}). */
    readonly existingInit?: pulumi.Output<string>;
  };
  readonly externalSecrets: Settings["externalSecrets"];
  readonly apps: readonly AppConfig[];
  readonly cloudflare: Settings["cloudflare"];
  readonly webhook?: Settings["webhook"];
  readonly notifications: Settings["notifications"];
  readonly monitoring: Settings["monitoring"];
  readonly timeouts: { readonly helmSeconds: number; readonly readySeconds: number; readonly ready: string };
  readonly safety: Settings["safety"];
  /** Secrets written to Vault by the bootstrap. */
  readonly secrets: {
    readonly githubToken: BootstrapSecret;
    readonly cloudflareApiToken?: BootstrapSecret;
    readonly githubAppPrivateKey?: BootstrapSecret;
    readonly slackWebhookUrl?: BootstrapSecret;
    readonly discordWebhookUrl?: BootstrapSecret;
  };
}

/** Raised when stack config is invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/**
 * What the loader reads: raw config strings by bare key (`github`, `githubToken`), whether a key
 * was set as a secret, and the environment. Tests pass plain objects; the program passes Pulumi's.
 */
export interface ConfigSource {
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly secretKeys: ReadonlySet<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stack: string;
}
