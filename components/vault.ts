import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { chartRelease, managedByLabels, systemNamespaces } from "./kubernetes";

export interface VaultArgs {
  /** "in-cluster" installs the hashicorp/vault chart; "external" uses an existing Vault. */
  mode: "in-cluster" | "external";
  /** Address the machine running pulumi reaches (Ingress, load balancer or port-forward). */
  address: string;
  /** Address ESO and other in-cluster consumers use, e.g. "http://vault.vault.svc:8200". */
  inClusterAddress: string;
  /** Exact hashicorp/vault chart version (in-cluster mode). */
  chartVersion: string;
  /** Ingress class for `address` (in-cluster mode, non-loopback address). Defaults to the cluster's default class. */
  ingressClassName?: string;
  /** TLS Secret for `address`'s host. Defaults to none (TLS terminated in front of the cluster). */
  tlsSecretName?: string;
  /** Token with rights to manage mounts, auth and policies (external mode). */
  token?: pulumi.Input<string>;
  provider: k8s.Provider;
  /** The vault namespace (in-cluster mode waits for it). */
  dependsOn: pulumi.Resource[];
  /** Helm and init Job timeout in seconds. */
  timeoutSeconds: number;
  /** Refuse to delete the Vault release (it holds the only copy of the secrets). Defaults to false. */
  protect?: boolean;
  /** Leave Vault running when the stack is destroyed. Defaults to false. */
  retainOnDelete?: boolean;
}

/** Where the init Job keeps the unseal key and root token (a Kubernetes Secret in the vault namespace). */
export const vaultInitSecretName = "vault-init";

/**
 * The init Job's script, in two steps that share an emptyDir. Step 1 (vault image) initialises Vault
 * only when `vault status` says it is not initialised, and unseals it. Step 2 (kubectl image) keeps
 * the key and token in a Secret that the server pods mount (optional) to unseal after restarts.
 * Nothing secret is printed.
 */
export const vaultInitScript = `set -eu
until vault status >/dev/null 2>&1 || [ $? -eq 2 ]; do echo "waiting for vault"; sleep 3; done
if vault status | grep -Eq '^Initialized +false'; then
  vault operator init -key-shares=1 -key-threshold=1 > /work/init.txt
  awk '/^Unseal Key 1:/ { print $4 }' /work/init.txt | tr -d '\\n' > /work/unseal-key
  awk '/^Initial Root Token:/ { print $4 }' /work/init.txt | tr -d '\\n' > /work/root-token
  rm -f /work/init.txt
  vault operator unseal "$(cat /work/unseal-key)" >/dev/null
  echo "vault initialised and unsealed"
else
  echo "vault already initialised; nothing to do"
fi
`;

export const vaultStoreScript = `set -eu
if [ -s /work/root-token ]; then
  kubectl -n ${systemNamespaces.vault} create secret generic ${vaultInitSecretName} \\
    --from-file=root-token=/work/root-token --from-file=unseal-key=/work/unseal-key
  echo "stored init material in secret/${vaultInitSecretName}"
fi
`;

/** After a restart the pod is sealed; the optional init Secret mount lets it unseal itself. */
const unsealOnStart = `for i in $(seq 1 30); do
  if [ -s /vault/init/unseal-key ]; then vault operator unseal "$(cat /vault/init/unseal-key)" >/dev/null 2>&1 && exit 0; fi
  sleep 2
done; exit 0`;

/** How the machine running pulumi reaches an in-cluster Vault. */
export interface VaultExposure {
  /** vault.address: a loopback address means a port-forward; any other host gets an Ingress. */
  address: string;
  ingressClassName?: string;
  tlsSecretName?: string;
}

/** True for addresses only a port-forward can serve (no Ingress is created for them). */
export function isLoopbackAddress(address: string): boolean {
  const host = new URL(address).hostname;
  return host === "localhost" || host.startsWith("127.") || host === "[::1]";
}

/**
 * Helm values for the in-cluster Vault: one standalone server on a PVC, no injector, self-unsealing,
 * and an Ingress for `address` unless that is a port-forward.
 */
export function vaultChartValues(exposure: VaultExposure): Record<string, unknown> {
  const host = new URL(exposure.address).hostname;
  const ingress = isLoopbackAddress(exposure.address)
    ? { enabled: false }
    : {
        enabled: true,
        ...(exposure.ingressClassName ? { ingressClassName: exposure.ingressClassName } : {}),
        pathType: "Prefix",
        activeService: true,
        hosts: [{ host, paths: [] }],
        tls: exposure.tlsSecretName ? [{ secretName: exposure.tlsSecretName, hosts: [host] }] : [],
      };
  return {
    injector: { enabled: false },
    ui: { enabled: false },
    server: {
      standalone: { enabled: true },
      dataStorage: { enabled: true, size: "2Gi" },
      // Vault's own service account reviews tokens for the Kubernetes auth method.
      authDelegator: { enabled: true },
      volumes: [{ name: vaultInitSecretName, secret: { secretName: vaultInitSecretName, optional: true } }],
      volumeMounts: [{ name: vaultInitSecretName, mountPath: "/vault/init", readOnly: true }],
      postStart: ["/bin/sh", "-c", unsealOnStart],
      ingress,
    },
  };
}

