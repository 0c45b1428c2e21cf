import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { vaultExternalSecret } from "./externalSecrets";
import { CustomResourceManifest, customResource, systemNamespaces } from "./kubernetes";

export interface NotificationChannel {
  /** "slack" or "discord": the Flux Provider type. */
  type: "slack" | "discord";
  /** Slack channel; Discord webhooks carry their channel. */
  channel?: string;
  /** KV path holding `address` (the incoming-webhook URL) and the KV secret resource. */
  vaultPath: string;
  kvSecret: pulumi.Resource;
}

export interface NotificationsArgs {
  channels: readonly NotificationChannel[];
  /** "error" announces failures only; "info" every reconciliation. */
  severity: "info" | "error";
  storeName: string;
  store: pulumi.Resource;
  refreshInterval: string;
  provider: k8s.Provider;
  readyTimeoutSeconds: number;
  /** The FluxInstance: Provider/Alert CRDs exist once it is Ready. */
  fluxInstance: pulumi.Resource;
}

export function providerManifest(channel: Pick<NotificationChannel, "type" | "channel">, secretName: string): CustomResourceManifest {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Provider",
    metadata: { name: channel.type, namespace: systemNamespaces.flux },
    spec: { type: channel.type, ...(channel.channel ? { channel: channel.channel } : {}), secretRef: { name: secretName } },
  };
}

export function alertManifest(type: string, severity: "info" | "error"): CustomResourceManifest {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Alert",
    metadata: { name: type, namespace: systemNamespaces.flux },
    spec: {
      providerRef: { name: type },
      eventSeverity: severity,
      eventSources: [
        { kind: "Kustomization", name: "*" },
        { kind: "HelmRelease", name: "*" },
      ],
    },
  };
}

/** Flux announces failed reconciliations to Slack and/or Discord; webhook URLs come from Vault. */
export class Notifications extends pulumi.ComponentResource {
  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:flux:Notifications", name, {}, opts);
    for (const channel of args.channels) {
      const secretName = `${channel.type}-webhook`;
      const address = vaultExternalSecret(
        `${name}-${channel.type}-address`,
        {
          namespace: systemNamespaces.flux,
          secretName,
          storeName: args.storeName,
          refreshInterval: args.refreshInterval,
          vaultPath: channel.vaultPath,
          provider: args.provider,
          readyTimeoutSeconds: args.readyTimeoutSeconds,
          dependsOn: [args.store, channel.kvSecret],
        },
        { parent: this },
      );
      // v1beta3 Providers and Alerts are static objects without a status: nothing to wait for.
      const provider = customResource(`${name}-${channel.type}`, providerManifest(channel, secretName), {
        parent: this,
        provider: args.provider,
        dependsOn: [address, args.fluxInstance],
      });
      customResource(`${name}-${channel.type}-alert`, alertManifest(channel.type, args.severity), {
        parent: this,
        provider: args.provider,
        dependsOn: [provider],
      });
    }
    this.registerOutputs({ channels: args.channels.map((channel) => channel.type) });
  }
}
