import { describe, expect, it } from "vitest";
import { newWorld, ProgramRun } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const names = (run: ProgramRun, pick: (r: ProgramRun["resources"][number]) => boolean) =>
  run.resources
    .filter(pick)
    .map((r) => `${r.type.split(":").slice(-2).join(":")} ${r.name}`)
    .sort();

const prodHosts = ["server-10-20-0-11", "server-10-20-0-12", "server-10-20-0-13", "agent-10-20-0-21", "agent-10-20-0-22"];

describe("destroy safety per stack", () => {
  it("prod protects and retains Flux, Vault, ESO, the KV mount, the namespaces, k3s and supplied secrets", async () => {
    const run = await runProgram({ stack: "prod", env: firstRunEnv(), world: newWorld() });
    expect(names(run, (r) => r.protect)).toEqual(
      [
        "helm.sh/v3:Release external-secrets",
        "helm.sh/v3:Release flux-operator",
        "helm.sh/v3:Release vault",
        "fluxcd.controlplane.io/v1:FluxInstance flux",
        "index/mount:Mount vault-access-kv",
        "index/randomPassword:RandomPassword cluster-k3s-token",
        ...prodHosts.flatMap((host) => [`remote:Command cluster-k3s-${host}-install`, `remote:Command cluster-k3s-${host}-uninstall`]),
        // The only copy of the root token and keys.
        "dynamic:VaultInit vault-init",
      ].sort(),
    );
    expect(names(run, (r) => r.retainOnDelete)).toEqual(
      [
        "helm.sh/v3:Release external-secrets",
        "helm.sh/v3:Release flux-operator",
        "helm.sh/v3:Release vault",
        "fluxcd.controlplane.io/v1:FluxInstance flux",
        ...["cert-manager", "external-secrets", "flux-system", "monitoring", "podinfo", "vault"].map((ns) => `core/v1:Namespace ns-${ns}`),
        // What a person supplied stays in Vault; generated credentials (deploy key, webhook token) do not.
        ...["github-token", "cloudflare-api-token", "slack-webhook", "app-podinfo", "app-grafana"].map((name) => `kv/secretV2:SecretV2 ${name}`),
        ...prodHosts.map((host) => `remote:Command cluster-k3s-${host}-uninstall`),
      ].sort(),
    );
  });

  it("staging protects and retains nothing, so `pulumi destroy` tears it down completely", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    expect(names(run, (r) => r.protect || r.retainOnDelete)).toEqual([]);
  });

  it("deletes Flux objects before their controllers and namespaces last (reverse dependency order)", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const flux = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    const receiver = run.one("kubernetes:notification.toolkit.fluxcd.io/v1:Receiver");
    const operator = run.one("kubernetes:helm.sh/v3:Release", "flux-operator");
    const namespace = run.one("kubernetes:core/v1:Namespace", "ns-flux-system");
    // The engine deletes dependents first: Receiver → FluxInstance → operator → namespace.
    expect(run.dependsOn(receiver, flux)).toBe(true);
    expect(run.dependsOn(flux, operator)).toBe(true);
    expect(run.dependsOn(operator, namespace)).toBe(true);
    for (const externalSecret of run.ofType("kubernetes:external-secrets.io/v1:ExternalSecret")) {
      expect(run.dependsOn(externalSecret, run.one("kubernetes:helm.sh/v3:Release", "external-secrets")), externalSecret.name).toBe(true);
    }
  });
});

describe("re-runs", () => {
  it("registers the same resources with the same inputs on an unchanged stack (idempotent)", async () => {
    const world = newWorld();
    const first = await runProgram({ stack: "staging", env: firstRunEnv(), world });
    const second = await runProgram({ stack: "staging", env: firstRunEnv(), world });
    const view = (run: ProgramRun) =>
      Object.fromEntries(run.resources.map((r) => [r.urn, { inputs: r.inputs, dependencies: [...r.dependencies].sort(), protect: r.protect }]));
    expect(view(second)).toEqual(view(first));
  });

  it("adopts a cluster bootstrapped by `flux bootstrap` without a credential gap", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const flux = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    const sync = (flux.inputs.spec as { sync: { name: string; pullSecret: string } }).sync;
    // Same GitRepository/Kustomization name as `flux bootstrap` (flux-system), but a new Secret
    // that ESO owns: the old flux-system Secret keeps working until the FluxInstance switches.
    expect(sync.name).toBe("flux-system");
    expect(sync.pullSecret).not.toBe("flux-system");
    const pullSecret = run.one("kubernetes:external-secrets.io/v1:ExternalSecret", sync.pullSecret);
    expect(run.dependsOn(flux, pullSecret)).toBe(true);
    expect((pullSecret.inputs.spec as { target: { creationPolicy: string } }).target.creationPolicy).toBe("Owner");
  });
});
