/**
 * Stack keys as Pulumi.yaml declares them and the schema reads them: which are required, what
 * their defaults are (the two homes must agree), and that a stored empty string is "not set".
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { BootstrapConfig, ConfigError, parseConfig } from "../components/config";
import { problemsOf, stackSource } from "./support/configFixtures";
import { newWorld, readStackConfig, repoRoot } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

type Declaration = { type?: string; description?: string; default?: unknown };
const declared = (parseYaml(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as { config: Record<string, Declaration> }).config;


const stackValue = (stack: string, key: string) => readStackConfig(stack)[`gitops-bootstrap:${key}`] as Record<string, unknown>;

describe("required stack keys", () => {
  const required = ["cluster", "github", "flux", "vault", "externalSecrets"];

  it("are exactly the keys Pulumi.yaml declares without a default", () => {
    expect(Object.entries(declared).filter(([, declaration]) => !("default" in declaration)).map(([key]) => key)).toEqual(required);
  });

  it.each(required)("%s: removing it gives one error naming it", (key) => {
    expect(problemsOf(() => parseConfig(stackSource("staging", { [key]: undefined })))).toEqual([`gitops-bootstrap:${key}: is required`]);
  });

  it("removing all of them names each one, before anything is registered", async () => {
    const error = await runProgram({ stack: "staging", unset: required, env: firstRunEnv(), world: newWorld() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ConfigError).problems).toEqual(required.map((key) => `gitops-bootstrap:${key}: is required`));
  });
});

describe("defaults: Pulumi.yaml and the schema agree", () => {
  const structured = Object.entries(declared).filter(([, declaration]) => declaration.type !== "string" && "default" in declaration && declaration.description?.includes("(secret)") !== true);

  it("covers every structured key Pulumi.yaml gives a default", () => {
    expect(structured.map(([key]) => key)).toEqual(["namespaces", "apps", "cloudflare", "webhook", "notifications", "monitoring", "timeouts", "safety"]);
  });

  // Absent: the schema's default applies. Declared: Pulumi.yaml's default, parsed. For objects,
  // {}: the schema's per-field defaults. All three must give the program the same value.
  it.each(structured)("%s", (key, declaration) => {
    const field = (config: BootstrapConfig) => (config as unknown as Record<string, unknown>)[key];
    const fromDeclared = field(parseConfig(stackSource("staging", { [key]: declaration.default })));
    expect(field(parseConfig(stackSource("staging", { [key]: undefined })))).toEqual(fromDeclared);
    if (declaration.type === "object") expect(field(parseConfig(stackSource("staging", { [key]: {} })))).toEqual(fromDeclared);
  });

  it("the values, literally", () => {
    const config = parseConfig(stackSource("staging", Object.fromEntries(structured.map(([key]) => [key, undefined]))));
    expect(config.namespaces).toEqual([]);
    expect(config.apps).toEqual([]);
    expect(config.cloudflare).toEqual({ enabled: true, namespaces: [] });
    expect(config.webhook).toBeUndefined();
    expect(config.notifications).toEqual({ slack: false, discord: false, severity: "error" });
    expect(config.timeouts).toEqual({ helmSeconds: 600, readySeconds: 300, ready: "5m" });
    expect(config.safety).toEqual({ protect: false, retainOnDelete: true });
  });

  // Defaults inside objects are documented in their Pulumi.yaml description: "field (default X)",
  // nested as "parent: {field (default X)}". Only one-word values are literal defaults.
  const documented = Object.entries(declared).flatMap(([key, declaration]) => {
    const found: { key: string; field: string; path: string[]; value: unknown }[] = [];
    const parents: (string | undefined)[] = [];
    const text = declaration.description ?? "";
    for (const match of text.matchAll(/(\w+): \{|(\w+)\?: \{|\{|\}|(\w+) \(default ([^\s);:,]+)[);:,]/g)) {
      if (match[1] !== undefined || match[2] !== undefined) parents.push(match[1] ?? match[2]);
      else if (match[0] === "{") parents.push(undefined);
      else if (match[0] === "}") parents.pop();
      else {
        const path = [...parents.filter((parent): parent is string => parent !== undefined), match[3]];
        found.push({ key, field: path.join("."), path, value: parseYaml(match[4]) as unknown });
      }
    }
    return found;
  });

  it("finds the documented field defaults", () => {
    expect(documented.map(({ key, field, value }) => `${key}.${field}=${String(value)}`)).toEqual(
      expect.arrayContaining([
        "github.branch=main",
        "github.scaffold=false",
        "github.protection.enabled=false",
        "github.protection.requiredReviews=1",
        "externalSecrets.storeName=vault-backend",
        "externalSecrets.refreshInterval=1h",
        "cloudflare.enabled=true",
        "timeouts.helm=10m",
        "timeouts.ready=5m",
      ]),
    );
  });

  it.each(documented)("$field in $key defaults to what the description says", ({ key, path: fieldPath, value }) => {
    const base = structuredClone(stackValue("staging", key) ?? (declared[key].default as Record<string, unknown>)) as Record<string, unknown>;
    const parentOf = (root: Record<string, unknown>) =>
      fieldPath.slice(0, -1).reduce<Record<string, unknown>>((node, part) => {
        node[part] = { ...((node[part] as Record<string, unknown> | undefined) ?? {}) };
        return node[part] as Record<string, unknown>;
      }, root);
    const field = fieldPath[fieldPath.length - 1];
    const without = structuredClone(base);
    delete parentOf(without)[field];
    const withValue = structuredClone(base);
    parentOf(withValue)[field] = value;
    const pick = (config: BootstrapConfig) => (config as unknown as Record<string, unknown>)[key];
    expect(pick(parseConfig(stackSource("staging", { [key]: without })))).toEqual(pick(parseConfig(stackSource("staging", { [key]: withValue }))));
  });

  it("Flux's own defaults match the FluxInstance CRD (networkPolicy true, multitenant false) and the stock registry", () => {
    const config = parseConfig(stackSource("staging", { flux: { operatorChartVersion: "0.58.1", distributionVersion: "2.9.x" } }));
    // flux-operator v0.58.1 FluxInstance CRD: cluster.networkPolicy default true, multitenant default false.
    expect(config.flux).toEqual({
      operatorChartVersion: "0.58.1",
      distributionVersion: "2.9.x",
      registry: "ghcr.io/fluxcd",
      components: [],
      clusterSize: "medium",
      multitenant: false,
      networkPolicy: true,
      syncInterval: "10m",
      allComponents: ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"],
    });
  });
});

describe("a stored empty string is not a secret", () => {
  // Every secret key enabled at once: k3s (SSH key), external Vault (token), GitHub App, Slack, Discord.
  const overrides = {
    github: { ...stackValue("prod", "github"), auth: "app", app: { appId: 1, installationId: 2 } },
    // An external Vault serves its own certificate and keeps its own keys: no tls, unseal or seal here.
    vault: { ...Object.fromEntries(Object.entries(stackValue("prod", "vault")).filter(([field]) => !["tls", "unseal", "seal"].includes(field))), mode: "external", kubernetesHost: "https://k8s.prod.acme.example:6443" },
    notifications: { slack: true, discord: true, severity: "error", channel: "alerts" },
  };
  const secretKeys = Object.entries(declared)
    .filter(([, declaration]) => declaration.description?.includes("(secret)"))
    .map(([key]) => key);
  const sources = (config: BootstrapConfig) => ({
    sshPrivateKey: config.cluster.sshPrivateKey?.source.kind,
    vaultToken: config.vault.token?.source.kind,
    githubToken: config.secrets.githubToken.source.kind,
    cloudflareApiToken: config.secrets.cloudflareApiToken?.source.kind,
    githubAppPrivateKey: config.secrets.githubAppPrivateKey?.source.kind,
    slackWebhookUrl: config.secrets.slackWebhookUrl?.source.kind,
    discordWebhookUrl: config.secrets.discordWebhookUrl?.source.kind,
    appSecrets: config.apps.map((app) => Object.values(app.secrets).map((secret) => secret.source.kind)),
  });
  const env = {
    K3S_SSH_PRIVATE_KEY: "ssh-key-from-env",
    VAULT_TOKEN: "vault-token-from-env",
    GITHUB_TOKEN: "github-token-from-env",
    CLOUDFLARE_API_TOKEN: "cloudflare-from-env",
    GITHUB_APP_PRIVATE_KEY: "app-key-from-env",
    SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/from-env",
    DISCORD_WEBHOOK_URL: "https://discord.com/api/webhooks/from-env",
    APP_PODINFO_API_KEY: "podinfo-from-env",
    APP_GRAFANA_ADMIN_PASSWORD: "grafana-from-env",
  };

  it("covers every secret key Pulumi.yaml declares, each defaulting to empty", () => {
    expect(secretKeys).toEqual(["kubeconfig", "sshPrivateKey", "vaultToken", "vaultExistingInit", "githubToken", "cloudflareApiToken", "githubAppPrivateKey", "slackWebhookUrl", "discordWebhookUrl", "appSecrets"]);
    expect(secretKeys.map((key) => declared[key].default)).toEqual(["", "", "", "", "", "", "", "", "", {}]);
  });

  it("each key stored (as a secret) with its empty default falls through to the environment", () => {
    const source = stackSource("prod", { ...overrides, ...Object.fromEntries(secretKeys.map((key) => [key, declared[key].default])) }, env);
    const config = parseConfig({ ...source, secretKeys: new Set(secretKeys) });
    expect(sources(config)).toEqual({
      sshPrivateKey: "env",
      vaultToken: "env",
      githubToken: "env",
      cloudflareApiToken: "env",
      githubAppPrivateKey: "env",
      slackWebhookUrl: "env",
      discordWebhookUrl: "env",
      appSecrets: [["env"], ["env"]],
    });
    expect(config.cluster.kubeconfig).toBeUndefined();
  });

  it("…and without the environment, to Vault; an app value stored empty counts as unset too", () => {
    const source = stackSource("staging", { githubToken: "", cloudflareApiToken: "", appSecrets: { podinfo: { "api-key": "" } } });
    const config = parseConfig({ ...source, secretKeys: new Set(["githubToken", "cloudflareApiToken", "appSecrets"]) });
    expect(config.secrets.githubToken.source.kind).toBe("vault");
    expect(config.secrets.cloudflareApiToken?.source.kind).toBe("vault");
    expect(config.apps.map((app) => app.secrets[app.keys[0]].source.kind)).toEqual(["vault", "vault"]);
  });

  it("the program hands GitHub the variable's token, not the stored empty string", async () => {
    const run = await runProgram({ stack: "staging", secrets: { githubToken: "" }, env: firstRunEnv(), world: newWorld() });
    expect(run.one("pulumi:providers:github").inputs.token).toBe(firstRunEnv().GITHUB_TOKEN);
  });
});
