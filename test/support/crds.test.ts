import { describe, it, expect } from "vitest";
import {
  assertValidCustomResource,
  crdSchemaFor,
  knownCustomResourceKinds,
  unsupportedCelRules,
  validateCustomResource,
  type KubernetesObject,
} from "./crds";

type Mutable = Record<string, unknown>;

function clone(obj: KubernetesObject): KubernetesObject {
  return structuredClone(obj);
}

/** The object at a dotted path of a clone (for small targeted edits). */
function at(obj: KubernetesObject, dotted: string): Mutable {
  let current: unknown = obj;
  for (const key of dotted.split(".")) current = (current as Mutable)[key];
  return current as Mutable;
}

function fluxInstance(): KubernetesObject {
  return {
    apiVersion: "fluxcd.controlplane.io/v1",
    kind: "FluxInstance",
    metadata: { name: "flux", namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
    spec: {
      distribution: { version: "2.x", registry: "ghcr.io/fluxcd" },
      components: ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"],
      cluster: { type: "kubernetes", multitenant: false, networkPolicy: true, domain: "cluster.local" },
      sync: {
        kind: "GitRepository",
        url: "ssh://git@github.com/acme/fleet.git",
        ref: "refs/heads/main",
        path: "clusters/prod",
        pullSecret: "flux-system",
      },
    },
  };
}

function externalSecret(apiVersion = "external-secrets.io/v1"): KubernetesObject {
  return {
    apiVersion,
    kind: "ExternalSecret",
    metadata: { name: "app-credentials", namespace: "apps" },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { kind: "ClusterSecretStore", name: "vault" },
      target: { name: "app-credentials", creationPolicy: "Owner" },
      data: [{ secretKey: "password", remoteRef: { key: "apps/db", property: "password" } }],
      dataFrom: [{ extract: { key: "apps/config" } }],
    },
  };
}

function clusterSecretStore(): KubernetesObject {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: "vault" },
    spec: {
      provider: {
        vault: {
          server: "http://vault.vault.svc:8200",
          path: "secret",
          version: "v2",
          auth: {
            kubernetes: {
              mountPath: "kubernetes",
              role: "external-secrets",
              serviceAccountRef: { name: "external-secrets", namespace: "external-secrets" },
            },
          },
        },
      },
    },
  };
}

function receiver(): KubernetesObject {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1",
    kind: "Receiver",
    metadata: { name: "github-receiver", namespace: "flux-system" },
    spec: {
      type: "github",
      events: ["ping", "push"],
      secretRef: { name: "webhook-token" },
      resources: [{ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: "flux-system" }],
    },
  };
}

function provider(): KubernetesObject {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Provider",
    metadata: { name: "slack", namespace: "flux-system" },
    spec: { type: "slack", channel: "gitops", secretRef: { name: "slack-webhook" } },
  };
}

function alert(): KubernetesObject {
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Alert",
    metadata: { name: "on-call", namespace: "flux-system" },
    spec: {
      providerRef: { name: "slack" },
      eventSeverity: "error",
      eventSources: [
        { kind: "GitRepository", name: "*" },
        { kind: "Kustomization", name: "*" },
      ],
    },
  };
}

function expectProblem(problems: string[], fragment: string): void {
  expect(problems.some((p) => p.includes(fragment)), `expected a problem containing ${JSON.stringify(fragment)}, got:\n${problems.join("\n")}`).toBe(true);
}

