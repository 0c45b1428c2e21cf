import { describe, expect, it } from "vitest";
import {
  appSecretEnvVar,
  cidrProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  durationProblem,
  durationSeconds,
  gitBranchProblem,
  githubOwnerProblem,
  githubRepositoryProblem,
  hostnameProblem,
  hostProblem,
  isClusterInternalHost,
  reachableUrlProblem,
  repositoryPathProblem,
  secretKeyProblem,
} from "../components/validation";

describe("validators", () => {
  it.each(["flux-system", "a", "app1", "x".repeat(63)])("accepts DNS-1123 label %s", (value) => {
    expect(dns1123LabelProblem(value)).toBeUndefined();
  });
  it.each(["Flux", "-a", "a-", "a_b", "a.b", "x".repeat(64), ""])("rejects DNS-1123 label %s", (value) => {
    expect(dns1123LabelProblem(value)).toMatch(/DNS-1123|at most 63/);
  });
  it.each(["10.20.0.11", "k8s.prod.acme.example", "Node1", "node-1.Example.com", "fd00::1", "::1"])("accepts host %s", (value) => {
    expect(hostProblem(value)).toBeUndefined();
  });
  it.each(["", "10.0.0.256", "1.2.3", "https://k8s.example.com", "k8s.example.com:6443", "k8s.example.com/x", "a b", "a\nb", "$'", "-a.example.com", "a..b", "a_b"])(
    "rejects host %j",
    (value) => {
      expect(hostProblem(value)).toMatch(/must be a (valid IPv4 address|host name or IP address)/);
    },
  );
  it("distinguishes subdomains from labels", () => {
    expect(dns1123SubdomainProblem("webhook.example.com")).toBeUndefined();
    expect(dns1123SubdomainProblem("Web_hook")).toMatch(/DNS-1123 subdomain/);
  });

  it.each([
    ["acme-platform", true],
    ["a", true],
    ["-acme", false],
    ["acme-", false],
    ["ac--me", false],
    ["acme platform", false],
    ["x".repeat(40), false],
  ])("GitHub owner %s valid=%s", (value, valid) => {
    expect(githubOwnerProblem(value) === undefined).toBe(valid);
  });

  it.each([
    ["fleet", true],
    ["fleet.infra_2-x", true],
    ["fleet.git", false],
    ["..", false],
    ["fle et", false],
    ["fleet/sub", false],
  ])("GitHub repository %s valid=%s", (value, valid) => {
    expect(githubRepositoryProblem(value) === undefined).toBe(valid);
  });

  it.each([
    ["main", true],
    ["release/2026.11", true],
    ["feature/x-1", true],
    ["main branch", false],
    ["a..b", false],
    ["-main", false],
    ["refs/heads/main", false],
    ["topic.lock", false],
    ["a~1", false],
    ["bad:colon", false],
  ])("branch %s valid=%s", (value, valid) => {
    expect(gitBranchProblem(value) === undefined).toBe(valid);
  });

  it.each([
    ["clusters/staging", true],
    ["./clusters/prod", true],
    ["clusters/my staging", false],
    ["/clusters/prod", false],
    ["clusters/../secrets", false],
    ["", false],
  ])("repository path %s valid=%s", (value, valid) => {
    expect(repositoryPathProblem(value) === undefined).toBe(valid);
  });

  it.each([
    ["1m", 60],
    ["1h30m", 5400],
    ["90s", 90],
    ["500ms", 0.5],
    ["1.5h", 5400],
  ])("duration %s = %s seconds", (value, seconds) => {
    expect(durationProblem(value)).toBeUndefined();
    expect(durationSeconds(value)).toBe(seconds);
  });
  it.each(["1 hour", "10", "1d", "m", "0s", "-1m", ""])("rejects duration %s", (value) => {
    expect(durationProblem(value)).toBeDefined();
  });

  it("knows cluster-internal hosts", () => {
    for (const host of ["vault.vault.svc", "vault.vault.svc.cluster.local", "vault", "x.cluster.local"]) {
      expect(isClusterInternalHost(host)).toBe(true);
    }
    for (const host of ["127.0.0.1", "localhost", "vault.example.com"]) {
      expect(isClusterInternalHost(host)).toBe(false);
    }
  });
  it("requires a reachable URL for the operator's side", () => {
    expect(reachableUrlProblem("http://127.0.0.1:8200")).toBeUndefined();
    expect(reachableUrlProblem("https://vault.example.com")).toBeUndefined();
    expect(reachableUrlProblem("http://vault.vault.svc:8200")).toMatch(/reachable from the machine that runs pulumi/);
    expect(reachableUrlProblem("vault.example.com")).toMatch(/http\(s\) URL/);
    expect(reachableUrlProblem("ftp://vault.example.com")).toMatch(/http or https/);
  });
  it("checks hostnames, CIDRs and secret keys", () => {
    expect(hostnameProblem("flux-webhook.example.com")).toBeUndefined();
    expect(hostnameProblem("https://flux-webhook.example.com")).toBeDefined();
    expect(hostnameProblem("single")).toBeDefined();
    expect(cidrProblem("10.42.0.0/16")).toBeUndefined();
    expect(cidrProblem("10.42.0.0/33")).toBeDefined();
    expect(cidrProblem("300.1.1.1/8")).toBeDefined();
    expect(secretKeyProblem("admin-password")).toBeUndefined();
    expect(secretKeyProblem("identity.pub")).toBeUndefined();
    expect(secretKeyProblem("has space")).toBeDefined();
  });
  it("names app secret variables predictably", () => {
    expect(appSecretEnvVar("podinfo", "api-key")).toBe("APP_PODINFO_API_KEY");
    expect(appSecretEnvVar("my-app", "tls.crt")).toBe("APP_MY_APP_TLS_CRT");
  });
});
