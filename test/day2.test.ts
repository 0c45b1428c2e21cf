/**
 * The day-2 changes people make, each computed as the engine would step from one run to the next
 * (scripts/lib/changes.ts over two mocked runs of the real program). Each asserts that nothing is
 * replaced, that only what the change is about is deleted (and how), and that no delete command
 * runs on a machine that stays. Expectations are literal.
 *
 * Assertions on updates and deletes look at the resources that hold state or credentials (k3s
 * commands, Helm releases, the FluxInstance, KV secrets, ExternalSecrets, keys, tokens, Receivers,
 * webhooks); other engineers reshape Vault access and the secret stores in parallel.
 */
import { describe, expect, it } from "vitest";
import { ChangePlan, hooksThatRun, namesOf, planChanges, refusedSteps, renderChanges } from "../scripts/lib/changes";
import { newWorld, ProgramRun, readStackConfig } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const watchedTypes = [
  "command:remote:Command",
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:fluxcd.controlplane.io/v1:FluxInstance",
  "kubernetes:core/v1:Namespace",
  "vault:index/mount:Mount",
  "vault:kv/secretV2:SecretV2",
  "kubernetes:external-secrets.io/v1:ExternalSecret",
  "tls:index/privateKey:PrivateKey",
  "github:index/repositoryDeployKey:RepositoryDeployKey",
  "random:index/randomPassword:RandomPassword",
  "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver",
  "github:index/repositoryWebhook:RepositoryWebhook",
];
const short = (type: string) => type.slice(type.lastIndexOf(":") + 1);

/** The prod stack file's value of a top-level key. */
function prod(key: string): Record<string, unknown> {
  return structuredClone(readStackConfig("prod")[`gitops-bootstrap:${key}`]) as Record<string, unknown>;
}

const k3sOf = (changes: (k3s: Record<string, unknown>) => void) => {
  const cluster = prod("cluster");
  changes(cluster.k3s as Record<string, unknown>);
  return { cluster };
};
const host = (address: string) => ({ host: address, user: "ubuntu", port: 22 });
const noSafety = { safety: { protect: false, retainOnDelete: false } };
const appAuth = { ...prod("github"), auth: "app", app: { appId: 12345, installationId: 67890 } };

interface Day2Case {
  readonly name: string;
  /** Config both runs share (what the stack already had), on top of Pulumi.prod.yaml. */
  readonly before?: Record<string, unknown>;
  /** The change, on top of `before`. */
  readonly change: Record<string, unknown>;
  readonly env?: Record<string, string>;
  /** Environment of the second run only (a rotated secret). */
  readonly afterEnv?: Record<string, string>;
  /** Watched resources updated in place, "Type name", sorted. */
  readonly updates: readonly string[];
  /** Watched resources deleted, "Type name: outcome", sorted; outcome runs | retained | refused. */
  readonly deletes: readonly string[];
  /** Delete commands that run, "host: command". */
  readonly hooks?: readonly string[];
  /** Steps that fail the run (protected), "Type name". */
  readonly refused?: readonly string[];
  /** Name fragments of resources that must stay exactly as they are. */
  readonly untouched?: readonly string[];
  readonly created?: readonly string[];
  /** Lines `npm run plan -- --set …` prints for it. */
  readonly says?: readonly string[];
}

const installOf = (role: string, address: string) => `Command cluster-k3s-${role}-${address.replace(/\./g, "-")}-install`;
const hostCommands = (role: string, address: string) =>
  ["config", "install", "token", "uninstall"].map((step) => `Command cluster-k3s-${role}-${address.replace(/\./g, "-")}-${step}`);