describe("CRD catalogue", () => {
  it("lists every kind and version with served flag and scope", () => {
    const kinds = knownCustomResourceKinds().map((k) => `${k.group}/${k.version} ${k.kind} served=${k.served} ${k.scope}`);
    expect(kinds.sort()).toEqual(
      [
        "external-secrets.io/v1 ClusterSecretStore served=true Cluster",
        "external-secrets.io/v1beta1 ClusterSecretStore served=false Cluster",
        "external-secrets.io/v1 ExternalSecret served=true Namespaced",
        "external-secrets.io/v1beta1 ExternalSecret served=false Namespaced",
        // Derived from ClusterSecretStore (same spec type in ESO).
        "external-secrets.io/v1 SecretStore served=true Namespaced",
        "external-secrets.io/v1beta1 SecretStore served=false Namespaced",
        "fluxcd.controlplane.io/v1 FluxInstance served=true Namespaced",
        "notification.toolkit.fluxcd.io/v1beta3 Alert served=true Namespaced",
        "notification.toolkit.fluxcd.io/v1beta3 Provider served=true Namespaced",
        "notification.toolkit.fluxcd.io/v1 Receiver served=true Namespaced",
      ].sort(),
    );
  });

  it("returns the raw schema of a version and refuses unknown ones", () => {
    const schema = crdSchemaFor("fluxcd.controlplane.io", "v1", "FluxInstance") as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["apiVersion", "kind", "metadata", "spec"]));
    expect(() => crdSchemaFor("fluxcd.controlplane.io", "v2", "FluxInstance")).toThrow(/no CRD defines/);
  });
});

describe("FluxInstance", () => {
  it("accepts a valid instance named flux", () => {
    expect(validateCustomResource(fluxInstance())).toEqual([]);
    expect(() => assertValidCustomResource(fluxInstance())).not.toThrow();
  });

  it("rejects any other name through the CRD's CEL rule", () => {
    const obj = clone(fluxInstance());
    obj.metadata.name = "other";
    const problems = validateCustomResource(obj);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^FluxInstance other: \(root\) the only accepted name for a FluxInstance is 'flux'/);
    expect(() => assertValidCustomResource(obj)).toThrow(/the only accepted name/);
  });

  it("rejects a value outside an enum", () => {
    const obj = clone(fluxInstance());
    at(obj, "spec.sync").kind = "GitRepo";
    const problems = validateCustomResource(obj);
    expectProblem(problems, "FluxInstance flux: spec.sync.kind must be one of OCIRepository, GitRepository, Bucket");
    const components = clone(fluxInstance());
    (at(components, "spec").components as string[]).push("image-controller");
    expectProblem(validateCustomResource(components), "spec.components[4] must be one of");
  });

  it("rejects unknown fields instead of letting the API server prune them", () => {
    const obj = clone(fluxInstance());
    at(obj, "spec.sync").branch = "main";
    (obj as Mutable).data = {};
    const problems = validateCustomResource(obj);
    expectProblem(problems, "spec.sync.branch is an unknown field");
    expectProblem(problems, "FluxInstance flux: data is an unknown field");
  });

  it("rejects a missing required field", () => {
    const obj = clone(fluxInstance());
    delete at(obj, "spec.distribution").registry;
    expectProblem(validateCustomResource(obj), "spec.distribution.registry is required");
    const noSpecDistribution = clone(fluxInstance());
    delete at(noSpecDistribution, "spec").distribution;
    expectProblem(validateCustomResource(noSpecDistribution), "spec.distribution is required");
  });

  it("rejects wrong types and patterns", () => {
    const obj = clone(fluxInstance());
    at(obj, "spec.sync").interval = "5 minutes";
    at(obj, "spec.cluster").multitenant = "no";
    const problems = validateCustomResource(obj);
    expectProblem(problems, "spec.sync.interval must match pattern");
    expectProblem(problems, "spec.cluster.multitenant must be of type boolean");
  });

  it("evaluates the nested CEL rules", () => {
    const github = clone(fluxInstance());
    at(github, "spec.sync").provider = "github";
    expect(validateCustomResource(github)).toEqual([]);
    at(github, "spec.sync").kind = "OCIRepository";
    expectProblem(validateCustomResource(github), "spec.sync sync.provider 'github' is only supported for GitRepository");

    const sharding = clone(fluxInstance());
    at(sharding, "spec").sharding = { shards: ["a"], storage: "persistent" };
    expectProblem(validateCustomResource(sharding), ".spec.storage must be set when .spec.sharding.storage is 'persistent'");
    at(sharding, "spec").storage = { class: "standard", size: "10Gi" };
    expect(validateCustomResource(sharding)).toEqual([]);

    const identity = clone(fluxInstance());
    at(identity, "spec.cluster").multitenantWorkloadIdentity = true;
    expectProblem(validateCustomResource(identity), "spec.cluster .objectLevelWorkloadIdentity must be set to true");
  });

  it("skips the transition rule on sync.name (oldSelf) on create", () => {
    const obj = clone(fluxInstance());
    at(obj, "spec.sync").name = "flux-system";
    expect(validateCustomResource(obj)).toEqual([]);
  });

  it("checks metadata: namespace and DNS-1123 name", () => {
    const noNamespace = clone(fluxInstance());
    delete noNamespace.metadata.namespace;
    expectProblem(validateCustomResource(noNamespace), "metadata.namespace is required");
    const badName = clone(fluxInstance());
    badName.metadata.name = "Flux_1";
    expectProblem(validateCustomResource(badName), "metadata.name \"Flux_1\" must be a DNS-1123 subdomain");
    const badLabel = clone(fluxInstance());
    badLabel.metadata.labels = { team: "platform team" };
    expectProblem(validateCustomResource(badLabel), "invalid label value");
  });

  it("drops undefined fields like JSON serialisation does", () => {
    const obj = clone(fluxInstance());
    at(obj, "spec.sync").provider = undefined;
    expect(validateCustomResource(obj)).toEqual([]);
  });
});

