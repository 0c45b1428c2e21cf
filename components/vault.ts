import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { chartRelease, systemNamespaces } from "./kubernetes";
import { BuildPhase } from "./phases";
import { isPortForwardUrl } from "./validation";
import { VaultInit } from "./vaultInit";

export interface VaultArgs {
  /** "in-cluster" installs the hashicorp/vault chart; "external" uses an existing Vault. */
  mode: "in-cluster" | "external";
  /** Address the machine running pulumi reaches (Ingress, load balancer or port-forward). */
  address: string;
  /** Address ESO and other in-cluster consumers use (inClusterVaultAddress for the in-cluster Vault). */
  inClusterAddress: string;
  /** Exact hashicorp/vault chart version (in-cluster mode). */
  chartVersion: string;
  /** Ingress class for `address` (in-cluster mode, non-loopback address). Defaults to the cluster's default class. */
  ingressClassName?: string;
  /**
   * The certificate `address` serves and the CA clients trust. Defaults to none: right only for a
   * loopback address, or an external Vault whose certificate is publicly trusted (config.ts checks).
   */
  tls?: VaultTls;
  /** Key shares made at init (recovery key shares when `seal` is set). */
  unseal: VaultUnseal;
  /** An auto-unseal seal (in-cluster mode). Defaults to none: Shamir keys, unsealed by `pulumi up`. */
  seal?: VaultTransitSeal;
  /**
   * JSON `{rootToken, unsealKeys}` of an in-cluster Vault initialised before this program owned its
   * init (the old init Job), adopted once. Defaults to none: an initialised Vault is refused.
   */
  existingInit?: pulumi.Input<string>;
  /** Token with rights to manage mounts, auth and policies (external mode). */
  token?: pulumi.Input<string>;
  provider: k8s.Provider;
  /** The vault namespace (in-cluster mode waits for it). */
  dependsOn: pulumi.Resource[];
  /** Helm timeout, and how long init waits for Vault to answer, in seconds. */
  timeoutSeconds: number;
  /** Refuse to delete the Vault release and its init record (the only copy of the keys). */
  protect: boolean;
  /** Leave Vault running when the stack is destroyed. */
  retainOnDelete: boolean;
}

/** Where the Vault Ingress's certificate comes from, and which CA the clients trust. */
export interface VaultTls {
  /** A kubernetes.io/tls Secret in namespace vault. Defaults to `defaultVaultTlsSecretName` with certManagerIssuer. */
  secretName?: string;
  /** A cert-manager ClusterIssuer that issues the certificate into `secretName`. */
  certManagerIssuer?: string;
  /** PEM CA certificate(s) trusted besides the system roots, by the Vault provider and the init provider. */
  caCertificate?: string;
}

/** Shamir shares at init: `threshold` of `shares` unseal Vault (or authorise recovery operations). */
export interface VaultUnseal {
  shares: number;
  threshold: number;
}

/** Auto-unseal through another Vault's transit secrets engine. */
export interface VaultTransitSeal {
  type: "transit";
  /** The transit Vault's address as the Vault pod reaches it. */
  address: string;
  keyName: string;
  mountPath: string;
  /** Secret in namespace vault whose key `token` holds the transit token. */
  tokenSecretName: string;
}

/** The TLS Secret cert-manager fills for the Vault Ingress when no secretName is given. */
export const defaultVaultTlsSecretName = "vault-tls";

/** How the machine running pulumi reaches an in-cluster Vault. */
export interface VaultExposure {
  /** vault.address: a loopback address means a port-forward; any other host gets an Ingress. */
  address: string;
  ingressClassName?: string;
  tls?: VaultTls;
  seal?: VaultTransitSeal;
}

/**
 * The chart's standalone server config (hashicorp/vault-helm v0.31.0 values.yaml
 * `server.standalone.config`: plain-HTTP listener, file storage on the PVC) plus the transit seal
 * stanza, whose token the seal reads from VAULT_TOKEN (Vault docs, configuration/seal/transit).
 */
export function standaloneServerConfig(seal: VaultTransitSeal): string {
  return [
    "ui = true",
    "",
    'listener "tcp" {',
    "  tls_disable = 1",
    '  address = "[::]:8200"',
    '  cluster_address = "[::]:8201"',
    "}",
    'storage "file" {',
    '  path = "/vault/data"',
    "}",
    'seal "transit" {',
    `  address = ${JSON.stringify(seal.address)}`,
    `  key_name = ${JSON.stringify(seal.keyName)}`,
    `  mount_path = ${JSON.stringify(seal.mountPath)}`,
    "}",
    "",
  ].join("\n");
}

/**
 * Helm values for the in-cluster Vault: one standalone server on a PVC, no injector, and an Ingress
 * for `address` (with its certificate) unless that is a port-forward. No unseal material reaches
 * the cluster: `pulumi up` unseals from the stack state, or the transit seal does.
 */
