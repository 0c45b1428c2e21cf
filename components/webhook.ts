import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { createHash } from "node:crypto";
import { formerChildUrn, formerGeneratedSecrets, formerTopLevelUrn } from "./aliases";
import { writeKvSecret } from "./bootstrapSecrets";
import { StoreBinding, vaultExternalSecret } from "./externalSecrets";
import { fluxSyncName } from "./flux";
import { CustomResourceManifest, managedByLabels, readyCustomResource, systemNamespaces } from "./kubernetes";
import { generationSuffix } from "./layout";
import { BuildPhase } from "./phases";

/** The path notification-controller serves a Receiver on: /hook/ + hex(sha256(token + name + namespace)). */
export function receiverWebhookPath(token: string, name: string, namespace: string): string {
  return `/hook/${createHash("sha256").update(token + name + namespace).digest("hex")}`;
}

/** The TLS Secret cert-manager fills for the webhook Ingress when no tlsSecretName is given. */
export const defaultWebhookTlsSecretName = "flux-webhook-tls";

export function receiverManifest(name: string, tokenSecretName: string): CustomResourceManifest {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1",
    kind: "Receiver",
    metadata: { name, namespace: systemNamespaces.flux },
    spec: {
      type: "github",
      events: ["ping", "push"],
      secretRef: { name: tokenSecretName },
      resources: [{ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: fluxSyncName }],
    },
  };
}

export interface WebhookReceiverArgs {
  /** Public host name routed to Flux's webhook-receiver Service. */
  host: string;
  /** Ingress class. Defaults to the cluster's default class. */
  ingressClassName?: string;
  /**
   * TLS Secret for the host. GitHub delivers only to a publicly trusted certificate (insecureSsl
   * stays false). Defaults to `defaultWebhookTlsSecretName` with certManagerIssuer, else none.
   */
  tlsSecretName?: string;
  /** cert-manager ClusterIssuer that issues the host's certificate into the TLS Secret. Defaults to none. */
  certManagerIssuer?: string;
  /**
   * Rotation generation: a new HMAC token (GitHub signs deliveries with it, the Receiver checks
   * them) gets a new Receiver and GitHub webhook before the old ones go.
   */
  generation: number;
  /** The token's Secret in flux-system, and its KV secret resource (see VaultLayout.secretNames). */
  tokenSecretName: string;
  /** KV path of the token (see VaultLayout.webhookToken). */
  vaultPath: string;
  /** The KV v2 mount path; pass the Mount's `path` output so the write waits for the mount. */
  kvMount: pulumi.Input<string>;
  vaultProvider: vault.Provider;
  /** flux-system's SecretStore, passed whole: its ExternalSecrets read Vault through it. */
  fluxSecrets: StoreBinding;
  /** Repository name (the github provider carries the owner). */
  repository: string;
  githubProvider: github.Provider;
  /** The FluxInstance: the Receiver CRD exists once it is Ready. */
  fluxInstance: pulumi.Resource;
}

/**
 * A push to GitHub reaches Flux within seconds: a Flux Receiver (type github) on a token that
 * lives in Vault, an Ingress to notification-controller's webhook-receiver Service, and the
 * repository webhook pointing at the Receiver's path.
 */
export class WebhookReceiver extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:flux:WebhookReceiver";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 4;
  /** https://<host>/hook/<sha256>; secret because it is derived from the token. */
  public readonly url: pulumi.Output<string>;
  public readonly receiver: k8s.apiextensions.CustomResource;

  constructor(name: string, args: WebhookReceiverArgs, opts?: pulumi.ComponentResourceOptions) {
    super(WebhookReceiver.type, name, {}, opts);
    const generation = generationSuffix(args.generation);
    const receiverName = `github-${generation}`;
    const tokenSecretName = args.tokenSecretName;

    const token = new random.RandomPassword(
      tokenSecretName,
      { length: 40, special: false },
      { parent: this, aliases: [formerTopLevelUrn("random:index/randomPassword:RandomPassword", tokenSecretName)] },
    );
    const tokenInVault = writeKvSecret(
      tokenSecretName,
      { mount: args.kvMount, path: args.vaultPath, data: { token: token.result } },
      {
        parent: this,
        provider: args.vaultProvider,
        aliases: [formerChildUrn(formerGeneratedSecrets, "vault:kv/secretV2:SecretV2", tokenSecretName)],
      },
    );

    const tokenSecret = vaultExternalSecret(
      `${name}-token-${generation}`,
      {
        namespace: systemNamespaces.flux,
        secretName: tokenSecretName,
        ...args.fluxSecrets,
        vaultPath: args.vaultPath,
        dependsOn: [args.fluxSecrets.store, tokenInVault],
      },
      { parent: this },
    );

    this.receiver = readyCustomResource(
      `${name}-${generation}`,
      receiverManifest(receiverName, tokenSecretName),
      { timeoutSeconds: args.fluxSecrets.readyTimeoutSeconds },
      { parent: this, provider: args.fluxSecrets.provider, dependsOn: [tokenSecret, args.fluxInstance] },
    );

    const tlsSecretName = args.tlsSecretName ?? (args.certManagerIssuer === undefined ? undefined : defaultWebhookTlsSecretName);
    new k8s.networking.v1.Ingress(
      name,
      {
        metadata: {
          name: "flux-webhook",
          namespace: systemNamespaces.flux,
          labels: managedByLabels,
          // cert-manager's ingress-shim issues a Certificate for an Ingress carrying this annotation.
          annotations: args.certManagerIssuer === undefined ? undefined : { "cert-manager.io/cluster-issuer": args.certManagerIssuer },
        },
        spec: {
          ingressClassName: args.ingressClassName,
          rules: [
            {
              host: args.host,
              http: {
                paths: [
                  {
                    path: "/hook/",
                    pathType: "Prefix",
                    backend: { service: { name: "webhook-receiver", port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
          tls: tlsSecretName === undefined ? undefined : [{ hosts: [args.host], secretName: tlsSecretName }],
        },
      },
      { parent: this, provider: args.fluxSecrets.provider, dependsOn: [args.fluxInstance] },
    );

    this.url = pulumi.secret(
      token.result.apply((value) => `https://${args.host}${receiverWebhookPath(value, receiverName, systemNamespaces.flux)}`),
    );

    new github.RepositoryWebhook(
      `${name}-${generation}`,
      {
        repository: args.repository,
        active: true,
        events: ["push"],
        configuration: { url: this.url, contentType: "json", secret: pulumi.secret(token.result), insecureSsl: false },
      },
      { parent: this, provider: args.githubProvider, dependsOn: [this.receiver] },
    );
    this.registerOutputs({ url: this.url });
  }
}
