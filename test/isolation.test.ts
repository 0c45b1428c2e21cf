/**
 * Tenant isolation, computed from the graph a run registers: every namespace can read from Vault
 * (through External Secrets) exactly the paths its own ExternalSecrets name, and Flux's credentials
 * only from flux-system.
 */
import { describe, expect, it } from "vitest";
import { newWorld, ProgramRun, RegisteredResource } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { excessReads, namespaceAccess, parsePolicyHcl, policyPathMatches, readersOf, TYPE } from "./support/readable";
import { firstRunEnv } from "./support/scenarios";

const variants: [string, Parameters<typeof runProgram>[0], string][] = [
  ["staging", { stack: "staging" }, "gitops/clusters/staging"],
  ["prod", { stack: "prod" }, "gitops/clusters/prod"],
  ["staging, preview", { stack: "staging", preview: true }, "gitops/clusters/staging"],
  [
    "GitHub App, Slack and Discord, external Vault",
    {
      stack: "staging",
      config: {
        github: { owner: "acme-platform", repository: "fleet", path: "clusters/staging", auth: "app", app: { appId: 1, installationId: 2 } },
        notifications: { discord: true, slack: true, channel: "ops", severity: "info" },
        vault: { mode: "external", address: "https://vault.acme.example", pathPrefix: "clusters/x", kubernetesHost: "https://k8s.acme.example:6443" },
      },
    },
    "gitops/clusters/x",
  ],
];

describe.each(variants)("Vault reads through External Secrets (%s)", (_, options, prefix) => {
  let run: ProgramRun;
  const access = async () => {
    run ??= await runProgram({ ...options, env: firstRunEnv(), world: newWorld() });
    return namespaceAccess(run);
  };

  it("lets every namespace read exactly what its own ExternalSecrets name", async () => {
    const byNamespace = await access();
    expect(excessReads(byNamespace)).toEqual([]);
    for (const [namespace, { named, readable }] of byNamespace) expect(readable, namespace).toEqual(named);
    // The chain is really there: the namespaces that sync something can read it.
    expect([...byNamespace].filter(([, { readable }]) => readable.length > 0).length).toBeGreaterThanOrEqual(3);
  });

  it("lets only flux-system read Flux's git credentials, webhook token and notification URLs", async () => {
    const byNamespace = await access();
    const fluxPaths = [...new Set([...byNamespace.values()].flatMap(({ named }) => named))].filter((path) => path.startsWith(`${prefix}/flux/`));
    expect(fluxPaths.length).toBeGreaterThanOrEqual(2);
    for (const path of fluxPaths) expect(readersOf(byNamespace, path), path).toEqual(["flux-system"]);
    const gitCredentials = options?.config?.github ? `${prefix}/flux/github-app` : `${prefix}/flux/git-auth-v1`;
    expect(readersOf(byNamespace, gitCredentials)).toEqual(["flux-system"]);
    expect(readersOf(byNamespace, `${prefix}/github`)).toEqual([]);
  });
});

describe("moving a stack from the shared ClusterSecretStore", () => {
  it("keeps every ExternalSecret's URN, so each is updated in place to its namespace's store and its Secret stays", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    // The URNs the single-store version registered (README plan block before the change).
    expect(run.ofType(TYPE.externalSecret).map((r) => r.urn.split("::").slice(2).join("::")).sort()).toEqual(
      [
        // Moved into GitAuth since, with an alias to its URN here (test/urnAliases.test.ts).
        "gitops:flux:GitAuth$kubernetes:external-secrets.io/v1:ExternalSecret::flux-git-auth-v1",
        "gitops:apps:AppSecrets$kubernetes:external-secrets.io/v1:ExternalSecret::app-secrets-podinfo-podinfo-secrets",
        "gitops:apps:AppSecrets$kubernetes:external-secrets.io/v1:ExternalSecret::app-secrets-monitoring-grafana-secrets",
        "gitops:apps:AppSecrets$kubernetes:external-secrets.io/v1:ExternalSecret::app-secrets-cert-manager-cloudflare-api-token",
        "gitops:flux:WebhookReceiver$kubernetes:external-secrets.io/v1:ExternalSecret::flux-webhook-token-v1",
      ].sort(),
    );
    expect(run.one(TYPE.externalSecret, "flux-git-auth-v1").aliases).toEqual(["urn:pulumi:staging::gitops-bootstrap::kubernetes:external-secrets.io/v1:ExternalSecret::flux-git-auth-v1"]);
    // The old role "external-secrets" and its policy are not reused under another meaning.
    const roleNames = run.ofType(TYPE.role).map((r) => String(r.inputs.roleName));
    const policyNames = run.ofType(TYPE.policy).map((r) => String(r.inputs.name));
    expect(roleNames).not.toContain("external-secrets");
    expect(policyNames).not.toContain("gitops-external-secrets-read");
  });
});

