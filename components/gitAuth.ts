import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { formerChildUrn, formerGeneratedSecrets, formerTopLevelUrn } from "./aliases";
import { writeKvSecret } from "./bootstrapSecrets";
import { DeployKey, githubKnownHosts } from "./deployKey";
import { StoreBinding, vaultExternalSecret } from "./externalSecrets";
import { systemNamespaces } from "./kubernetes";
import { BuildPhase } from "./phases";

export interface GitAuthArgs {
  /** A deploy key Pulumi generates, or a GitHub App whose credentials were supplied as bootstrap secrets. */
  kind: "deployKey" | "app";
  /** The deploy key's algorithm, access and rotation generation; unused for a GitHub App. */
  deployKey: { algorithm: "ED25519" | "ECDSA"; readWrite: boolean; rotation: number };
  /** Title prefix of the deploy key on GitHub, e.g. "flux-staging". */
  deployKeyTitle: string;
  /** Repository name (the github provider carries the owner). */
  repository: string;
  githubProvider: github.Provider;
  /** KV path of the credentials (see VaultLayout.gitAuth). */
  vaultPath: string;
  /** Flux's pull secret, and the ExternalSecret that fills it (see VaultLayout.secretNames). */
  pullSecretName: string;
  /** The KV v2 mount path; pass the Mount's `path` output so the write waits for the mount. */
  kvMount: pulumi.Input<string>;
  vaultProvider: vault.Provider;
  /** For a GitHub App: the KV secret (written with the bootstrap secrets) holding its credentials. */
  appCredentials?: pulumi.Resource;
  /** flux-system's SecretStore, passed whole: its ExternalSecrets read Vault through it. */
  fluxSecrets: StoreBinding;
  /** The flux-system Namespace. */
  namespace: pulumi.Resource;
}

/**
 * How Flux authenticates to GitHub, end to end: with a deploy key, the key (generated, registered on
 * the repository) and its private half in Vault; either way, the ExternalSecret that materialises
 * Flux's pull secret from Vault, Ready before the FluxInstance is applied.
 */
export class GitAuth extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:flux:GitAuth";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 3;
  /** The Secret in flux-system that Flux pulls with. */
  public readonly pullSecretName: string;
  /** The ExternalSecret behind the pull secret; Ready once the Secret exists. */
  public readonly pullSecret: k8s.apiextensions.CustomResource;
  /** SHA256 fingerprint of the deploy key; undefined for a GitHub App. */
  public readonly deployKeyFingerprint: pulumi.Output<string> | undefined;

  constructor(name: string, args: GitAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GitAuth.type, name, {}, opts);
    this.pullSecretName = args.pullSecretName;

    let credentials: pulumi.Resource[];
    if (args.kind === "deployKey") {
      const deployKey = new DeployKey(
        "deploy-key",
        {
          repository: args.repository,
          algorithm: args.deployKey.algorithm,
          readWrite: args.deployKey.readWrite,
          generation: args.deployKey.rotation,
          title: args.deployKeyTitle,
          githubProvider: args.githubProvider,
        },
        { parent: this, aliases: [formerTopLevelUrn("gitops:github:DeployKey", "deploy-key")] },
      );
      const keyInVault = writeKvSecret(
        args.pullSecretName,
        {
          mount: args.kvMount,
          path: args.vaultPath,
          // The keys Flux reads from an SSH pull secret.
          data: { identity: deployKey.privateKeyOpenssh, "identity.pub": deployKey.publicKeyOpenssh, known_hosts: githubKnownHosts },
        },
        {
          parent: this,
          provider: args.vaultProvider,
          aliases: [formerChildUrn(formerGeneratedSecrets, "vault:kv/secretV2:SecretV2", args.pullSecretName)],
        },
      );
      // GitHub must accept the key before Flux first tries it.
      credentials = [keyInVault, deployKey.deployKey];
      this.deployKeyFingerprint = deployKey.fingerprint;
    } else {
      if (args.appCredentials === undefined) throw new Error("GitAuth: a GitHub App needs appCredentials (the KV secret of its credentials)");
      credentials = [args.appCredentials];
    }

    this.pullSecret = vaultExternalSecret(
      args.pullSecretName,
      {
        namespace: systemNamespaces.flux,
        secretName: args.pullSecretName,
        ...args.fluxSecrets,
        vaultPath: args.vaultPath,
        dependsOn: [args.fluxSecrets.store, args.namespace, ...credentials],
      },
      { parent: this, aliases: [formerTopLevelUrn("kubernetes:external-secrets.io/v1:ExternalSecret", args.pullSecretName)] },
    );
    this.registerOutputs({ pullSecretName: this.pullSecretName });
  }
}
