import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { BootstrapSecret } from "./config";
import { BuildPhase } from "./phases";

/** One field of a KV secret: a value known on this run, or one to read back from Vault. */
export type FieldSource =
  | { readonly value: pulumi.Input<string> }
  | { readonly readBack: { readonly configKey: string; readonly envVar: string; readonly requiredBy?: string } };

/** A bootstrap secret as config resolved it: its value, or a promise to read it back. */
export function fieldFrom(secret: BootstrapSecret): FieldSource {
  return secret.source.kind === "vault"
    ? { readBack: { configKey: secret.configKey, envVar: secret.envVar, requiredBy: secret.requiredBy } }
    : { value: secret.source.value };
}

/** One KV v2 secret the bootstrap writes. */
export interface KvSecretSpec {
  /** Logical name, unique; also the Pulumi resource name. */
  readonly name: string;
  /** Path inside the mount, e.g. "clusters/staging/github". */
  readonly path: string;
  readonly fields: Readonly<Record<string, FieldSource>>;
}

export interface BootstrapSecretsArgs {
  /** The KV v2 mount path; pass the Mount's `path` output so writes wait for the mount. */
  mount: pulumi.Input<string>;
  secrets: readonly KvSecretSpec[];
  vaultProvider: vault.Provider;
  /**
   * Leave a secret in Vault when it leaves the program (e.g. its app is removed from config): for
   * values a person supplied, which exist nowhere else (config `safety.retainOnDelete`).
   */
  retainOnDelete: boolean;
}

/** Raised (inside the graph) when a secret is neither set nor readable from Vault. */
export class MissingSecretsError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(
      `Bootstrap secrets are missing and Vault holds no earlier value for them. Vault can supply a secret only ` +
        `on runs after one that wrote it, so the first run (or the first after turning a setting on) must set it:\n` +
        missing.map((line) => `  - ${line}`).join("\n"),
    );
    this.name = "MissingSecretsError";
  }
}

type Resolved = { readonly data: Record<string, string>; readonly missing: readonly string[] };

/**
 * Writes the bootstrap secrets to Vault KV v2. A field whose config key and environment variable
 * are both unset is read back from Vault (vault.kv.getSecretV2), so a later run without them writes
 * exactly what is there: nothing blanked, nothing deleted. If Vault has nothing either, every
 * missing secret is named in one error and none of the secrets being read back is written.
 */
export class BootstrapSecrets extends pulumi.ComponentResource {
  /** Its type token; phases.ts keys the plan's phases by it. */
  public static readonly type = "gitops:secrets:BootstrapSecrets";
  /** The bootstrap phase it belongs to (see components/phases.ts). */
  public static readonly phase: BuildPhase = 2;
  private readonly written = new Map<string, vault.kv.SecretV2>();
  private readonly resolved = new Map<string, pulumi.Output<Record<string, string>>>();

  constructor(name: string, args: BootstrapSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(BootstrapSecrets.type, name, {}, opts);

    const names = new Set<string>();
    for (const spec of args.secrets) {
      if (names.has(spec.name)) throw new Error(`BootstrapSecrets: duplicate secret name "${spec.name}"`);
      names.add(spec.name);
    }

    const perSecret = args.secrets.map((spec) => ({
      spec,
      readsBack: Object.values(spec.fields).some((field) => "readBack" in field),
      resolved: this.resolve(spec, args),
    }));
    // Secrets read back from Vault wait for each other, so one error lists every missing one and
    // none of them is written. Secrets whose values are all known wait for nothing.
    const allMissing = pulumi
      .all(perSecret.filter(({ readsBack }) => readsBack).map(({ resolved }) => resolved.apply((r) => r.missing)))
      .apply((lists) => lists.flat());

    for (const { spec, readsBack, resolved } of perSecret) {
      const data = pulumi.secret(
        readsBack
          ? pulumi.all([allMissing, resolved]).apply(([missing, r]) => {
              if (missing.length > 0) throw new MissingSecretsError(missing);
              return r.data;
            })
          : resolved.apply((r) => r.data),
      );
      this.resolved.set(spec.name, data);
      this.written.set(
        spec.name,
        writeKvSecret(spec.name, { mount: args.mount, path: spec.path, data }, { parent: this, provider: args.vaultProvider, retainOnDelete: args.retainOnDelete }),
      );
    }
    this.registerOutputs({ paths: args.secrets.map((spec) => spec.path) });
  }

