import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { vaultExternalSecret } from "./externalSecrets";
import { fluxSyncName } from "./flux";
import { CustomResourceManifest, managedByLabels, readyCustomResource, systemNamespaces } from "./kubernetes";

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
  /** Rotation generation: a new token gets a new Receiver and GitHub webhook before the old ones go. */
  generation: number;
  /** The HMAC token (secret); GitHub signs deliveries with it and the Receiver checks them. */
  token: pulumi.Output<string>;
  /** KV path of the token and the KV secret resource. */
  vaultPath: string;
  tokenKvSecret: pulumi.Resource;
  storeName: string;
  store: pulumi.Resource;
  refreshInterval: string;
  /** Repository name (the github provider carries the owner). */
  repository: string;
  githubProvider: github.Provider;
  provider: k8s.Provider;
  readyTimeoutSeconds: number;
  /** The FluxInstance: the Receiver CRD exists once it is Ready. */
  fluxInstance: pulumi.Resource;
}

/**
 * A push to GitHub reaches Flux within seconds: a Flux Receiver (type github) on a token that
 * lives in Vault, an Ingress to notification-controller's webhook-receiver Service, and the
 * repository webhook pointing at the Receiver's path.
 */
export class WebhookReceiver extends pulumi.ComponentResource {
  /** https://<host>/hook/<sha256>; secret because it is derived from the token. */
  public readonly url: pulumi.Output<string>;
  public readonly receiver: k8s.apiextensions.CustomResource;

  constructor(name: string, args: WebhookReceiverArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:flux:WebhookReceiver", name, {}, opts);
    const generation = `v${args.generation}`;
    const receiverName = `github-${generation}`;
    const tokenSecretName = `webhook-token-${generation}`;

    const tokenSecret = vaultExternalSecret(
      `${name}-token-${generation}`,
      {
        namespace: systemNamespaces.flux,
        secretName: tokenSecretName,
        storeName: args.storeName,
        refreshInterval: args.refreshInterval,
        vaultPath: args.vaultPath,
        provider: args.provider,
        readyTimeoutSeconds: args.readyTimeoutSeconds,
        dependsOn: [args.store, args.tokenKvSecret],
      },
      { parent: this },
    );

    this.receiver = readyCustomResource(
      `${name}-${generation}`,
      receiverManifest(receiverName, tokenSecretName),
      { timeoutSeconds: args.readyTimeoutSeconds },
      { parent: this, provider: args.provider, dependsOn: [tokenSecret, args.fluxInstance] },
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
      { parent: this, provider: args.provider, dependsOn: [args.fluxInstance] },
    );

    this.url = pulumi.secret(
      args.token.apply((token) => `https://${args.host}${receiverWebhookPath(token, receiverName, systemNamespaces.flux)}`),
    );

    new github.RepositoryWebhook(
      `${name}-${generation}`,
      {
        repository: args.repository,
        active: true,
        events: ["push"],
        configuration: { url: this.url, contentType: "json", secret: args.token, insecureSsl: false },
      },
      { parent: this, provider: args.githubProvider, dependsOn: [this.receiver] },
    );
    this.registerOutputs({ url: this.url });
  }
}
