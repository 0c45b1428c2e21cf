/**
 * Every component index.ts creates at the top of the stack. The plan's phases come from here
 * (each class's own `phase`); a component missing from this list makes `npm run plan` fail, naming it.
 */
import { AppSecrets } from "./apps";
import { BootstrapSecrets } from "./bootstrapSecrets";
import { Cluster } from "./cluster";
import { NamespaceSecretStores } from "./externalSecrets";
import { FluxInstance } from "./flux";
import { GitAuth } from "./gitAuth";
import { GitHubRepository } from "./githubRepository";
import { FluxMonitoring } from "./monitoring";
import { Namespaces } from "./namespaces";
import { Notifications } from "./notifications";
import { Operator } from "./operators";
import { phasesByType } from "./phases";
import { Vault } from "./vault";
import { VaultAccess } from "./vaultAccess";
import { WebhookReceiver } from "./webhook";

export const topLevelComponentPhases = phasesByType([
  Cluster,
  Namespaces,
  ...Operator.phased,
  Vault,
  VaultAccess,
  BootstrapSecrets,
  GitHubRepository,
  NamespaceSecretStores,
  GitAuth,
  FluxInstance,
  AppSecrets,
  WebhookReceiver,
  Notifications,
  FluxMonitoring,
]);