describe("External Secrets", () => {
  it("accepts an ExternalSecret at external-secrets.io/v1", () => {
    expect(validateCustomResource(externalSecret())).toEqual([]);
  });

  it("rejects external-secrets.io/v1beta1 as no longer served", () => {
    const problems = validateCustomResource(externalSecret("external-secrets.io/v1beta1"));
    expect(problems).toEqual([
      "ExternalSecret app-credentials: apiVersion external-secrets.io/v1beta1 is not served by the ExternalSecret CRD (deprecated); use external-secrets.io/v1",
    ]);
  });

  it("rejects versions the CRD does not define, and unknown kinds", () => {
    expectProblem(validateCustomResource(externalSecret("external-secrets.io/v2")), "has no version v2 (served: external-secrets.io/v1)");
    const unknown = { ...externalSecret(), kind: "SecretStoreX" };
    expectProblem(validateCustomResource(unknown), "unknown kind: no CRD defines SecretStoreX");
    const core = { apiVersion: "v1", kind: "Secret", metadata: { name: "x", namespace: "y" } };
    expectProblem(validateCustomResource(core), "no CRD defines Secret in group \"\"");
  });

  it("accepts a ClusterSecretStore with Vault Kubernetes auth", () => {
    expect(validateCustomResource(clusterSecretStore())).toEqual([]);
  });

  it("rejects a namespace on the cluster-scoped ClusterSecretStore", () => {
    const obj = clone(clusterSecretStore());
    obj.metadata.namespace = "external-secrets";
    expect(validateCustomResource(obj)).toEqual([
      'ClusterSecretStore vault: metadata.namespace must not be set: ClusterSecretStore is cluster-scoped (got "external-secrets")',
    ]);
  });

  it("enforces format byte (base64) on caBundle", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
    const raw = clone(clusterSecretStore());
    at(raw, "spec.provider.vault").caBundle = pem;
    expectProblem(validateCustomResource(raw), 'spec.provider.vault.caBundle must match format "byte"');
    const encoded = clone(clusterSecretStore());
    at(encoded, "spec.provider.vault").caBundle = Buffer.from(pem).toString("base64");
    expect(validateCustomResource(encoded)).toEqual([]);
  });

  it("treats refreshInterval as int-or-string", () => {
    for (const ok of [60, "1h"]) {
      const obj = clone(clusterSecretStore());
      at(obj, "spec").refreshInterval = ok;
      expect(validateCustomResource(obj)).toEqual([]);
    }
    const bad = clone(clusterSecretStore());
    at(bad, "spec").refreshInterval = true;
    expectProblem(validateCustomResource(bad), "spec.refreshInterval must be an integer or a string");
  });

  it("evaluates the store CEL rules (exactly one OpenBao auth method)", () => {
    const obj = clone(clusterSecretStore());
    at(obj, "spec").provider = {
      openBao: {
        server: "https://bao:8200",
        auth: { tokenSecretRef: { name: "t", key: "token" }, userPass: { username: "u", path: "userpass" } },
      },
    };
    expectProblem(validateCustomResource(obj), "spec.provider.openBao.auth exactly one of the fields in [appRole tokenSecretRef userPass]");
    delete at(obj, "spec.provider.openBao.auth").userPass;
    expect(validateCustomResource(obj)).toEqual([]);
  });

  it("rejects a wrong secretStoreRef kind and a missing remoteRef.key", () => {
    const obj = clone(externalSecret());
    at(obj, "spec.secretStoreRef").kind = "Vault";
    delete (at(obj, "spec").data as Mutable[])[0].remoteRef;
    const problems = validateCustomResource(obj);
    expectProblem(problems, "spec.secretStoreRef.kind must be one of SecretStore, ClusterSecretStore");
    expectProblem(problems, "spec.data[0].remoteRef is required");
  });
});

