/**
 * Whole specs, as the cluster will receive them: literal expected objects, so a changed or dropped
 * field fails (a spot check of two fields would not). Config values the specs read are given
 * distinct values here, so reading the wrong key fails too.
 */
import { describe, expect, it } from "vitest";
import { newWorld, readStackConfig, RegisteredResource } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const managedBy = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "gitops-bootstrap" };
const externalSecretType = "kubernetes:external-secrets.io/v1:ExternalSecret";
const byObjectName = (resources: readonly RegisteredResource[], namespace: string, name: string) => {
  const found = resources.filter((r) => {
    const metadata = r.inputs.metadata as { name?: string; namespace?: string };
    return metadata.name === name && metadata.namespace === namespace;
  });
  expect(found, `${namespace}/${name}`).toHaveLength(1);
  return found[0];
};

/** The stack file's value of a structured key, with some fields replaced. */
function stackValue(stack: string, key: string, changes: Record<string, unknown>): Record<string, unknown> {
  return { ...(readStackConfig(stack)[`gitops-bootstrap:${key}`] as Record<string, unknown>), ...changes };
}

describe("ExternalSecret manifests, whole", () => {
  it("an app's ExternalSecret (staging podinfo: the stack-wide refresh interval)", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const podinfo = byObjectName(run.ofType(externalSecretType), "podinfo", "podinfo-secrets");
    expect(podinfo.inputs).toEqual({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: {
        name: "podinfo-secrets",
        namespace: "podinfo",
        labels: managedBy,
        annotations: { "pulumi.com/waitFor": "condition=Ready" },
      },
      spec: {
        refreshInterval: "15m",
        secretStoreRef: { kind: "SecretStore", name: "vault-backend" },
        target: {
          name: "podinfo-secrets",
          creationPolicy: "Owner",
          deletionPolicy: "Retain",
          template: { type: "Opaque", metadata: { labels: { "app.kubernetes.io/name": "podinfo" } } },
        },
        dataFrom: [{ extract: { key: "clusters/staging/apps/podinfo" } }],
      },
    });
    // Pulumi waits as long as timeouts.ready (5m) for it to be Ready.
    expect(podinfo.customTimeouts).toEqual({ create: "300s", update: "300s", delete: "" });
  });

  it("an app's own refresh interval and store name win over the stack-wide ones (prod grafana)", async () => {
    const run = await runProgram({
      stack: "prod",
      config: { externalSecrets: stackValue("prod", "externalSecrets", { storeName: "kv-store", refreshInterval: "2h" }) },
      env: firstRunEnv(),
      world: newWorld(),
    });
    const grafana = byObjectName(run.ofType(externalSecretType), "monitoring", "grafana-secrets");
    expect(grafana.inputs.spec).toEqual({
      refreshInterval: "30m",
      secretStoreRef: { kind: "SecretStore", name: "kv-store" },
      target: {
        name: "grafana-secrets",
        creationPolicy: "Owner",
        deletionPolicy: "Retain",
        template: { type: "Opaque", metadata: { labels: { "app.kubernetes.io/name": "grafana" } } },
      },
      dataFrom: [{ extract: { key: "clusters/prod/apps/grafana" } }],
    });
    expect((byObjectName(run.ofType(externalSecretType), "podinfo", "podinfo-secrets").inputs.spec as { refreshInterval: string }).refreshInterval).toBe("2h");
  });

  it("Flux's git auth secret: the deploy key's KV path, into flux-system, no template", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const gitAuth = run.one(externalSecretType, "flux-git-auth-v1");
    expect(gitAuth.inputs).toEqual({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: {
        name: "flux-git-auth-v1",
        namespace: "flux-system",
        labels: managedBy,
        annotations: { "pulumi.com/waitFor": "condition=Ready" },
      },
      spec: {
        refreshInterval: "15m",
        secretStoreRef: { kind: "SecretStore", name: "vault-backend" },
        target: { name: "flux-git-auth-v1", creationPolicy: "Owner", deletionPolicy: "Retain" },
        dataFrom: [{ extract: { key: "clusters/staging/flux/git-auth-v1" } }],
      },
    });
  });
});

