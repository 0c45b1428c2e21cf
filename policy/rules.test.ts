import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv from "ajv";
import type { PolicyPackArgs, PolicyResourceOptions } from "@pulumi/policy";
import { describe, expect, it, vi } from "vitest";
import {
  DEFAULT_STORE_NAME,
  POLICY_PACK_NAME,
  branchProtectionRequired,
  SERVED_API_VERSIONS,
  chartBaseName,
  deployKeyReadOnly,
  externalSecretsUseBootstrapStore,
  isPlaceholderSecretValue,
  noPlaintextSecretData,
  parseKubernetesType,
  policies,
  protectStatefulResources,
  servedApiVersions,
  readablePolicyPaths,
  vaultReadsScopedToNamespace,
} from "./rules";
import {
  messages,
  PolicyConfigValues,
  policyProperties,
  Props,
  readConfigFile,
  ResourceInit,
  runPack,
  stackArgs,
  UNKNOWN_STRING,
  urnOf,
  validateResource,
  validateStack,
} from "./testing";

// index.ts constructs a PolicyPack, which would start a gRPC server; record the call instead.
const packCalls = vi.hoisted(() => [] as Array<{ name: string; args: PolicyPackArgs }>);
vi.mock("@pulumi/policy", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@pulumi/policy")>();
  class RecordingPolicyPack {
    constructor(name: string, args: PolicyPackArgs) {
      packCalls.push({ name, args });
    }
  }
  return { ...actual, PolicyPack: RecordingPolicyPack };
});


// ---------------------------------------------------------------------------------------------
// Resource fixtures shaped like the program's resources.

const T = {
  secret: "kubernetes:core/v1:Secret",
  secretV2: "vault:kv/secretV2:SecretV2",
  mount: "vault:index/mount:Mount",
  deployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
  release: "kubernetes:helm.sh/v3:Release",
  fluxInstance: "kubernetes:fluxcd.controlplane.io/v1:FluxInstance",
  externalSecret: "kubernetes:external-secrets.io/v1:ExternalSecret",
  clusterSecretStore: "kubernetes:external-secrets.io/v1:ClusterSecretStore",
  secretStore: "kubernetes:external-secrets.io/v1:SecretStore",
  role: "vault:kubernetes/authBackendRole:AuthBackendRole",
  policy: "vault:index/policy:Policy",
  receiver: "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver",
  provider: "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider",
  alert: "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert",
  namespace: "kubernetes:core/v1:Namespace",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
} as const;

const bootstrapStoreRef = { kind: "SecretStore", name: "vault-backend" };

function fluxInstance(components: string[], opts: Partial<PolicyResourceOptions> = {}): ResourceInit {
  return {
    type: T.fluxInstance,
    name: "flux",
    props: {
      apiVersion: "fluxcd.controlplane.io/v1",
      kind: "FluxInstance",
      metadata: { name: "flux", namespace: "flux-system" },
      spec: { distribution: { version: "2.8.x", registry: "ghcr.io/fluxcd" }, components },
    },
    opts,
  };
}

function externalSecret(spec: Props, name = "podinfo", namespace = "podinfo"): ResourceInit {
  return {
    type: T.externalSecret,
    name,
    props: { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name, namespace }, spec },
  };
}

/** A namespace's SecretStore, Vault role and policy, as the program registers them. */
function namespaceReader(namespace: string, paths: string[], bound: string[] = [namespace]): ResourceInit[] {
  return [
    {
      type: T.secretStore,
      name: `secret-stores-${namespace}`,
      props: {
        metadata: { name: "vault-backend", namespace },
        spec: {
          provider: {
            vault: {
              server: "http://vault.vault:8200",
              path: "gitops",
              auth: { kubernetes: { mountPath: "kubernetes", role: `eso-${namespace}`, serviceAccountRef: { name: "vault-reader" } } },
            },
          },
        },
      },
    },
    {
      type: T.role,
      name: `vault-access-reader-${namespace}`,
      props: {
        backend: "kubernetes",
        roleName: `eso-${namespace}`,
        boundServiceAccountNames: ["vault-reader"],
        boundServiceAccountNamespaces: bound,
        tokenPolicies: [`gitops-${namespace}-read`],
      },
    },
    {
      type: T.policy,
      name: `vault-access-reader-${namespace}`,
      props: {
        name: `gitops-${namespace}-read`,
        policy: paths.map((path) => `path "gitops/data/${path}" {\n  capabilities = ["read"]\n}\n`).join("\n"),
      },
    },
  ];
}

