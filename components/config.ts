/**
 * The stack's configuration, by concern: config/schema.ts (structured keys, defaults, cross-key
 * rules), config/secrets.ts (where each bootstrap secret comes from), config/load.ts (reading and
 * validating it all at once), config/types.ts (what components receive).
 */
export { defaultFluxComponents, extraFluxComponents, projectName } from "./config/schema";
export { requireSecretsNow, requiredValue } from "./config/secrets";
export { knownConfigKeys, loadConfig, parseConfig } from "./config/load";
export { ConfigError } from "./config/types";
export type { AppConfig, BootstrapConfig, BootstrapSecret, ConfigSource, SecretSource } from "./config/types";
