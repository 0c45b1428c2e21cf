import { describe, expect, it } from "vitest";
import { parseConfig } from "../components/config";
import { externalSecretManifest, namespaceStoreManifest } from "../components/externalSecrets";
import { externalSecretsChartProblem, fluxDistributionProblem } from "../components/validation";
import {
  externalSecretsApi,
  fluxBundledBy,
  fluxFirstBundledBy,
  matchesFluxVersion,
  newestCheckedFluxOperator,
  vaultChartAppVersions,
} from "../components/versions";
import { problemsOf, stackSource } from "./support/configFixtures";
import { readStackConfig } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const keys = { operator: "gitops-bootstrap:flux.operatorChartVersion", distribution: "gitops-bootstrap:flux.distributionVersion" };


describe("version facts (flux-operator config/data/flux, ESO CRDs, vault-helm Chart.yaml)", () => {
  it("knows which flux-operator release first bundles each Flux minor", () => {
    expect(fluxFirstBundledBy["2.7.0"]).toBe("0.30.0");
    expect(fluxFirstBundledBy["2.8.0"]).toBe("0.42.0");
    expect(fluxFirstBundledBy["2.9.0"]).toBe("0.53.0");
    expect(fluxFirstBundledBy["2.8.4"]).toBeUndefined();
    expect(newestCheckedFluxOperator).toBe("0.58.1");
  });

  it("knows what a release bundles: 0.33.0 stops at 2.7.3, 0.58.1 has 2.2.3 … 2.9.4", () => {
    expect(fluxBundledBy("0.29.0").at(-1)).toBe("2.6.4");
    expect(fluxBundledBy("0.33.0").at(-1)).toBe("2.7.3");
    expect(fluxBundledBy("0.41.1").at(-1)).toBe("2.7.5");
    expect(fluxBundledBy("0.42.0").at(-1)).toBe("2.8.0");
    expect(fluxBundledBy("0.58.1")).toEqual([
      "2.2.3", "2.3.0", "2.4.0", "2.5.0", "2.5.1", "2.6.0", "2.6.1", "2.6.2", "2.6.3", "2.6.4",
      "2.7.0", "2.7.1", "2.7.2", "2.7.3", "2.7.4", "2.7.5",
      "2.8.0", "2.8.1", "2.8.2", "2.8.3", "2.8.5", "2.8.6", "2.8.7", "2.8.8",
      "2.9.0", "2.9.1", "2.9.2", "2.9.3", "2.9.4",
    ]);
  });

  it("matches distribution versions as the operator does", () => {
    expect(matchesFluxVersion("2.8.x", "2.8.3")).toBe(true);
    expect(matchesFluxVersion("2.8.x", "2.9.0")).toBe(false);
    expect(matchesFluxVersion("2.x.x", "2.9.0")).toBe(true);
    expect(matchesFluxVersion("2.8.1", "2.8.1")).toBe(true);
    expect(matchesFluxVersion("2.8.1", "2.8.10")).toBe(false);
  });

  it("knows the External Secrets API the charts serve and the Vault each chart installs", () => {
    expect(externalSecretsApi).toEqual({ apiVersion: "external-secrets.io/v1", firstServedByChart: "0.16.0" });
    expect(vaultChartAppVersions["0.31.0"]).toBe("1.20.4");
  });

  it("the program writes the served ESO API version", () => {
    const store = namespaceStoreManifest({ storeName: "s", namespace: "n", server: "http://v", kvMount: "kv", authMount: "k", role: "r" });
    const secret = externalSecretManifest({ namespace: "n", secretName: "s", storeName: "s", refreshInterval: "1h", vaultPath: "p" });
    expect([store.apiVersion, secret.apiVersion]).toEqual(["external-secrets.io/v1", "external-secrets.io/v1"]);
  });

  it("the committed stacks pin versions the tables know, and Vault runs the chart's own Vault version", async () => {
    for (const stack of ["staging", "prod"]) {
      const config = readStackConfig(stack) as Record<string, { operatorChartVersion?: string; distributionVersion?: string; chartVersion?: string }>;
      expect(fluxDistributionProblem(String(config["gitops-bootstrap:flux"].operatorChartVersion), String(config["gitops-bootstrap:flux"].distributionVersion), keys)).toBeUndefined();
      expect(vaultChartAppVersions[String(config["gitops-bootstrap:vault"].chartVersion)]).toBe("1.20.4");
    }
    const run = await runProgram({ stack: "staging", env: firstRunEnv() });
    // No image override: the server runs the version the pinned chart installs (vaultChartAppVersions).
    const values = run.one("kubernetes:helm.sh/v3:Release", "vault").inputs.values as { server: Record<string, unknown> };
    expect(values.server.image).toBeUndefined();
    expect(run.ofType("kubernetes:batch/v1:Job")).toEqual([]);
  });
});