function release(chart: string, name: string, protect: boolean): ResourceInit {
  return { type: T.release, name, props: { chart, name, version: "1.0.0" }, opts: { protect } };
}

/** The resources a prod run of the program registers (secret values arrive as plaintext). */
function programStack(stage: "prod" | "staging"): ResourceInit[] {
  const protect = stage === "prod";
  return [
    { type: T.namespace, name: "flux-system", props: { metadata: { name: "flux-system" } } },
    release("oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator", "flux-operator", protect),
    release("vault", "vault", protect),
    release("external-secrets", "external-secrets", protect),
    { type: T.mount, name: "vault-access-kv", props: { path: "gitops", type: "kv", options: { version: "2" } }, opts: { protect } },
    {
      type: T.secretV2,
      name: "github-token",
      props: { mount: "gitops", name: `clusters/${stage}/github`, dataJson: JSON.stringify({ token: "ghp_0123456789abcdef" }) },
    },
    {
      type: T.secret,
      name: "vault-token-reviewer",
      props: {
        metadata: { name: "vault-token-reviewer", namespace: "vault" },
        type: "kubernetes.io/service-account-token",
      },
    },
    { type: T.deployKey, name: "deploy-key", props: { repository: "fleet", title: "flux", key: "ssh-ed25519 AAAA", readOnly: !protect } },
    fluxInstance(protect ? ["image-reflector-controller", "image-automation-controller"] : [], { protect }),
    ...namespaceReader("podinfo", [`clusters/${stage}/apps/podinfo`]),
    externalSecret({
      secretStoreRef: bootstrapStoreRef,
      target: { name: "podinfo" },
      data: [{ secretKey: "api-key", remoteRef: { key: `clusters/${stage}/apps/podinfo`, property: "api-key" } }],
    }),
    { type: T.receiver, name: "github", props: { spec: { type: "github", resources: [] } } },
    { type: T.provider, name: "slack", props: { spec: { type: "slack" } } },
    { type: T.alert, name: "errors", props: { spec: { eventSeverity: "error" } } },
    ruleset(protect ? 2 : 1),
  ];
}

function ruleset(requiredApprovingReviewCount: number, overrides: Props = {}): ResourceInit {
  return {
    type: T.ruleset,
    name: "branch-protection",
    props: { repository: "fleet", target: "branch", enforcement: "active", rules: { pullRequest: { requiredApprovingReviewCount } }, ...overrides },
  };
}

// ---------------------------------------------------------------------------------------------

