import { testSecrets } from "../../mocks/engine";

/**
 * App secret values the committed stacks need, by environment variable. Their first 8 characters
 * are distinctive: the secret scan (./secretScan) treats those as a leak too.
 */
export const appSecretEnv = {
  APP_PODINFO_API_KEY: "s3cr3t-podinfo-api-key-0001",
  APP_GRAFANA_ADMIN_PASSWORD: "s3cr3t-grafana-admin-password-0002",
} as const;

/** Everything a first run needs, from the environment. */
export function firstRunEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...testSecrets, ...appSecretEnv, ...extra };
}

/** Every plaintext a test supplies; none may appear outside a secret anywhere. */
export const suppliedSecrets: readonly string[] = [...Object.values(testSecrets), ...Object.values(appSecretEnv)];