const cases: readonly Day2Case[] = [
  {
    name: "k3s version bump: every host re-runs the pinned installer in place",
    change: k3sOf((k3s) => (k3s.version = "v1.34.1+k3s1")),
    updates: [
      installOf("agent", "10.20.0.21"),
      installOf("agent", "10.20.0.22"),
      installOf("server", "10.20.0.11"),
      installOf("server", "10.20.0.12"),
      installOf("server", "10.20.0.13"),
    ],
    deletes: [],
    says: ["No destructive step: nothing is replaced or deleted that holds data, and no delete command runs."],
  },
  {
    name: "add a server: the other servers' resources stay exactly as they are",
    change: k3sOf((k3s) => (k3s.servers as unknown[]).push(host("10.20.0.14"))),
    updates: [],
    deletes: [],
    created: hostCommands("server", "10.20.0.14"),
    untouched: ["10-20-0-11", "10-20-0-12", "10-20-0-13", "10-20-0-21", "10-20-0-22"],
  },
  {
    name: "add an agent",
    change: k3sOf((k3s) => (k3s.agents as unknown[]).push(host("10.20.0.23"))),
    updates: [],
    deletes: [],
    created: hostCommands("agent", "10.20.0.23"),
    untouched: ["10-20-0-11", "10-20-0-12", "10-20-0-13", "10-20-0-21", "10-20-0-22"],
  },
  {
    name: "remove an agent in prod: protected, so the run stops before uninstalling anything",
    change: k3sOf((k3s) => (k3s.agents as unknown[]).pop()),
    updates: [],
    deletes: [
      "Command cluster-k3s-agent-10-20-0-22-config: runs",
      "Command cluster-k3s-agent-10-20-0-22-install: refused",
      "Command cluster-k3s-agent-10-20-0-22-token: runs",
      "Command cluster-k3s-agent-10-20-0-22-uninstall: refused",
    ],
    refused: ["Command cluster-k3s-agent-10-20-0-22-install", "Command cluster-k3s-agent-10-20-0-22-uninstall"],
    says: [
      "  FAILS THE RUN: deleting command:remote:Command cluster-k3s-agent-10-20-0-22-uninstall: the resource is protected (safety.protect); nothing is deleted",
    ],
    untouched: ["10-20-0-11", "10-20-0-12", "10-20-0-13", "10-20-0-21"],
  },
  {
    name: "remove an agent without safety: the uninstall runs on that agent only",
    before: noSafety,
    change: k3sOf((k3s) => (k3s.agents as unknown[]).pop()),
    updates: [],
    deletes: [
      "Command cluster-k3s-agent-10-20-0-22-config: runs",
      "Command cluster-k3s-agent-10-20-0-22-install: runs",
      "Command cluster-k3s-agent-10-20-0-22-token: runs",
      "Command cluster-k3s-agent-10-20-0-22-uninstall: runs",
    ],
    hooks: ["10.20.0.22: sudo /usr/local/bin/k3s-agent-uninstall.sh || true"],
    says: [
      "  DESTROYS DATA: runs `sudo /usr/local/bin/k3s-agent-uninstall.sh || true` on 10.20.0.22 (deleting command:remote:Command cluster-k3s-agent-10-20-0-22-uninstall)",
    ],
    untouched: ["10-20-0-11", "10-20-0-12", "10-20-0-13", "10-20-0-21"],
  },
  {
    name: "rotate the SSH key: every host takes the new key in place; the kubeconfig is not read again",
    change: {},
    afterEnv: { K3S_SSH_PRIVATE_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----rotated-key" },
    updates: ["10.20.0.11", "10.20.0.12", "10.20.0.13"]
      .flatMap((address) => hostCommands("server", address))
      .concat(["10.20.0.21", "10.20.0.22"].flatMap((address) => hostCommands("agent", address))),
    deletes: [],
    untouched: ["cluster-k3s-kubeconfig"],
  },
  {
    name: "flux-operator chart bump",
    change: { flux: { ...prod("flux"), operatorChartVersion: "0.59.0" } },
    updates: ["Release flux-operator"],
    deletes: [],
  },
  {
    name: "ESO chart bump",
    change: { externalSecrets: { ...prod("externalSecrets"), chartVersion: "2.10.0" } },
    updates: ["Release external-secrets"],
    deletes: [],
  },
  {
    name: "Vault chart bump",
    change: { vault: { ...prod("vault"), chartVersion: "0.32.0" } },
    updates: ["Release vault"],
    deletes: [],
  },
  {
    name: "Flux distribution bump",
    // Within what the pinned operator bundles (components/versions.ts): from the 2.9.x range to a pinned patch.
    change: { flux: { ...prod("flux"), distributionVersion: "2.9.4" } },
    updates: ["FluxInstance flux"],
    deletes: [],
  },
  {
    name: "add an app",
    change: { apps: [...(prod("apps") as unknown as unknown[]), { name: "loki", namespace: "monitoring", keys: ["token"] }] },
    env: { APP_LOKI_TOKEN: "s3cr3t-loki-token-0003" },
    updates: [],
    deletes: [],
    created: ["ExternalSecret app-secrets-monitoring-loki-secrets", "SecretV2 app-loki"],
  },
  {
    name: "add a key to an app: its KV secret gets a new version, nothing else moves",
    change: {
      apps: (prod("apps") as unknown as { name: string; keys: string[] }[]).map((app) => (app.name === "podinfo" ? { ...app, keys: [...app.keys, "token"] } : app)),
    },
    env: { APP_PODINFO_TOKEN: "s3cr3t-podinfo-token-0004" },
    updates: ["SecretV2 app-podinfo"],
    deletes: [],
  },
  {
    name: "remove an app: its Vault secret is retained, its ExternalSecret goes",
    change: { apps: (prod("apps") as unknown as { name: string }[]).filter((app) => app.name !== "grafana") },
    updates: [],
    deletes: ["ExternalSecret app-secrets-monitoring-grafana-secrets: runs", "SecretV2 app-grafana: retained"],
    says: [
      "  RETAINED: deleting vault:kv/secretV2:SecretV2 app-grafana: Pulumi forgets it and leaves it in place (retainOnDelete), instead of: deletes gitops/clusters/prod/apps/grafana in Vault, every version",
    ],
  },
  {
    name: "rotate the deploy key: the old generation goes after Flux has switched",
    change: { github: { ...prod("github"), deployKey: { ...(prod("github").deployKey as object), rotation: 2 } } },
    updates: ["FluxInstance flux"],
    deletes: [
      "ExternalSecret flux-git-auth-v1: runs",
      "PrivateKey deploy-key-v1: runs",
      "RepositoryDeployKey deploy-key-v1: runs",
      "SecretV2 flux-git-auth-v1: runs",
    ],
  },
  {
    name: "rotate the webhook token: the old Receiver, hook and token go",
    change: { webhook: { ...prod("webhook"), rotation: 2 } },
    updates: [],
    deletes: [
      "ExternalSecret flux-webhook-token-v1: runs",
      "RandomPassword webhook-token-v1: runs",
      "Receiver flux-webhook-v1: runs",
      "RepositoryWebhook flux-webhook-v1: runs",
      "SecretV2 webhook-token-v1: runs",
    ],
  },
  {
    name: "change the sync interval",
    change: { flux: { ...prod("flux"), syncInterval: "5m" } },
    updates: ["FluxInstance flux"],
    deletes: [],
  },
  {
    name: "switch github.auth from deployKey to app",
    change: { github: appAuth },
    updates: ["FluxInstance flux"],
    deletes: [
      "ExternalSecret flux-git-auth-v1: runs",
      "PrivateKey deploy-key-v1: runs",
      "RepositoryDeployKey deploy-key-v1: runs",
      "SecretV2 flux-git-auth-v1: runs",
    ],
    created: ["ExternalSecret flux-github-app", "SecretV2 github-app"],
  },
  {
    name: "switch github.auth from app to deployKey: the App's key stays in Vault",
    before: { github: appAuth },
    change: { github: prod("github") },
    updates: ["FluxInstance flux"],
    deletes: ["ExternalSecret flux-github-app: runs", "SecretV2 github-app: retained"],
    created: ["ExternalSecret flux-git-auth-v1", "PrivateKey deploy-key-v1", "RepositoryDeployKey deploy-key-v1", "SecretV2 flux-git-auth-v1"],
  },
  {
    name: "change vault.address: the Vault release follows its Ingress host",
    change: { vault: { ...prod("vault"), address: "https://vault.eu.prod.acme.example" } },
    updates: ["Release vault"],
    deletes: [],
  },
];

const baselines = new Map<string, Promise<ProgramRun>>();
function baseline(before: Record<string, unknown>, env: Record<string, string>): Promise<ProgramRun> {
  const key = JSON.stringify([before, env]);
  let run = baselines.get(key);
  if (run === undefined) {
    run = runProgram({ stack: "prod", config: before, env, world: newWorld() });
    baselines.set(key, run);
  }
  return run;
}

const watched = (plan: ChangePlan, kind: "update" | "create") =>
  plan.changes.filter((c) => c.kind === kind && watchedTypes.includes(c.type)).map((c) => `${short(c.type)} ${c.name}`).sort();

describe("day 2: what each change does to a running prod stack", () => {
  for (const day2 of cases) {
    it(day2.name, async () => {
      const env = firstRunEnv(day2.env);
      const before = await baseline(day2.before ?? {}, env);
      const after = await runProgram({ stack: "prod", config: { ...day2.before, ...day2.change }, env: { ...env, ...day2.afterEnv }, world: newWorld() });
      const plan = planChanges(before.resources, after.resources);

      // Nothing is ever replaced: a replacement would delete the old resource (and run its hook).
      expect(namesOf(plan, "replace")).toEqual([]);
      expect(watched(plan, "update")).toEqual([...day2.updates].sort());
      expect(
        plan.changes
          .filter((c) => c.kind === "delete" && watchedTypes.includes(c.type))
          .map((c) => `${short(c.type)} ${c.name}: ${c.deletion?.outcome}`)
          .sort(),
      ).toEqual([...day2.deletes].sort());
      expect(hooksThatRun(plan)).toEqual(day2.hooks ?? []);
      expect(refusedSteps(plan).map((c) => `${short(c.type)} ${c.name}`).sort()).toEqual([...(day2.refused ?? [])].sort());
      if (day2.created !== undefined) expect(watched(plan, "create")).toEqual([...day2.created].sort());
      for (const fragment of day2.untouched ?? []) {
        const kinds = plan.changes.filter((c) => c.name.includes(fragment)).map((c) => `${c.name} ${c.kind}`);
        expect(kinds.length, fragment).toBeGreaterThan(0);
        expect(kinds.filter((line) => !line.endsWith(" same")), fragment).toEqual([]);
      }
      const printed = renderChanges(plan, "prod", ["(change)"]).split("\n");
      for (const line of day2.says ?? []) expect(printed).toContain(line);
    }, 60_000);
  }
});

describe("day 2: upgrading this program on a prod stack the previous version created", () => {
  it("re-runs each installer once in place, adds the uninstall resources, and uninstalls nothing", async () => {
    const now = await baseline({}, firstRunEnv());
    // The previous version's k3s commands, as its state holds them: config and install with
    // triggers, the uninstall as the install's delete command, no separate uninstall resource.
    const previous = now.resources
      .filter((r) => !r.name.endsWith("-uninstall"))
      .map((r) => {
        if (r.type !== "command:remote:Command") return r;
        const role = r.name.includes("-agent-") ? "agent" : "server";
        if (r.name.endsWith("-install")) {
          const inputs = Object.fromEntries(Object.entries(r.inputs).filter(([key]) => key !== "update"));
          const deleteCommand = role === "server" ? "sudo /usr/local/bin/k3s-uninstall.sh || true" : "sudo /usr/local/bin/k3s-agent-uninstall.sh || true";
          return { ...r, protect: false, inputs: { ...inputs, delete: deleteCommand, triggers: ["v1.33.5+k3s1", "config"] } };
        }
        if (r.name.endsWith("-config")) return { ...r, inputs: { ...r.inputs, create: "echo '…' | base64 -d | sudo install …", triggers: ["config"] } };
        return r;
      });
    const plan = planChanges(previous, now.resources);
    expect(namesOf(plan, "replace")).toEqual([]);
    expect(namesOf(plan, "delete")).toEqual([]);
    expect(hooksThatRun(plan)).toEqual([]);
    const hosts = ["server-10-20-0-11", "server-10-20-0-12", "server-10-20-0-13", "agent-10-20-0-21", "agent-10-20-0-22"];
    expect(namesOf(plan, "create")).toEqual(hosts.map((h) => `command:remote:Command cluster-k3s-${h}-uninstall`).sort());
    expect(namesOf(plan, "update")).toEqual(hosts.flatMap((h) => [`command:remote:Command cluster-k3s-${h}-config`, `command:remote:Command cluster-k3s-${h}-install`]).sort());
  }, 60_000);
});

describe("day 2: what the plan catches", () => {
  it("a new cluster.k3s.apiEndpoint re-points the Kubernetes provider: every Kubernetes resource would be replaced, so prod refuses", async () => {
    const env = firstRunEnv();
    const before = await baseline({}, env);
    const after = await runProgram({ stack: "prod", config: k3sOf((k3s) => (k3s.apiEndpoint = "k8s2.prod.acme.example")), env, world: newWorld() });
    const plan = planChanges(before.resources, after.resources);
    // pulumi-kubernetes replaces its provider when the kubeconfig's active cluster changes, and the
    // engine replaces what a replaced provider manages.
    expect(plan.changes.find((c) => c.type === "pulumi:providers:kubernetes")?.replaceReasons).toEqual(["kubeconfig (active cluster)"]);
    const kubernetes = plan.changes.filter((c) => c.type.startsWith("kubernetes:"));
    expect(kubernetes.length).toBeGreaterThan(10);
    expect(kubernetes.filter((c) => c.kind !== "replace")).toEqual([]);
    expect(refusedSteps(plan).map((c) => `${short(c.type)} ${c.name}`).sort()).toEqual([
      "FluxInstance flux",
      "Release external-secrets",
      "Release flux-operator",
      "Release vault",
    ]);
    expect(hooksThatRun(plan)).toEqual([]);
  }, 60_000);
});