describe("config refuses versions that cannot work together", () => {
  it("refuses an operator that does not bundle the Flux version, naming both keys and what would work", () => {
    expect(problemsOf(() => parseConfig(stackSource("staging", { flux: { operatorChartVersion: "0.33.0", distributionVersion: "2.8.x" } })))).toEqual([
      'gitops-bootstrap:flux.distributionVersion: flux-operator 0.33.0 (gitops-bootstrap:flux.operatorChartVersion) bundles Flux 2.2.3 … 2.7.3 only, ' +
        'so Flux "2.8.x" would never install (the FluxInstance never becomes Ready). Set gitops-bootstrap:flux.operatorChartVersion to 0.42.0 or newer, ' +
        'or set gitops-bootstrap:flux.distributionVersion to one it bundles ("2.7.x", "2.6.x", "2.5.x", "2.4.x", "2.3.x", "2.2.x")',
    ]);
  });

  it("accepts the smallest operator that bundles the version, and exact bundled versions", () => {
    expect(fluxDistributionProblem("0.42.0", "2.8.x", keys)).toBeUndefined();
    expect(fluxDistributionProblem("0.41.1", "2.8.x", keys)).toMatch(/^flux-operator 0\.41\.1 .* bundles Flux 2\.2\.3 … 2\.7\.5 only/);
    expect(fluxDistributionProblem("0.53.0", "2.9.0", keys)).toBeUndefined();
    expect(fluxDistributionProblem("0.53.0", "2.9.1", keys)).toMatch(/Set gitops-bootstrap:flux\.operatorChartVersion to 0\.54\.0 or newer/);
  });

  it("names a version no release bundles", () => {
    expect(fluxDistributionProblem("0.58.1", "2.8.4", keys)).toBe(
      'no flux-operator release bundles Flux "2.8.4", so the FluxInstance would never become Ready; set it to one that flux-operator 0.58.1 ' +
        '(gitops-bootstrap:flux.operatorChartVersion) bundles: "2.9.x", "2.8.x", "2.7.x", "2.6.x", "2.5.x", "2.4.x", "2.3.x", "2.2.x"',
    );
  });

  it("asks for the table to be updated for a newer operator and an unknown Flux version", () => {
    expect(fluxDistributionProblem("0.60.0", "2.9.x", keys)).toBeUndefined();
    expect(fluxDistributionProblem("0.60.0", "2.10.x", keys)).toMatch(
      /^"2\.10\.x" is not a Flux version components\/versions\.ts knows \(checked up to flux-operator 0\.58\.1\): add what flux-operator 0\.60\.0 \(gitops-bootstrap:flux\.operatorChartVersion\) bundles there \(config\/data\/flux at tag v0\.60\.0\)/,
    );
  });

  it("refuses an External Secrets chart that does not serve external-secrets.io/v1", () => {
    expect(externalSecretsChartProblem("0.16.0")).toBeUndefined();
    expect(externalSecretsChartProblem("2.9.0")).toBeUndefined();
    expect(problemsOf(() => parseConfig(stackSource("prod", { externalSecrets: { chartVersion: "0.15.1" } })))).toEqual([
      "gitops-bootstrap:externalSecrets.chartVersion: chart 0.15.1 does not serve external-secrets.io/v1, which this program writes: use 0.16.0 or newer (v1beta1 stopped being served in 0.17.0)",
    ]);
  });
});