describe("Flux notifications", () => {
  it("accepts a GitHub Receiver", () => {
    expect(validateCustomResource(receiver())).toEqual([]);
  });

  it("requires a secretRef for a github Receiver (CEL) and resources (schema)", () => {
    const obj = clone(receiver());
    delete at(obj, "spec").secretRef;
    delete at(obj, "spec").resources;
    const problems = validateCustomResource(obj);
    expectProblem(problems, "spec.resources is required");
    expectProblem(problems, "(rule: self.type == 'generic-oidc' || has(self.secretRef))");
  });

  it("rejects duplicate keys in a list-type map", () => {
    const obj = clone(receiver());
    const spec = at(obj, "spec");
    spec.type = "generic-oidc";
    delete spec.secretRef;
    const oidc = { issuerURL: "https://token.actions.githubusercontent.com", validations: [{ expression: "true", message: "x" }] };
    spec.oidcProviders = [oidc];
    expect(validateCustomResource(obj)).toEqual([]);
    spec.oidcProviders = [oidc, oidc];
    expectProblem(validateCustomResource(obj), "spec.oidcProviders[1] duplicates spec.oidcProviders[0]");
  });

  it("accepts Provider and Alert at v1beta3", () => {
    expect(validateCustomResource(provider())).toEqual([]);
    expect(validateCustomResource(alert())).toEqual([]);
  });

  it("rejects notification objects at a version the CRDs do not have", () => {
    expectProblem(validateCustomResource({ ...alert(), apiVersion: "notification.toolkit.fluxcd.io/v1" }), "served: notification.toolkit.fluxcd.io/v1beta3");
  });

  it("rejects a bad Alert severity and a commitStatusExpr on a slack Provider", () => {
    const badAlert = clone(alert());
    at(badAlert, "spec").eventSeverity = "warning";
    expectProblem(validateCustomResource(badAlert), "spec.eventSeverity must be one of info, error");
    const badProvider = clone(provider());
    at(badProvider, "spec").commitStatusExpr = "event.metadata.id";
    expectProblem(validateCustomResource(badProvider), "spec.commitStatusExpr is only supported for");
  });
});

describe("CEL support", () => {
  it("compiles every rule of every served version (no unsupported rule)", () => {
    for (const sample of [fluxInstance(), externalSecret(), clusterSecretStore(), receiver(), provider(), alert()]) {
      expect(validateCustomResource(sample)).toEqual([]);
    }
    expect(unsupportedCelRules()).toEqual([]);
  });
});