describe("the isolation walk can fail", () => {
  /** The run with `extra` resources registered next to its own, and `change` applied to each. */
  const altered = (run: ProgramRun, extra: RegisteredResource[], change: (r: RegisteredResource) => RegisteredResource = (r) => r): ProgramRun => {
    const resources = [...run.resources, ...extra].map(change);
    return { ...run, resources, ofType: (type) => resources.filter((r) => r.type === type) };
  };
  const store = (run: ProgramRun, kind: string, metadata: Record<string, string>, kubernetes: Record<string, unknown>): RegisteredResource => ({
    ...run.ofType(TYPE.secretStore)[0],
    urn: `urn:test::${kind}::${metadata.name}`,
    type: `kubernetes:external-secrets.io/v1:${kind}`,
    inputs: { metadata, spec: { provider: { vault: { path: "gitops", auth: { kubernetes: { mountPath: "kubernetes", ...kubernetes } } } } } },
  });

  it("sees a cluster-wide store logging in as flux-system, and a role bound beyond its namespace", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const gitAuth = "gitops/clusters/staging/flux/git-auth-v1";
    expect(excessReads(namespaceAccess(run))).toEqual([]);

    const everyone = store(run, "ClusterSecretStore", { name: "everyone" }, { role: "eso-flux-system", serviceAccountRef: { name: "vault-reader", namespace: "flux-system" } });
    expect(readersOf(namespaceAccess(altered(run, [everyone])), gitAuth)).toEqual(["cert-manager", "external-secrets", "flux-system", "monitoring", "podinfo", "vault"]);

    // podinfo's own store naming flux-system's role: refused by the role's namespace binding…
    const borrowed = store(run, "SecretStore", { name: "borrowed", namespace: "podinfo" }, { role: "eso-flux-system", serviceAccountRef: { name: "vault-reader" } });
    expect(readersOf(namespaceAccess(altered(run, [borrowed])), gitAuth)).toEqual(["flux-system"]);
    // …unless that binding admits every namespace.
    const widened = (r: RegisteredResource) => (r.type === TYPE.role ? { ...r, inputs: { ...r.inputs, boundServiceAccountNamespaces: ["*"] } } : r);
    expect(excessReads(namespaceAccess(altered(run, [borrowed], widened)))).toContain(`podinfo → ${gitAuth}`);
  });

  it("parses policies strictly and matches Vault's globs", () => {
    expect(parsePolicyHcl('path "kv/data/a" {\n  capabilities = ["read"]\n}\n\npath "kv/data/b/*" { capabilities = ["read", "list"] }')).toEqual([
      { path: "kv/data/a", capabilities: ["read"] },
      { path: "kv/data/b/*", capabilities: ["read", "list"] },
    ]);
    expect(() => parsePolicyHcl('path "kv/data/a" { capabilities = ["read"] }\npath "x" { policy = "write" }')).toThrow(/unparsed/);
    expect(policyPathMatches("kv/data/b/*", "kv/data/b/c/d")).toBe(true);
    expect(policyPathMatches("kv/data/+/c", "kv/data/b/c")).toBe(true);
    expect(policyPathMatches("kv/data/+/c", "kv/data/b/x/c")).toBe(false);
    expect(policyPathMatches("kv/data/a", "kv/data/ab")).toBe(false);
  });
});