describe("no-plaintext-secret-data", () => {
  it("passes a Secret without data and a SecretV2 holding real-looking values", async () => {
    const [, , , , , secretV2, saToken] = programStack("prod");
    expect(await validateResource(noPlaintextSecretData, saToken)).toEqual([]);
    expect(await validateResource(noPlaintextSecretData, secretV2)).toEqual([]);
    expect(await validateResource(noPlaintextSecretData, { type: T.secret, props: { stringData: {}, data: {} } })).toEqual([]);
  });

  it("rejects stringData and data on a Kubernetes Secret, naming keys but never values", async () => {
    const violations = await validateResource(noPlaintextSecretData, {
      type: T.secret,
      props: { stringData: { token: "s3cr3t-value", user: "flux" }, data: { "ca.crt": "LS0tLS1CRUdJTg==" } },
    });
    expect(messages(violations)).toEqual([
      "Kubernetes Secret sets stringData (token, user) from Pulumi inputs. Policies receive every input in plaintext " +
        "and cannot tell a Pulumi secret from a literal; deliver credentials from Vault through an ExternalSecret instead.",
      "Kubernetes Secret sets data (ca.crt) from Pulumi inputs. Policies receive every input in plaintext " +
        "and cannot tell a Pulumi secret from a literal; deliver credentials from Vault through an ExternalSecret instead.",
    ]);
    expect(JSON.stringify(violations)).not.toMatch(/s3cr3t|LS0t/);
  });

  it("still sees the keys when the values are unknown during preview", async () => {
    const violations = await validateResource(noPlaintextSecretData, {
      type: "kubernetes:core/v1:SecretPatch",
      props: { stringData: { token: UNKNOWN_STRING } },
    });
    expect(violations).toHaveLength(1);
    expect(violations[0].message).toMatch(/^Kubernetes Secret sets stringData \(token\)/);
  });

  it("rejects placeholder, empty, malformed and non-object dataJson", async () => {
    const check = (dataJson: unknown) =>
      validateResource(noPlaintextSecretData, { type: T.secretV2, props: { mount: "gitops", name: "x", dataJson } });
    expect(messages(await check(JSON.stringify({ token: "changeme", url: "", key: "<your-key>", env: "${GITHUB_TOKEN}", ok: "real-1" })))).toEqual([
      "Vault SecretV2 dataJson has empty or placeholder values for: token, url, key, env. " +
        "Set the real values with `pulumi config set --secret` or the documented environment variables.",
    ]);
    expect(messages(await check("{not json"))).toEqual(["Vault SecretV2 dataJson is not valid JSON."]);
    expect(messages(await check(JSON.stringify(["a"])))).toEqual(["Vault SecretV2 dataJson must be a JSON object of key/value pairs."]);
    expect(messages(await check(42))).toEqual(["Vault SecretV2 dataJson must be a JSON string."]);
  });

  it("defers to `pulumi up` when dataJson is unknown during preview (the SDK reports it as advisory)", async () => {
    await expect(
      validateResource(noPlaintextSecretData, { type: T.secretV2, props: { dataJson: UNKNOWN_STRING } }),
    ).rejects.toThrow("string value at .dataJson can't be known during preview");
  });

  it("classifies placeholders", () => {
    expect(["CHANGEME", " password ", "<token>", "${X}", "$GITHUB_TOKEN", ""].map(isPlaceholderSecretValue)).toEqual([
      true, true, true, true, true, true,
    ]);
    expect(["ghp_abc123", "hunter2-but-long", "$notAnEnvVar"].map(isPlaceholderSecretValue)).toEqual([false, false, false]);
  });
});

describe("deploy-key-read-only", () => {
  const writableKey: ResourceInit = { type: T.deployKey, name: "deploy-key", props: { readOnly: false } };

  it("passes read-only keys (explicit or provider default) without any FluxInstance", async () => {
    const args = stackArgs([
      { type: T.deployKey, name: "a", props: { readOnly: true } },
      { type: T.deployKey, name: "b", props: {} },
    ]);
    expect(await validateStack(deployKeyReadOnly, args)).toEqual([]);
  });

  it("passes a writable key when a FluxInstance enables image-automation-controller", async () => {
    const args = stackArgs([writableKey, fluxInstance(["image-reflector-controller", "image-automation-controller"])]);
    expect(await validateStack(deployKeyReadOnly, args)).toEqual([]);
  });

  it("reports a writable key against its URN when image automation is off", async () => {
    const args = stackArgs([writableKey, fluxInstance(["image-reflector-controller"])]);
    expect(await validateStack(deployKeyReadOnly, args)).toEqual([
      {
        message:
          'GitHub deploy key "deploy-key" has readOnly: false, but no FluxInstance in this stack lists ' +
          "image-automation-controller in spec.components. Use a read-only key, or enable image automation.",
        urn: urnOf(T.deployKey, "deploy-key"),
      },
    ]);
  });

  it("does not accept image-automation-controller named outside a FluxInstance", async () => {
    const args = stackArgs([
      writableKey,
      { type: T.namespace, name: "ns", props: { spec: { components: ["image-automation-controller"] } } },
    ]);
    expect(await validateStack(deployKeyReadOnly, args)).toHaveLength(1);
  });
});

