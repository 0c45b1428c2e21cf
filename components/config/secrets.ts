/**
 * Bootstrap secrets: each from a stack config secret, else an environment variable, else read back
 * from what an earlier run wrote to Vault. Which keys are secrets, how each resolves, and the checks
 * that need a secret's value now.
 */
import * as pulumi from "@pulumi/pulumi";
import { appSecretEnvVar } from "../validation";
import { fullKey } from "./schema";
import { AppConfig, BootstrapConfig, BootstrapSecret, ConfigError, ConfigSource } from "./types";

/** The config keys that hold secrets; each must be set with `pulumi config set --secret`. */
export const secretKeys = [
  "kubeconfig",
  "sshPrivateKey",
  "vaultToken",
  "vaultExistingInit",
  "githubToken",
  "cloudflareApiToken",
  "githubAppPrivateKey",
  "slackWebhookUrl",
  "discordWebhookUrl",
  "appSecrets",
] as const;

/** Pulumi.yaml defaults secret keys to "" (and appSecrets to {}), so those mean "not set". */
export function isUnset(value: string | undefined): value is undefined {
  return value === undefined || value === "" || value === "{}";
}

/**
 * How each bootstrap secret resolves on this run: the config key's value, else the environment
 * variable's, else Vault (read back by components/bootstrapSecrets.ts).
 */
export function secretResolver(source: ConfigSource): (key: string, envVar: string, requiredBy?: string) => BootstrapSecret {
  return (key, envVar, requiredBy) => {
    const named = { configKey: fullKey(key), envVar, ...(requiredBy === undefined ? {} : { requiredBy }) };
    const fromConfig = source.values[key];
    if (!isUnset(fromConfig)) {
      return { ...named, source: { kind: "config", configKey: fullKey(key), value: pulumi.secret(fromConfig) } };
    }
    const fromEnv = source.env[envVar];
    if (fromEnv !== undefined && fromEnv !== "") {
      return { ...named, source: { kind: "env", envVar, value: pulumi.secret(fromEnv) } };
    }
    return { ...named, source: { kind: "vault" } };
  };
}

/** The `appSecrets` config secret: { "<app>": { "<key>": "<value>" } }, or the problem with its shape (never its value). */
export function parseAppSecretValues(source: ConfigSource): { values: Record<string, Record<string, unknown>>; problem?: string } {
  const appSecretsText = source.values["appSecrets"];
  if (isUnset(appSecretsText)) return { values: {} };
  try {
    const value: unknown = JSON.parse(appSecretsText);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return { values: value as Record<string, Record<string, unknown>> };
  } catch {
    // The value is a secret: say what shape is expected, never echo it.
    return { values: {}, problem: `${fullKey("appSecrets")}: must be a JSON object { "<app>": { "<key>": "<value>" } }` };
  }
}

/** Apps and keys in `appSecrets` that `apps` does not declare, and values that are not strings. */
export function appSecretValueProblems(values: Record<string, Record<string, unknown>>, apps: readonly { name: string; keys: readonly string[] }[]): string[] {
  const problems: string[] = [];
  for (const [app, keys] of Object.entries(values)) {
    const declared = apps.find((candidate) => candidate.name === app);
    if (declared === undefined) {
      problems.push(`${fullKey("appSecrets")}.${app}: is not an app declared in ${fullKey("apps")}`);
      continue;
    }
    for (const [key, value] of Object.entries(keys ?? {})) {
      if (!declared.keys.includes(key)) problems.push(`${fullKey("appSecrets")}.${app}.${key}: is not a key of app "${app}"`);
      if (typeof value !== "string") problems.push(`${fullKey("appSecrets")}.${app}.${key}: must be a string`);
    }
  }
  return problems;
}

/** One bootstrap secret per key of an app: from `appSecrets`, else APP_<APP>_<KEY>, else Vault. */
export function appKeySecrets(
  app: { name: string; keys: readonly string[] },
  values: Record<string, Record<string, unknown>>,
  env: ConfigSource["env"],
): AppConfig["secrets"] {
  return Object.fromEntries(
    app.keys.map((key) => {
      const fromConfig = values[app.name]?.[key];
      const envVar = appSecretEnvVar(app.name, key);
      const configKey = `${fullKey("appSecrets")}.${app.name}.${key}`;
      const requiredBy = `app "${app.name}" lists key "${key}" in ${fullKey("apps")}`;
      const entry: BootstrapSecret =
        typeof fromConfig === "string" && fromConfig !== ""
          ? { configKey, envVar, requiredBy, source: { kind: "config", configKey, value: pulumi.secret(fromConfig) } }
          : env[envVar]
            ? { configKey, envVar, requiredBy, source: { kind: "env", envVar, value: pulumi.secret(env[envVar] as string) } }
            : { configKey, envVar, requiredBy, source: { kind: "vault" } };
      return [key, entry];
    }),
  );
}

/** A secret's value when config or the environment supplied it on this run. */
export function valueIfSet(secret: BootstrapSecret): pulumi.Output<string> | undefined {
  return secret.source.kind === "vault" ? undefined : secret.source.value;
}

/** The shape of `vaultExistingInit` (config or VAULT_EXISTING_INIT), checked without echoing it. */
export function existingInitProblems(source: ConfigSource): string[] {
  const fromConfig = source.values["vaultExistingInit"];
  const text = !isUnset(fromConfig) ? fromConfig : source.env["VAULT_EXISTING_INIT"];
  if (text === undefined || text === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const keyList = (keys: unknown) => keys === undefined || (Array.isArray(keys) && keys.every((key) => typeof key === "string" && key !== ""));
  const ok =
    typeof record.rootToken === "string" &&
    record.rootToken !== "" &&
    keyList(record.unsealKeys) &&
    keyList(record.recoveryKeys) &&
    Object.keys(record).every((key) => ["rootToken", "unsealKeys", "recoveryKeys"].includes(key));
  return ok
    ? []
    : [`${fullKey("vaultExistingInit")}: must be JSON {"rootToken": "<token>", "unsealKeys": ["<base64 key>", …]} (recoveryKeys instead with a seal)`];
}

/** Problems that only matter when a secret must exist right now (not readable back from Vault). */
export function requireSecretsNow(config: BootstrapConfig): void {
  const problems: string[] = [];
  const must = (secret: BootstrapSecret | undefined, why: string) => {
    if (secret !== undefined && secret.source.kind === "vault") {
      problems.push(`${secret.configKey}: is required ${why}: set it with pulumi config set --secret ${secret.configKey} …, or export ${secret.envVar}`);
    }
  };
  must(config.cluster.sshPrivateKey, "to install k3s over SSH");
  must(config.vault.token, "to reach the external Vault");
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The value of a secret that loadConfig already required to be set (SSH key, external Vault token). */
export function requiredValue(secret: BootstrapSecret | undefined): pulumi.Output<string> {
  if (secret === undefined || secret.source.kind === "vault") {
    throw new ConfigError([`${secret?.configKey ?? "a required secret"}: is required`]);
  }
  return secret.source.value;
}

