import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../components/config";
import { pemCertificateProblem } from "../components/validation";
import { stackSource } from "./support/configFixtures";
import { readFileSync } from "node:fs";
import * as path from "node:path";

function problemsOf(overrides: Record<string, unknown>): string[] {
  try {
    parseConfig(stackSource("staging", overrides));
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const testCa = readFileSync(path.join(__dirname, "fixtures", "test-ca.pem"), "utf8");
const inCluster = { mode: "in-cluster", address: "https://vault.staging.acme.example", pathPrefix: "clusters/staging" };
const external = { mode: "external", address: "https://vault.acme.example", pathPrefix: "clusters/x", kubernetesHost: "https://k8s.acme.example:6443" };
const webhook = { host: "flux-webhook.staging.acme.example", rotation: 1 };

describe("Vault trust, unseal and seal config", () => {
  it("requires a certificate source for an in-cluster Vault behind the Ingress, naming the key", () => {
    expect(problemsOf({ vault: inCluster })).toEqual([
      expect.stringMatching(/^gitops-bootstrap:vault\.tls: needs secretName .* or certManagerIssuer .*self-signed default certificate/),
    ]);
    expect(problemsOf({ vault: { ...inCluster, tls: { caCertificate: testCa } } })).toHaveLength(1);
    expect(problemsOf({ vault: { ...inCluster, tls: { secretName: "vault-tls" } } })).toEqual([]);
    expect(problemsOf({ vault: { ...inCluster, tls: { certManagerIssuer: "letsencrypt" } } })).toEqual([]);
    // A port-forward needs no certificate.
    expect(problemsOf({ vault: { ...inCluster, address: "http://127.0.0.1:8200" } })).toEqual([]);
  });

  it("accepts a PEM CA and refuses anything else without echoing it", () => {
    expect(pemCertificateProblem(testCa)).toBeUndefined();
    expect(problemsOf({ vault: { ...external, tls: { caCertificate: testCa } } })).toEqual([]);
    const broken = "-----BEGIN CERTIFICATE-----\nnot-base64-der\n-----END CERTIFICATE-----";
    for (const bad of ["not a certificate", broken]) {
      const problems = problemsOf({ vault: { ...external, tls: { caCertificate: bad } } });
      expect(problems).toEqual([expect.stringMatching(/^gitops-bootstrap:vault\.tls\.caCertificate: must be one or more PEM certificates/)]);
      expect(problems[0]).not.toContain(bad);
    }
  });

  it("takes shares and threshold from config, as Vault accepts them", () => {
    expect(parseConfig(stackSource("staging")).vault.unseal).toEqual({ shares: 1, threshold: 1 });
    expect(parseConfig(stackSource("prod")).vault.unseal).toEqual({ shares: 5, threshold: 3 });
    expect(problemsOf({ vault: { ...inCluster, tls: { secretName: "t" }, unseal: { shares: 3, threshold: 4 } } })).toEqual([
      "gitops-bootstrap:vault.unseal.threshold: must be at most shares (3)",
    ]);
    expect(problemsOf({ vault: { ...inCluster, tls: { secretName: "t" }, unseal: { shares: 3, threshold: 1 } } })).toEqual([
      "gitops-bootstrap:vault.unseal.threshold: must be at least 2 when shares is more than 1",
    ]);
    expect(problemsOf({ vault: { ...inCluster, tls: { secretName: "t" }, unseal: { shares: 0, threshold: 0 } } })).toHaveLength(2);
  });

  it("keeps in-cluster-only settings out of external mode", () => {
    const seal = { type: "transit", address: "https://t.example", keyName: "k", tokenSecretName: "transit-token" };
    expect(problemsOf({ vault: { ...external, seal, tls: { secretName: "x", certManagerIssuer: "y" } } }).sort()).toEqual([
      'gitops-bootstrap:vault.seal: applies only when mode is "in-cluster"',
      'gitops-bootstrap:vault.tls.certManagerIssuer: applies only when mode is "in-cluster" (an external Vault serves its own certificate)',
      'gitops-bootstrap:vault.tls.secretName: applies only when mode is "in-cluster" (an external Vault serves its own certificate)',
    ]);
    expect(parseConfig(stackSource("staging", { vault: { ...inCluster, tls: { secretName: "t" }, seal } })).vault.seal).toEqual({ ...seal, mountPath: "transit" });
    expect(problemsOf({ vault: { ...inCluster, tls: { secretName: "t" }, seal: { type: "awskms" } } })[0]).toMatch(/^gitops-bootstrap:vault\.seal\.type:/);
  });

  it("checks the shape of vaultExistingInit without echoing it", () => {
    const env = (value: string) => {
      try {
        parseConfig(stackSource("staging", {}, { VAULT_EXISTING_INIT: value }));
        return [];
      } catch (error) {
        return error instanceof ConfigError ? [...error.problems] : [String(error)];
      }
    };
    expect(env(JSON.stringify({ rootToken: "hvs.old-root", unsealKeys: ["a2V5"] }))).toEqual([]);
    for (const bad of ["hvs.not-json", JSON.stringify({ unsealKeys: ["a2V5"] }), JSON.stringify({ rootToken: "hvs.x", keys: ["k"] }), JSON.stringify({ rootToken: "hvs.x", unsealKeys: [1] })]) {
      const problems = env(bad);
      expect(problems).toEqual([expect.stringMatching(/^gitops-bootstrap:vaultExistingInit: must be JSON \{"rootToken"/)]);
      expect(problems[0]).not.toContain("hvs.");
    }
    expect(parseConfig(stackSource("staging")).vault.existingInit).toBeUndefined();
  });

  it("requires the webhook to serve a certificate GitHub trusts", () => {
    expect(problemsOf({ webhook })).toEqual([
      expect.stringMatching(/^gitops-bootstrap:webhook\.tlsSecretName: or certManagerIssuer is required: GitHub only delivers to a publicly trusted certificate/),
    ]);
    expect(problemsOf({ webhook: { ...webhook, certManagerIssuer: "letsencrypt" } })).toEqual([]);
    expect(problemsOf({ webhook: { ...webhook, tlsSecretName: "hook-tls" } })).toEqual([]);
  });
});