describe("external-secrets-use-bootstrap-store", () => {
  it("passes the bootstrap store under the default and a configured name", async () => {
    const ok = externalSecret({ secretStoreRef: bootstrapStoreRef });
    expect(await validateResource(externalSecretsUseBootstrapStore, ok)).toEqual([]);
    const custom = externalSecret({ secretStoreRef: { kind: "SecretStore", name: "vault-prod" } });
    expect(await validateResource(externalSecretsUseBootstrapStore, { ...custom, config: { storeName: "vault-prod" } })).toEqual([]);
  });

  it("rejects another store, a ClusterSecretStore, an unset kind and a missing ref", async () => {
    const run = (spec: Props, config: PolicyConfigValues = {}) =>
      validateResource(externalSecretsUseBootstrapStore, { ...externalSecret(spec), config }).then(messages);
    expect(await run({ secretStoreRef: bootstrapStoreRef }, { storeName: "vault-prod" })).toEqual([
      "spec.secretStoreRef must be {kind: SecretStore, name: vault-prod}, found {kind: SecretStore, name: vault-backend}.",
    ]);
    expect(await run({ secretStoreRef: { kind: "ClusterSecretStore", name: "vault-backend" } })).toEqual([
      "spec.secretStoreRef must be {kind: SecretStore, name: vault-backend}, found {kind: ClusterSecretStore, name: vault-backend}.",
    ]);
    expect(await run({ secretStoreRef: { name: "vault-backend" } })).toEqual([
      "spec.secretStoreRef must be {kind: SecretStore, name: vault-backend}, found {kind: (unset: SecretStore), name: vault-backend}.",
    ]);
    expect(await run({ target: { name: "x" } })).toEqual([
      "spec.secretStoreRef is missing; it must be {kind: SecretStore, name: vault-backend}.",
    ]);
  });

  it("checks per-entry sourceRef.storeRef overrides and ClusterExternalSecrets", async () => {
    const spec = {
      secretStoreRef: bootstrapStoreRef,
      data: [
        { secretKey: "a", remoteRef: { key: "a" }, sourceRef: { storeRef: bootstrapStoreRef } },
        { secretKey: "b", remoteRef: { key: "b" }, sourceRef: { storeRef: { kind: "SecretStore", name: "aws" } } },
      ],
      dataFrom: [{ sourceRef: { generatorRef: { kind: "Password", name: "pw" } } }],
    };
    expect(messages(await validateResource(externalSecretsUseBootstrapStore, externalSecret(spec)))).toEqual([
      "spec.data[1].sourceRef.storeRef must be {kind: SecretStore, name: vault-backend}, found {kind: SecretStore, name: aws}.",
    ]);
    const cluster: ResourceInit = {
      type: "kubernetes:external-secrets.io/v1:ClusterExternalSecret",
      props: { spec: { externalSecretSpec: { secretStoreRef: { kind: "ClusterSecretStore", name: "other" } } } },
    };
    expect(messages(await validateResource(externalSecretsUseBootstrapStore, cluster))).toEqual([
      "spec.externalSecretSpec.secretStoreRef must be {kind: SecretStore, name: vault-backend}, found {kind: ClusterSecretStore, name: other}.",
    ]);
  });

  it("ignores the SecretStore itself and other resources", async () => {
    const [store] = programStack("prod").filter((r) => r.type === T.secretStore);
    expect(await validateResource(externalSecretsUseBootstrapStore, store)).toEqual([]);
    expect(await validateResource(externalSecretsUseBootstrapStore, { type: T.namespace, props: {} })).toEqual([]);
  });
});