describe("FluxInstance spec, whole, with every field from its own key", () => {
  // github.path and vault.pathPrefix differ, as do networkPolicy and multitenant, syncInterval and
  // externalSecrets.refreshInterval: a spec that reads the wrong key cannot come out right.
  const cases = [
    {
      stack: "staging",
      branch: "release",
      path: "clusters/staging-sync",
      pathPrefix: "kv/staging-prefix",
      flux: { networkPolicy: false, multitenant: true, clusterSize: "medium", syncInterval: "7m", registry: "registry.example/fluxcd" },
      components: ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"],
      pullSecret: "flux-git-auth-v1",
    },
    {
      stack: "prod",
      branch: "production",
      path: "clusters/prod-sync",
      pathPrefix: "kv/prod-prefix",
      flux: { networkPolicy: false, multitenant: true, clusterSize: "large", syncInterval: "11m", registry: "ghcr.io/fluxcd" },
      components: [
        "source-controller",
        "kustomize-controller",
        "helm-controller",
        "notification-controller",
        "image-reflector-controller",
        "image-automation-controller",
      ],
      pullSecret: "flux-git-auth-v1",
    },
  ];

  it.each(cases)("$stack", async ({ stack, branch, path, pathPrefix, flux, components, pullSecret }) => {
    const world = newWorld();
    world.githubTrees.set(`fleet@${branch}`, [`${path}/kustomization.yaml`]);
    const run = await runProgram({
      stack,
      config: {
        github: stackValue(stack, "github", { branch, path }),
        vault: stackValue(stack, "vault", { pathPrefix }),
        flux: stackValue(stack, "flux", flux),
        externalSecrets: stackValue(stack, "externalSecrets", { refreshInterval: "13m" }),
      },
      env: firstRunEnv(),
      world,
    });
    const instance = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    expect(instance.inputs.metadata).toEqual({
      name: "flux",
      namespace: "flux-system",
      labels: managedBy,
      annotations: {
        "fluxcd.controlplane.io/reconcileEvery": "1h",
        "fluxcd.controlplane.io/reconcileTimeout": "5m",
        "pulumi.com/waitFor": "condition=Ready",
      },
    });
    expect(instance.inputs.spec).toEqual({
      distribution: { version: "2.9.x", registry: flux.registry },
      components,
      cluster: { type: "kubernetes", size: flux.clusterSize, multitenant: true, networkPolicy: false, domain: "cluster.local" },
      sync: {
        name: "flux-system",
        kind: "GitRepository",
        url: "ssh://git@github.com/acme-platform/fleet.git",
        ref: `refs/heads/${branch}`,
        path,
        interval: flux.syncInterval,
        pullSecret,
      },
    });
    expect(run.outputs.fluxSync.value).toEqual({
      url: "ssh://git@github.com/acme-platform/fleet.git",
      ref: `refs/heads/${branch}`,
      path,
      pullSecret: `flux-system/${pullSecret}`,
    });
    // The KV paths follow vault.pathPrefix, not github.path.
    expect(run.one("vault:kv/secretV2:SecretV2", "flux-git-auth-v1").inputs.name).toBe(`${pathPrefix}/flux/git-auth-v1`);
  });
});

describe("Helm values that matter", () => {
  it("ESO installs its CRDs and runs as the service account Vault's role is bound to", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const eso = run.one("kubernetes:helm.sh/v3:Release", "external-secrets");
    expect(eso.inputs).toMatchObject({
      name: "external-secrets",
      chart: "external-secrets",
      version: "2.9.0",
      repositoryOpts: { repo: "https://charts.external-secrets.io" },
      namespace: "external-secrets",
    });
    // external-secrets chart 2.9.0 values.yaml: installCRDs, serviceAccount.{create,name}.
    expect(eso.inputs.values).toEqual({ installCRDs: true, serviceAccount: { create: true, name: "external-secrets" } });
  });

  it("the Flux operator comes from its OCI chart, with no repository and no values", async () => {
    const run = await runProgram({ stack: "prod", env: firstRunEnv(), world: newWorld() });
    const operator = run.one("kubernetes:helm.sh/v3:Release", "flux-operator");
    expect(operator.inputs).toMatchObject({
      name: "flux-operator",
      chart: "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator",
      version: "0.58.1",
      namespace: "flux-system",
      createNamespace: false,
      atomic: true,
      skipAwait: false,
      timeout: 900,
    });
    expect(operator.inputs.repositoryOpts).toBeUndefined();
    expect(operator.inputs.values).toBeUndefined();
  });
});

describe("custom resources wait for Flux's CRDs", () => {
  it("each notification Provider depends on the FluxInstance directly, and each Alert on its Provider", async () => {
    const run = await runProgram({
      stack: "prod",
      config: { notifications: { slack: true, discord: true, severity: "error", channel: "platform-alerts" } },
      env: firstRunEnv(),
      world: newWorld(),
    });
    const flux = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    const providers = run.ofType("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider");
    expect(providers.map((p) => p.name).sort()).toEqual(["notifications-discord", "notifications-slack"]);
    for (const provider of providers) {
      // A direct edge: the Provider's other dependencies (its address ExternalSecret, the store)
      // do not wait for Flux, so nothing else would hold it back until the CRDs exist.
      expect(provider.dependencies, provider.name).toContain(flux.urn);
      const alert = run.one("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert", `${provider.name}-alert`);
      expect(alert.dependencies, alert.name).toContain(provider.urn);
    }
  });
});