/**
 * Vault and the one Vault provider every Vault resource uses. In-cluster: the hashicorp/vault
 * chart, an init Job (init once, unseal, keep key and token in a Secret), and the root token read
 * back from that Secret. External: the address and token from config.
 */
export class Vault extends pulumi.ComponentResource {
  /** Pass as `provider` to every Vault resource and invoke. */
  public readonly provider: vault.Provider;
  /** Address reachable from where pulumi runs. */
  public readonly address: string;
  /** Address in-cluster consumers (ESO) use. */
  public readonly inClusterAddress: string;
  /** What Vault resources must wait for: Vault installed, initialised and unsealed. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:vault:Vault", name, {}, opts);
    this.address = args.address;
    this.inClusterAddress = args.inClusterAddress;

    let token: pulumi.Input<string>;
    if (args.mode === "in-cluster") {
      const k8sOpts = { parent: this, provider: args.provider };
      const release = chartRelease(
        name,
        {
          releaseName: "vault",
          chart: "vault",
          repo: "https://helm.releases.hashicorp.com",
          namespace: systemNamespaces.vault,
          // Vault is not Ready until unsealed; the init Job below does that and is what we wait for.
          wait: false,
          values: vaultChartValues(args),
        },
        args,
        { parent: this },
      );

      const serviceAccount = new k8s.core.v1.ServiceAccount(
        `${name}-init`,
        { metadata: { name: "vault-init", namespace: systemNamespaces.vault, labels: managedByLabels } },
        { ...k8sOpts, dependsOn: args.dependsOn },
      );
      const role = new k8s.rbac.v1.Role(
        `${name}-init`,
        {
          metadata: { name: "vault-init", namespace: systemNamespaces.vault, labels: managedByLabels },
          rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["create"] }],
        },
        { ...k8sOpts, dependsOn: args.dependsOn },
      );
      const roleBinding = new k8s.rbac.v1.RoleBinding(
        `${name}-init`,
        {
          metadata: { name: "vault-init", namespace: systemNamespaces.vault, labels: managedByLabels },
          // Literal names: Kubernetes does not need the Role or account to exist first.
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "vault-init" },
          subjects: [{ kind: "ServiceAccount", name: "vault-init", namespace: systemNamespaces.vault }],
        },
        { ...k8sOpts, dependsOn: args.dependsOn },
      );
      const initJob = new k8s.batch.v1.Job(
        `${name}-init`,
        {
          metadata: {
            name: "vault-init",
            namespace: systemNamespaces.vault,
            labels: managedByLabels,
            annotations: { "pulumi.com/waitFor": "condition=Complete" },
          },
          spec: {
            backoffLimit: 6,
            template: {
              metadata: { labels: managedByLabels },
              spec: {
                serviceAccountName: serviceAccount.metadata.name,
                restartPolicy: "OnFailure",
                volumes: [{ name: "work", emptyDir: { medium: "Memory" } }],
                initContainers: [
                  {
                    name: "init",
                    image: "hashicorp/vault:1.20.4",
                    env: [{ name: "VAULT_ADDR", value: args.inClusterAddress }],
                    command: ["/bin/sh", "-c", vaultInitScript],
                    volumeMounts: [{ name: "work", mountPath: "/work" }],
                  },
                ],
                containers: [
                  {
                    name: "store",
                    image: "registry.k8s.io/kubectl:v1.33.5",
                    command: ["/bin/sh", "-c", vaultStoreScript],
                    volumeMounts: [{ name: "work", mountPath: "/work" }],
                  },
                ],
              },
            },
          },
        },
        { ...k8sOpts, dependsOn: [release, serviceAccount, role, roleBinding], customTimeouts: { create: `${args.timeoutSeconds}s` } },
      );
      // A read runs even in a preview and ignores dependsOn (pulumi/pulumi#16395); the engine skips it
      // only while its ID is unknown (pulumi/pulumi pkg/resource/deploy/step.go, ReadStep). The Job's
      // ID is unknown until the Job exists, so a fresh preview does not look for the Secret yet.
      const initSecret = k8s.core.v1.Secret.get(
        `${name}-init-material`,
        initJob.id.apply(() => `${systemNamespaces.vault}/${vaultInitSecretName}`),
        { ...k8sOpts, dependsOn: [initJob] },
      );
      token = pulumi.secret(
        initSecret.data.apply((data) => Buffer.from(data?.["root-token"] ?? "", "base64").toString("utf8")),
      );
      this.ready = [release, initJob];
    } else {
      if (args.token === undefined) throw new Error("Vault: a token is required in external mode");
      token = pulumi.secret(args.token);
      this.ready = [];
    }

    this.provider = new vault.Provider(
      name,
      // The address must be reachable from this machine; config.ts rejects in-cluster hosts.
      { address: args.address, token, skipChildToken: false },
      { parent: this, dependsOn: this.ready },
    );
    this.registerOutputs({ address: this.address, inClusterAddress: this.inClusterAddress });
  }
}