describe("vault-reads-scoped-to-namespace", () => {
  const flux = "clusters/prod/flux/git-auth-v1";
  const podinfo = "clusters/prod/apps/podinfo";
  const es = (namespace: string, key: string, storeRef: Props = bootstrapStoreRef) =>
    externalSecret({ secretStoreRef: storeRef, dataFrom: [{ extract: { key } }] }, `${namespace}-es`, namespace);
  const check = (resources: ResourceInit[]) => validateStack(vaultReadsScopedToNamespace, stackArgs(resources));

  it("passes per-namespace stores whose roles grant exactly what each namespace's ExternalSecrets name", async () => {
    const stack = [...namespaceReader("flux-system", [flux]), es("flux-system", flux), ...namespaceReader("podinfo", [podinfo]), es("podinfo", podinfo)];
    expect(await check(stack)).toEqual([]);
  });

  it("rejects one ClusterSecretStore logging in as ESO for every namespace, with a role reading everything", async () => {
    const clusterStore = (conditions?: Props[]): ResourceInit => ({
      type: T.clusterSecretStore,
      name: "cluster-secret-store",
      props: {
        metadata: { name: "vault-backend" },
        spec: {
          ...(conditions ? { conditions } : {}),
          provider: {
            vault: {
              path: "gitops",
              auth: { kubernetes: { mountPath: "kubernetes", role: "external-secrets", serviceAccountRef: { name: "external-secrets", namespace: "external-secrets" } } },
            },
          },
        },
      },
    });
    const shared = { kind: "ClusterSecretStore", name: "vault-backend" };
    const legacyReader = namespaceReader("external-secrets", [flux, podinfo]).slice(1).map((r) => ({ ...r, props: { ...r.props, roleName: "external-secrets", boundServiceAccountNames: ["external-secrets"] } }));
    const stack = [clusterStore([{ namespaces: ["flux-system", "podinfo"] }]), ...legacyReader, es("flux-system", flux, shared), es("podinfo", podinfo, shared)];
    expect(messages(await check(stack))).toEqual([
      'ClusterSecretStore "vault-backend" logs in to Vault as service account external-secrets/external-secrets for namespaces flux-system, podinfo: ' +
        "each of them reads whatever that one identity may read. Give each namespace its own SecretStore, service account and Vault role.",
      `Vault role "external-secrets" lets namespace external-secrets read gitops/data/${podinfo}, gitops/data/${flux}, which no ExternalSecret in external-secrets names. ` +
        "Bind each role to one namespace and grant exactly that namespace's paths.",
    ]);
    expect(messages(await check([clusterStore(), es("podinfo", podinfo, shared)]))[0]).toMatch(/for every namespace/);
    // A store usable from one namespace only, logging in as that namespace, is fine.
    expect(await check([clusterStore([{ namespaces: ["external-secrets"] }])])).toEqual([]);
  });

  it("rejects a role bound beyond its namespace, a role granting another namespace's path, and globs", async () => {
    const wide = [...namespaceReader("podinfo", [podinfo], ["podinfo", "monitoring"]), es("podinfo", podinfo)];
    expect(messages(await check(wide))).toEqual([
      `Vault role "eso-podinfo" lets namespace monitoring read gitops/data/${podinfo}, which no ExternalSecret in monitoring names. ` +
        "Bind each role to one namespace and grant exactly that namespace's paths.",
    ]);
    const everyNamespace = [...namespaceReader("podinfo", [podinfo], ["*"]), es("podinfo", podinfo)];
    expect(messages(await check(everyNamespace)).join("\n")).toMatch(/lets namespace any other namespace read/);
    const greedy = [...namespaceReader("podinfo", [podinfo, flux]), es("podinfo", podinfo)];
    expect(messages(await check(greedy))).toEqual([expect.stringContaining(`lets namespace podinfo read gitops/data/${flux}, which`)]);
    const glob = [...namespaceReader("podinfo", ["clusters/prod/apps/*"]), es("podinfo", podinfo)];
    expect(messages(await check(glob))).toEqual([expect.stringContaining("read gitops/data/clusters/prod/apps/*, which")]);
  });

  it("reads only read grants from a policy document", () => {
    expect(readablePolicyPaths('path "a" {\n capabilities = ["read"]\n}\npath "b" { capabilities = ["list"] }\npath "c" { capabilities = ["create", "read"] }')).toEqual(["a", "c"]);
  });
});

