import * as pulumi from "@pulumi/pulumi";
import { StoreBinding, vaultExternalSecret } from "./externalSecrets";
import { CustomResourceManifest, customResource, systemNamespaces } from "./kubernetes";
import { BuildPhase } from "./phases";

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
  /** flux-system's SecretStore, passed whole: its ExternalSecrets read Vault through it. */
  fluxSecrets: StoreBinding;
  /** The FluxInstance: Provider/Alert CRDs exist once it is Ready. */
  fluxInstance: pulumi.Resource;
  /** Namespaces whose Kustomizations and HelmReleases alert (the stack's managed namespaces). */
  namespaces: readonly string[];
}

export function providerManifest(channel: Pick<NotificationChannel, "type" | "channel">, secretName: string): CustomResourceManifest {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Provider",
    metadata: { name: channel.type, namespace: systemNamespaces.flux },
    spec: { type: channel.type, ...(channel.channel ? { channel: channel.channel } : {}), secretRef: { name: secretName } },
  };
}

/** The Flux kinds whose failures are announced. */
export const alertedKinds = ["Kustomization", "HelmRelease"] as const;

/**
 * Alert event sources for every object of `kinds` in each of `namespaces`. A source without a
 * namespace means the Alert's own, and there is no namespace wildcard (see alertManifest).
 */
export function eventSourcesIn(kinds: readonly string[], namespaces: readonly string[]): { kind: string; name: string; namespace: string }[] {
  return kinds.flatMap((kind) => [...new Set(namespaces)].sort().map((namespace) => ({ kind, name: "*", namespace })));
}

/**
 * An Alert on every Kustomization and HelmRelease in `namespaces`. An event source without a
 * namespace means the Alert's own namespace, and there is no namespace wildcard: notification-
 * controller (v1.9.3, internal/server/event_handlers.go, eventMatchesAlertSource) compares the
 * event's namespace with the source's literally; the wildcard proposal (PR #504, flux2 RFC-0012)
 * was never merged. So each namespace gets its own sources.
 */
export function alertManifest(type: string, severity: "info" | "error", namespaces: readonly string[]): CustomResourceManifest {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Alert",
    metadata: { name: type, namespace: systemNamespaces.flux },
    spec: {
      providerRef: { name: type },
      eventSeverity: severity,
      eventSources: eventSourcesIn(alertedKinds, namespaces),
    },
  };
}

/** Flux announces failed reconciliations to Slack and/or Discord; webhook URLs come from Vault. */
export class Notifications extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:flux:Notifications";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 4;
  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(Notifications.type, name, {}, opts);
    for (const channel of args.channels) {
      const secretName = `${channel.type}-webhook`;
      const address = vaultExternalSecret(
        `${name}-${channel.type}-address`,
        {
          namespace: systemNamespaces.flux,
          secretName,
          ...args.fluxSecrets,
          vaultPath: channel.vaultPath,
          dependsOn: [args.fluxSecrets.store, channel.kvSecret],
        },
        { parent: this },
      );
      // v1beta3 Providers and Alerts are static objects without a status: nothing to wait for.
      const provider = customResource(`${name}-${channel.type}`, providerManifest(channel, secretName), {
        parent: this,
        provider: args.fluxSecrets.provider,
        dependsOn: [address, args.fluxInstance],
      });
      customResource(`${name}-${channel.type}-alert`, alertManifest(channel.type, args.severity, args.namespaces), {
        parent: this,
        provider: args.fluxSecrets.provider,
        dependsOn: [provider],
      });
    }
    this.registerOutputs({ channels: args.channels.map((channel) => channel.type) });
  }
}
