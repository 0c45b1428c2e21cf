import { testSecrets } from "./engine";

/** App secret values the committed stacks need, by environment variable. */
export const appSecretEnv = {
  APP_PODINFO_API_KEY: "podinfo-api-key-plaintext-0001",
  APP_GRAFANA_ADMIN_PASSWORD: "grafana-admin-password-plaintext-0002",
} as const;

/** Everything a first run needs, from the environment. */
export function firstRunEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...testSecrets, ...appSecretEnv, ...extra };
}

/** Every plaintext a test supplies; none may appear outside a secret anywhere. */
export const suppliedSecrets: readonly string[] = [...Object.values(testSecrets), ...Object.values(appSecretEnv)];