describe("served-api-versions", () => {
  it("passes every served group/version/kind the program uses", async () => {
    for (const type of [T.fluxInstance, T.externalSecret, T.clusterSecretStore, T.receiver, T.provider, T.alert, T.secret, T.release]) {
      expect(await validateResource(servedApiVersions, { type, props: {} }), type).toEqual([]);
    }
    const pushSecret = "kubernetes:external-secrets.io/v1alpha1:PushSecret";
    expect(await validateResource(servedApiVersions, { type: pushSecret, props: {} })).toEqual([]);
  });

  it("rejects unserved versions with the version to use", async () => {
    const check = (type: string) => validateResource(servedApiVersions, { type, props: {} }).then(messages);
    expect(await check("kubernetes:external-secrets.io/v1beta1:ExternalSecret")).toEqual([
      "ExternalSecret uses apiVersion external-secrets.io/v1beta1, which is not served; use external-secrets.io/v1.",
    ]);
    expect(await check("kubernetes:external-secrets.io/v1alpha1:ClusterSecretStore")).toEqual([
      "ClusterSecretStore uses apiVersion external-secrets.io/v1alpha1, which is not served; use external-secrets.io/v1.",
    ]);
    expect(await check("kubernetes:fluxcd.controlplane.io/v1beta1:FluxInstance")).toEqual([
      "FluxInstance uses apiVersion fluxcd.controlplane.io/v1beta1, which is not served; use fluxcd.controlplane.io/v1.",
    ]);
    expect(await check("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Receiver")).toEqual([
      "Receiver uses apiVersion notification.toolkit.fluxcd.io/v1beta3, which is not served; use notification.toolkit.fluxcd.io/v1.",
    ]);
    expect(await check("kubernetes:notification.toolkit.fluxcd.io/v1beta2:Alert")).toEqual([
      "Alert uses apiVersion notification.toolkit.fluxcd.io/v1beta2, which is not served; use notification.toolkit.fluxcd.io/v1beta3.",
    ]);
    expect(await check("kubernetes:notification.toolkit.fluxcd.io/v1:Provider")).toEqual([
      "Provider uses apiVersion notification.toolkit.fluxcd.io/v1, which is not served; use notification.toolkit.fluxcd.io/v1beta3.",
    ]);
  });

  it("keeps the table in one constant and parses type tokens", () => {
    expect(Object.keys(SERVED_API_VERSIONS).sort()).toEqual(["external-secrets.io", "fluxcd.controlplane.io", "notification.toolkit.fluxcd.io"]);
    expect(parseKubernetesType(T.receiver)).toEqual({ group: "notification.toolkit.fluxcd.io", version: "v1", kind: "Receiver" });
    expect(parseKubernetesType(T.secret)).toEqual({ group: "core", version: "v1", kind: "Secret" });
    expect(parseKubernetesType(T.secretV2)).toBeUndefined();
  });
});

