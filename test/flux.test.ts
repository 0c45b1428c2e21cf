import { describe, expect, it } from "vitest";
import { fluxInstanceManifest, syncUrl } from "../components/flux";
import { githubKnownHosts } from "../components/deployKey";
import { newWorld, ProgramRun } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

type Spec = {
  distribution: { version: string; registry: string };
  components: string[];
  cluster: { size: string; networkPolicy: boolean; multitenant: boolean };
  sync: Record<string, unknown>;
};
const fluxSpec = (run: ProgramRun) => run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance").inputs.spec as Spec;

describe("FluxInstance", () => {
  it("syncs staging from its path with the ESO-managed pull secret", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const flux = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    expect(flux.inputs.metadata).toMatchObject({ name: "flux", namespace: "flux-system" });
    expect(fluxSpec(run)).toMatchObject({
      distribution: { version: "2.9.x", registry: "ghcr.io/fluxcd" },
      components: ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"],
      cluster: { type: "kubernetes", size: "small", networkPolicy: true, multitenant: false, domain: "cluster.local" },
      sync: {
        name: "flux-system",
        kind: "GitRepository",
        url: "ssh://git@github.com/acme-platform/fleet.git",
        ref: "refs/heads/main",
        path: "clusters/staging",
        interval: "1m",
        pullSecret: "flux-git-auth-v1",
      },
    });
    expect(fluxSpec(run).sync.provider).toBeUndefined();
    expect(run.outputs.fluxSync.value).toEqual({
      url: "ssh://git@github.com/acme-platform/fleet.git",
      ref: "refs/heads/main",
      path: "clusters/staging",
      pullSecret: "flux-system/flux-git-auth-v1",
    });
    const operator = run.one("kubernetes:helm.sh/v3:Release", "flux-operator");
    expect(operator.inputs).toMatchObject({ chart: "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator", version: "0.58.1", namespace: "flux-system" });
    expect(operator.inputs.repositoryOpts).toBeUndefined();
  });

  it("runs prod larger, slower and with image automation", async () => {
    const run = await runProgram({ stack: "prod", env: firstRunEnv(), world: newWorld() });
    const spec = fluxSpec(run);
    expect(spec.components).toEqual(expect.arrayContaining(["image-reflector-controller", "image-automation-controller"]));
    expect(spec.cluster.size).toBe("large");
    expect(spec.sync).toMatchObject({ path: "clusters/prod", interval: "10m" });
  });

  it("uses HTTPS and provider github for GitHub App auth", () => {
    expect(syncUrl("acme", "fleet", "app")).toBe("https://github.com/acme/fleet.git");
    const manifest = fluxInstanceManifest({
      distributionVersion: "2.9.x",
      registry: "ghcr.io/fluxcd",
      components: ["source-controller"],
      clusterSize: "small",
      multitenant: false,
      networkPolicy: true,
      owner: "acme",
      repository: "fleet",
      branch: "main",
      path: "clusters/x",
      syncInterval: "5m",
      auth: { kind: "app", pullSecretName: "flux-github-app" },
    });
    expect(manifest.spec.sync).toMatchObject({ provider: "github", url: "https://github.com/acme/fleet.git", pullSecret: "flux-github-app" });
  });
});

describe("GitHub", () => {
  it("scopes the provider to the configured owner", async () => {
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    expect(run.one("pulumi:providers:github").inputs.owner).toBe("acme-platform");
  });

  it("registers a read-only deploy key in staging, read-write only where image automation runs (prod)", async () => {
    const staging = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const stagingKey = staging.one("github:index/repositoryDeployKey:RepositoryDeployKey");
    expect(stagingKey.inputs).toMatchObject({ repository: "fleet", readOnly: true, title: "flux-staging-v1" });
    expect(String(stagingKey.inputs.key)).toMatch(/^ssh-ed25519 /);
    expect(staging.one("tls:index/privateKey:PrivateKey").inputs).toMatchObject({ algorithm: "ED25519" });
    const prod = await runProgram({ stack: "prod", env: firstRunEnv(), world: newWorld() });
    expect(prod.one("github:index/repositoryDeployKey:RepositoryDeployKey").inputs.readOnly).toBe(false);
  });

  it("supports ECDSA keys", async () => {
    const run = await runProgram({
      stack: "staging",
      config: { github: { owner: "acme-platform", repository: "fleet", path: "clusters/staging", deployKey: { algorithm: "ECDSA" } } },
      env: firstRunEnv(),
      world: newWorld(),
    });
    expect(run.one("tls:index/privateKey:PrivateKey").inputs).toMatchObject({ algorithm: "ECDSA", ecdsaCurve: "P256" });
  });

  it("gives Flux GitHub's ECDSA host key, which current Flux accepts", async () => {
    expect(githubKnownHosts).toBe(
      "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
    );
    const run = await runProgram({ stack: "staging", env: firstRunEnv(), world: newWorld() });
    const gitAuth = JSON.parse(String(run.one("vault:kv/secretV2:SecretV2", "flux-git-auth-v1").inputs.dataJson)) as Record<string, string>;
    expect(gitAuth.known_hosts).toBe(githubKnownHosts);
    expect(gitAuth.identity).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    expect(gitAuth["identity.pub"]).toMatch(/^ssh-ed25519 /);
    expect(run.outputs.deployKeyFingerprint.value).toMatch(/^SHA256:/);
  });

  it("switches to a GitHub App: no deploy key, app credentials from Vault, provider github", async () => {
    const run = await runProgram({
      stack: "staging",
      config: { github: { owner: "acme-platform", repository: "fleet", path: "clusters/staging", auth: "app", app: { appId: 12345, installationId: 67890 } } },
      env: firstRunEnv(),
      world: newWorld(),
    });
    expect(run.ofType("tls:index/privateKey:PrivateKey")).toEqual([]);
    expect(run.ofType("github:index/repositoryDeployKey:RepositoryDeployKey")).toEqual([]);
    const app = JSON.parse(String(run.one("vault:kv/secretV2:SecretV2", "github-app").inputs.dataJson)) as Record<string, string>;
    expect(app).toEqual({ githubAppID: "12345", githubAppInstallationID: "67890", githubAppPrivateKey: firstRunEnv().GITHUB_APP_PRIVATE_KEY });
    const pullSecret = run.one("kubernetes:external-secrets.io/v1:ExternalSecret", "flux-github-app");
    expect((pullSecret.inputs.spec as { dataFrom: unknown }).dataFrom).toEqual([{ extract: { key: "clusters/staging/flux/github-app" } }]);
    expect(fluxSpec(run).sync).toMatchObject({ provider: "github", url: "https://github.com/acme-platform/fleet.git", pullSecret: "flux-github-app" });
    const flux = run.one("kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    expect(run.dependsOn(flux, pullSecret)).toBe(true);
    expect(run.outputs.deployKeyFingerprint.value).toBeUndefined();
  });
});