  /** The KV secret resource named `name` (consumers depend on it). */
  public secret(name: string): vault.kv.SecretV2 {
    const found = this.written.get(name);
    if (found === undefined) throw new Error(`BootstrapSecrets: no secret named "${name}"`);
    return found;
  }

  /** A field's value as written to Vault; secret. */
  public value(name: string, field: string): pulumi.Output<string> {
    const data = this.resolved.get(name);
    if (data === undefined) throw new Error(`BootstrapSecrets: no secret named "${name}"`);
    return pulumi.secret(data.apply((d) => d[field]));
  }

  private resolve(spec: KvSecretSpec, args: BootstrapSecretsArgs): pulumi.Output<Resolved> {
    const entries = Object.entries(spec.fields);
    const known = entries.flatMap(([field, source]) => ("value" in source ? [[field, source.value] as const] : []));
    const readBack = entries.flatMap(([field, source]) => ("readBack" in source ? [[field, source.readBack] as const] : []));

    const knownData = pulumi
      .all(known.map(([field, value]) => pulumi.output(value).apply((v) => [field, v] as const)))
      .apply((pairs) => Object.fromEntries(pairs) as Record<string, string>);
    if (readBack.length === 0) {
      return pulumi.secret(knownData.apply((data) => ({ data, missing: [] as string[] })));
    }

    const stored = pulumi.output(args.mount).apply(async (mount): Promise<{ data: Record<string, string>; reason?: string }> => {
      try {
        const existing = await vault.kv.getSecretV2({ mount, name: spec.path }, { provider: args.vaultProvider, parent: this });
        return { data: existing.data ?? {} };
      } catch (error) {
        // Vault's message (not found, sealed, unreachable) names no secret value; keep it for the user.
        const reason = error instanceof Error ? error.message.trim() : "";
        return { data: {}, reason: reason === "" ? undefined : reason.slice(0, 200) };
      }
    });
    return pulumi.secret(
      pulumi.all([knownData, stored, args.mount]).apply(([data, existing, mount]) => {
        const merged: Record<string, string> = { ...data };
        const missing: string[] = [];
        for (const [field, names] of readBack) {
          const value = existing.data[field];
          if (value === undefined || value === "") {
            missing.push(
              `${names.configKey} (or ${names.envVar})${names.requiredBy ? `, needed because ${names.requiredBy}` : ""}: ` +
                `not set, and ${mount}/${spec.path} has no "${field}"` +
                `${existing.reason ? ` (Vault: ${existing.reason})` : ""}; run pulumi config set --secret ${names.configKey} … or export ${names.envVar}`,
            );
          } else {
            merged[field] = value;
          }
        }
        return { data: merged, missing };
      }),
    );
  }
}

/**
 * One KV v2 secret with `data` as its fields, written as JSON with sorted keys so an unchanged
 * secret is an unchanged input. The whole value is secret.
 */
export function writeKvSecret(
  name: string,
  args: { mount: pulumi.Input<string>; path: string; data: pulumi.Input<Record<string, pulumi.Input<string>>> },
  opts: pulumi.CustomResourceOptions,
): vault.kv.SecretV2 {
  const dataJson = pulumi.secret(pulumi.output(args.data).apply((data) => JSON.stringify(sortKeys(data))));
  return new vault.kv.SecretV2(name, { mount: args.mount, name: args.path, dataJson }, opts);
}

function sortKeys(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));
}