describe("branch-protection-required", () => {
  const violation = {
    message:
      "This stack protects its FluxInstance (safety.protect: true) but manages no active branch ruleset requiring at " +
      "least one approving review: set github.protection.enabled: true and github.protection.requiredReviews >= 1.",
    urn: urnOf(T.fluxInstance, "flux"),
  };

  it("passes a protected stack with an active branch ruleset requiring a review, and any unprotected stack", async () => {
    expect(await validateStack(branchProtectionRequired, stackArgs([fluxInstance([], { protect: true }), ruleset(1)]))).toEqual([]);
    expect(await validateStack(branchProtectionRequired, stackArgs([fluxInstance([], { protect: false })]))).toEqual([]);
  });

  it("rejects a protected stack without a ruleset, with zero reviews, or with an inactive or tag ruleset", async () => {
    for (const stack of [
      [],
      [ruleset(0)],
      [ruleset(2, { enforcement: "disabled" })],
      [ruleset(2, { target: "tag" })],
      [ruleset(2, { rules: { deletion: true } })],
    ]) {
      expect(await validateStack(branchProtectionRequired, stackArgs([fluxInstance([], { protect: true }), ...stack]))).toEqual([violation]);
    }
  });
});

describe("protect-stateful-resources", () => {
  const prod = { requireProtection: true };
  const staging = { requireProtection: false };
  const stateful = (): ResourceInit[] => programStack("staging").filter((r) => [T.release, T.mount, T.fluxInstance].includes(r.type as never));

  it("passes protected stateful resources, and anything when requireProtection is false", async () => {
    for (const init of programStack("prod")) {
      expect(await validateResource(protectStatefulResources, { ...init, config: prod }), init.name).toEqual([]);
    }
    for (const init of stateful()) {
      expect(await validateResource(protectStatefulResources, { ...init, config: staging }), init.name).toEqual([]);
    }
  });

  it("rejects each unprotected stateful resource when requireProtection is true (also the default)", async () => {
    const found: string[] = [];
    for (const init of stateful()) {
      found.push(...messages(await validateResource(protectStatefulResources, { ...init, config: prod })));
    }
    expect(found).toEqual([
      'Helm release of chart "flux-operator" owns CRDs or state and must set protect: true (requireProtection is on).',
      'Helm release of chart "vault" owns CRDs or state and must set protect: true (requireProtection is on).',
      'Helm release of chart "external-secrets" owns CRDs or state and must set protect: true (requireProtection is on).',
      "Vault mount holds secret data and must set protect: true (requireProtection is on).",
      "FluxInstance must set protect: true (requireProtection is on). retainOnDelete would also do, but " +
        "@pulumi/policy does not pass retainOnDelete to policies, so only protect can be verified.",
    ]);
    const [vaultRelease] = stateful().filter((r) => r.name === "vault");
    expect(await validateResource(protectStatefulResources, { ...vaultRelease, config: {} })).toHaveLength(1);
  });

  it("ignores other Helm charts and accepts retainOnDelete on a FluxInstance if the SDK ever passes it", async () => {
    expect(await validateResource(protectStatefulResources, { ...release("podinfo", "podinfo", false), config: prod })).toEqual([]);
    const opts = { protect: false, retainOnDelete: true } as Partial<PolicyResourceOptions>;
    expect(await validateResource(protectStatefulResources, { ...fluxInstance([], opts), config: prod })).toEqual([]);
    expect(chartBaseName("oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator")).toBe("flux-operator");
    expect(chartBaseName("hashicorp/vault")).toBe("vault");
  });
});