export function vaultChartValues(exposure: VaultExposure): Record<string, unknown> {
  const host = new URL(exposure.address).hostname;
  const issuer = exposure.tls?.certManagerIssuer;
  const certificateSecret = exposure.tls?.secretName ?? (issuer === undefined ? undefined : defaultVaultTlsSecretName);
  const ingress = isPortForwardUrl(exposure.address)
    ? { enabled: false }
    : {
        enabled: true,
        ...(exposure.ingressClassName ? { ingressClassName: exposure.ingressClassName } : {}),
        // cert-manager's ingress-shim issues a Certificate for an Ingress carrying this annotation.
        annotations: issuer === undefined ? {} : { "cert-manager.io/cluster-issuer": issuer },
        pathType: "Prefix",
        activeService: true,
        hosts: [{ host, paths: [] }],
        tls: certificateSecret === undefined ? [] : [{ secretName: certificateSecret, hosts: [host] }],
      };
  const seal = exposure.seal;
  return {
    injector: { enabled: false },
    ui: { enabled: false },
    server: {
      standalone: seal === undefined ? { enabled: true } : { enabled: true, config: standaloneServerConfig(seal) },
      dataStorage: { enabled: true, size: "2Gi" },
      // Vault's own service account reviews tokens for the Kubernetes auth method.
      authDelegator: { enabled: true },
      ...(seal === undefined
        ? {}
        : { extraSecretEnvironmentVars: [{ envName: "VAULT_TOKEN", secretName: seal.tokenSecretName, secretKey: "token" }] }),
      ingress,
    },
  };
}

/**
 * Where the Vault provider reads `caCertificate` from: it takes only a file or directory
 * (@pulumi/vault ProviderArgs caCertFile/caCertDir). Named by content, under the OS temp dir.
 */
export function caCertificateFile(pem: string): string {
  const directory = path.join(tmpdir(), "gitops-bootstrap");
  const file = path.join(directory, `vault-ca-${createHash("sha256").update(pem).digest("hex").slice(0, 16)}.pem`);
  mkdirSync(directory, { recursive: true });
  writeFileSync(file, pem);
  return file;
}

/**
 * Vault and the one Vault provider every Vault resource uses. In-cluster: the hashicorp/vault
 * chart, and a VaultInit resource that initialises it once from where Pulumi runs and unseals it;
 * the root token and keys live only in the stack state. External: the address and token from config.
 */
export class Vault extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:vault:Vault";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 1;
  /** Pass as `provider` to every Vault resource and invoke. */
  public readonly provider: vault.Provider;
  /** Address reachable from where pulumi runs. */
  public readonly address: string;
  /** Address in-cluster consumers (ESO) use. */
  public readonly inClusterAddress: string;
  /** What Vault resources must wait for: Vault installed, initialised and unsealed. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super(Vault.type, name, {}, opts);
    this.address = args.address;
    this.inClusterAddress = args.inClusterAddress;
    const caCertificate = args.tls?.caCertificate;

    let token: pulumi.Input<string>;
    if (args.mode === "in-cluster") {
      const release = chartRelease(
        name,
        {
          releaseName: "vault",
          chart: "vault",
          repo: "https://helm.releases.hashicorp.com",
          namespace: systemNamespaces.vault,
          // Vault is not Ready until initialised and unsealed, which VaultInit does after the install.
          // It is reachable before that: the chart's Service sets publishNotReadyAddresses: true
          // (hashicorp/vault-helm v0.31.0 values.yaml server.service), so the Ingress routes to it.
          wait: false,
          values: vaultChartValues(args),
        },
        args,
        { parent: this },
      );
      const init = new VaultInit(
        `${name}-init`,
        {
          address: args.address,
          caCertificate,
          shares: args.unseal.shares,
          threshold: args.unseal.threshold,
          autoUnseal: args.seal !== undefined,
          timeoutSeconds: args.timeoutSeconds,
          existingInit: args.existingInit,
        },
        // Its state is the only copy of the root token and keys: protected with the release.
        { parent: this, dependsOn: [release], protect: args.protect },
      );
      // Kept only as a Pulumi secret in the encrypted stack state; the provider works through
      // short-lived child tokens of it (skipChildToken: false).
      token = pulumi.secret(
        pulumi.all([init.rootToken, init.unsealProblem]).apply(([rootToken, unsealProblem]) => {
          if (unsealProblem) {
            throw new Error(`Vault was initialised (its keys are in the stack state) but is still sealed: ${unsealProblem} Run pulumi up again to unseal it.`);
          }
          return rootToken;
        }),
      );
      this.ready = [release, init];
    } else {
      if (args.token === undefined) throw new Error("Vault: a token is required in external mode");
      token = pulumi.secret(args.token);
      this.ready = [];
    }

    this.provider = new vault.Provider(
      name,
      {
        // The address must be reachable from this machine; config.ts rejects in-cluster hosts.
        address: args.address,
        token,
        skipChildToken: false,
        ...(caCertificate === undefined ? {} : { caCertFile: caCertificateFile(caCertificate) }),
      },
      { parent: this, dependsOn: this.ready },
    );
    this.registerOutputs({ address: this.address, inClusterAddress: this.inClusterAddress });
  }
}
