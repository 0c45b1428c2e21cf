import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { managedByLabels, systemNamespaces } from "./kubernetes";
import { BuildPhase } from "./phases";

export interface VaultAccessArgs {
  /** The Vault provider (address reachable from where pulumi runs). */
  vaultProvider: vault.Provider;
  k8sProvider: k8s.Provider;
  /** "in-cluster" Vault reviews tokens with its own service account; "external" gets a reviewer token. */
  mode: "in-cluster" | "external";
  /** KV v2 mount path, e.g. "gitops". */
  kvMount: string;
  /** Kubernetes auth mount path, e.g. "kubernetes". */
  authMount: string;
  /** Kubernetes API URL as Vault reaches it. */
  kubernetesHost: string;
  /** One reader per namespace that syncs secrets: its own role and policy, nothing shared. */
  readers: readonly VaultReader[];
  /** Vault installed and unsealed; the external-mode reviewer also waits for its namespace. */
  dependsOn: pulumi.Resource[];
  /** Refuse to delete the KV mount (deleting it deletes every secret in it). */
  protect: boolean;
}

/** A namespace that reads from Vault through its own SecretStore. */
export interface VaultReader {
  namespace: string;
  /** The service account in `namespace` the store logs in as. */
  serviceAccount: string;
  /** KV paths (without the mount) this namespace's ExternalSecrets name; nothing else is readable. */
  paths: readonly string[];
}

/** A reader's policy: `read` on exactly the KV v2 data paths the bootstrap writes. */
export function readPolicyHcl(kvMount: string, readPaths: readonly string[]): string {
  return [...new Set(readPaths)]
    .sort()
    .map((path) => `path "${kvMount}/data/${path}" {\n  capabilities = ["read"]\n}\n`)
    .join("\n");
}

/** The Vault role a namespace's store logs in with. */
export function readerRoleName(namespace: string): string {
  return `eso-${namespace}`;
}

/**
 * What Vault needs so ESO can read the bootstrap's secrets: a KV v2 mount, the Kubernetes auth
 * method pointed at this cluster, and per reading namespace a role bound to that namespace's service
 * account alone, with a policy listing only that namespace's paths.
 */
export class VaultAccess extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:vault:Access";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 1;
  public readonly kvMount: vault.Mount;
  public readonly authBackend: vault.AuthBackend;
  private readonly roles: ReadonlyMap<string, { role: vault.kubernetes.AuthBackendRole; ready: pulumi.Resource[] }>;

  constructor(name: string, args: VaultAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super(VaultAccess.type, name, {}, opts);
    const vaultOpts = { parent: this, provider: args.vaultProvider, dependsOn: args.dependsOn };

    this.kvMount = new vault.Mount(
      `${name}-kv`,
      { path: args.kvMount, type: "kv", options: { version: "2" }, description: "GitOps bootstrap secrets (KV v2)" },
      { ...vaultOpts, protect: args.protect },
    );

    this.authBackend = new vault.AuthBackend(
      `${name}-kubernetes`,
      { type: "kubernetes", path: args.authMount, description: "Kubernetes service account login for in-cluster readers" },
      vaultOpts,
    );

    let reviewer: { tokenReviewerJwt?: pulumi.Output<string>; kubernetesCaCert?: pulumi.Output<string>; disableLocalCaJwt: boolean };
    if (args.mode === "external") {
      // Vault outside the cluster cannot use a pod token: give it a reviewer account's long-lived token.
      const k8sOpts = { parent: this, provider: args.k8sProvider, dependsOn: args.dependsOn };
      const reviewerAccount = new k8s.core.v1.ServiceAccount(
        `${name}-token-reviewer`,
        { metadata: { name: "vault-token-reviewer", namespace: systemNamespaces.vault, labels: managedByLabels } },
        k8sOpts,
      );
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-token-reviewer`,
        {
          metadata: { name: "vault-token-reviewer", labels: managedByLabels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
          subjects: [{ kind: "ServiceAccount", name: reviewerAccount.metadata.name, namespace: systemNamespaces.vault }],
        },
        k8sOpts,
      );
      const tokenSecret = new k8s.core.v1.Secret(
        `${name}-token-reviewer`,
        {
          metadata: {
            name: "vault-token-reviewer",
            namespace: systemNamespaces.vault,
            labels: managedByLabels,
            annotations: { "kubernetes.io/service-account.name": "vault-token-reviewer" },
          },
          type: "kubernetes.io/service-account-token",
        },
        { ...k8sOpts, dependsOn: [reviewerAccount] },
      );
      // The token controller fills the Secret after creation; read it back once it exists. The ID
      // waits for the Secret's own ID (unknown until created), so a fresh preview skips the read
      // (reads run in previews and ignore dependsOn: pulumi/pulumi#16395).
      const filled = k8s.core.v1.Secret.get(
        `${name}-token-reviewer-filled`,
        pulumi.all([tokenSecret.id, tokenSecret.metadata]).apply(([, metadata]) => `${metadata.namespace}/${metadata.name}`),
        { parent: this, provider: args.k8sProvider, dependsOn: [tokenSecret] },
      );
      const field = (key: string) =>
        pulumi.secret(filled.data.apply((data) => Buffer.from(data?.[key] ?? "", "base64").toString("utf8")));
      reviewer = { tokenReviewerJwt: field("token"), kubernetesCaCert: field("ca.crt"), disableLocalCaJwt: true };
    } else {
      reviewer = { disableLocalCaJwt: false };
    }

    const authConfig = new vault.kubernetes.AuthBackendConfig(
      `${name}-kubernetes`,
      { backend: this.authBackend.path, kubernetesHost: args.kubernetesHost, ...reviewer },
      vaultOpts,
    );

    const roles = new Map<string, { role: vault.kubernetes.AuthBackendRole; ready: pulumi.Resource[] }>();
    for (const reader of args.readers) {
      if (roles.has(reader.namespace)) throw new Error(`namespace "${reader.namespace}" is listed as a Vault reader twice`);
      const policy = new vault.Policy(
        `${name}-reader-${reader.namespace}`,
        { name: `${args.kvMount}-${reader.namespace}-read`, policy: readPolicyHcl(args.kvMount, reader.paths) },
        vaultOpts,
      );
      const role = new vault.kubernetes.AuthBackendRole(
        `${name}-reader-${reader.namespace}`,
        {
          backend: this.authBackend.path,
          roleName: readerRoleName(reader.namespace),
          boundServiceAccountNames: [reader.serviceAccount],
          boundServiceAccountNamespaces: [reader.namespace],
          tokenPolicies: [policy.name],
          tokenTtl: 3600,
        },
        vaultOpts,
      );
      roles.set(reader.namespace, { role, ready: [authConfig, policy, role] });
    }
    this.roles = roles;
    this.registerOutputs({
      kvMountPath: this.kvMount.path,
      authMountPath: this.authBackend.path,
      roleNames: [...roles.keys()].map(readerRoleName),
    });
  }

  /** The role of `namespace` and everything a login with it needs; throws for a namespace that reads nothing. */
  public reader(namespace: string): { role: vault.kubernetes.AuthBackendRole; ready: pulumi.Resource[] } {
    const found = this.roles.get(namespace);
    if (found === undefined) throw new Error(`namespace "${namespace}" has no Vault reader role`);
    return found;
  }
}