describe("gitops-bootstrap-guardrails pack", () => {
  it("index.ts builds the pack: name, mandatory, all six policies", async () => {
    await import("./index");
    expect(packCalls).toHaveLength(1);
    const [{ name, args }] = packCalls;
    expect(name).toBe(POLICY_PACK_NAME);
    expect(name).toBe("gitops-bootstrap-guardrails");
    expect(args.enforcementLevel).toBe("mandatory");
    expect(args.policies.map((p) => p.name)).toEqual([
      "no-plaintext-secret-data",
      "deploy-key-read-only",
      "external-secrets-use-bootstrap-store",
      "served-api-versions",
      "protect-stateful-resources",
      "branch-protection-required",
      "vault-reads-scoped-to-namespace",
    ]);
    expect(args.policies.every((p) => p.enforcementLevel === "mandatory")).toBe(true);
  });

  it("index.ts finds the repository root's package.json for the SDK's version lookup", async () => {
    const { packageJsonDir } = await import("./index");
    expect(packageJsonDir(__dirname)).toBe(path.resolve(__dirname, ".."));
    expect(fs.existsSync(path.join(__dirname, "package.json"))).toBe(false);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-package-json-"));
    try {
      expect(packageJsonDir(empty)).toBe(fs.existsSync("/package.json") ? "/" : undefined);
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
  });

  it("PulumiPolicy.yaml names the nodejs runtime and a version", () => {
    const text = fs.readFileSync(path.join(__dirname, "PulumiPolicy.yaml"), "utf8");
    expect(text).toMatch(/^runtime: nodejs$/m);
    expect(text).toMatch(/^version: \d+\.\d+\.\d+$/m);
    expect(text).toMatch(/^description: \S/m);
  });

  it("the per-stack config files validate against the policies' config schemas", () => {
    const ajv = new Ajv({ allErrors: true });
    const names = new Set(policies.map((p) => p.name));
    for (const file of ["config.prod.json", "config.staging.json"]) {
      const config = readConfigFile(file);
      expect(Object.keys(config).filter((k) => !names.has(k) && k !== "all"), file).toEqual([]);
      for (const policy of policies) {
        const schema = policy.configSchema;
        if (schema === undefined) continue;
        const props = policyProperties(config, policy.name);
        // The engine validates {type: object, properties, required}; additionally reject typos here.
        const validate = ajv.compile({ type: "object", properties: schema.properties, additionalProperties: false });
        expect(validate(props), `${file} ${policy.name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
    expect(readConfigFile("config.prod.json")["protect-stateful-resources"]).toEqual({ requireProtection: true });
    expect(readConfigFile("config.staging.json")["protect-stateful-resources"]).toEqual({ requireProtection: false });
    const storeDefault = externalSecretsUseBootstrapStore.configSchema?.properties.storeName.default;
    expect(storeDefault).toBe(DEFAULT_STORE_NAME);
    const bad = ajv.compile({ type: "object", properties: protectStatefulResources.configSchema?.properties });
    expect(bad({ requireProtection: "yes" })).toBe(false);
  });

  it("passes the program's prod and staging stacks with their config files", async () => {
    expect(await runPack(programStack("prod"), readConfigFile("config.prod.json"))).toEqual([]);
    expect(await runPack(programStack("staging"), readConfigFile("config.staging.json"))).toEqual([]);
  });

  it("reports every violation of a misconfigured stack, once, against the right policy", async () => {
    const stack: ResourceInit[] = [
      ...programStack("staging"), // unprotected, read-only key, no image automation
      { type: T.deployKey, name: "writer", props: { readOnly: false } },
      { type: T.secret, name: "plain", props: { stringData: { password: "hunter2" } } },
      { ...externalSecret({ secretStoreRef: { kind: "SecretStore", name: "local" } }, "legacy"), type: "kubernetes:external-secrets.io/v1beta1:ExternalSecret" },
    ];
    const findings = await runPack(stack, readConfigFile("config.prod.json"));
    expect(findings.map((f) => `${f.policy} ${f.resource?.split("::").pop()}`)).toEqual([
      "no-plaintext-secret-data plain",
      "deploy-key-read-only writer",
      "external-secrets-use-bootstrap-store legacy",
      "served-api-versions legacy",
      "protect-stateful-resources flux-operator",
      "protect-stateful-resources vault",
      "protect-stateful-resources external-secrets",
      "protect-stateful-resources vault-access-kv",
      "protect-stateful-resources flux",
    ]);
    const stagingFindings = await runPack(stack, readConfigFile("config.staging.json"));
    expect(stagingFindings.map((f) => f.policy)).toEqual([
      "no-plaintext-secret-data",
      "deploy-key-read-only",
      "external-secrets-use-bootstrap-store",
      "served-api-versions",
    ]);
  });
});
