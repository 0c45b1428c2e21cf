/**
 * The validators at their boundaries, and the exact words each error gives a user (the messages
 * are the interface: config.ts prints them as they are).
 */
import { describe, expect, it } from "vitest";
import {
  cidrProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  durationProblem,
  durationSeconds,
  gitBranchProblem,
  githubOwnerProblem,
  githubRepositoryProblem,
  hostnameProblem,
  managedNamespaceProblem,
  reachableUrlProblem,
  repositoryPathProblem,
  secretKeyProblem,
  urlProblem,
} from "../components/validation";

describe("Kubernetes names", () => {
  it("labels: at most 63, and the message for each way to fail", () => {
    expect(dns1123LabelProblem("a".repeat(63))).toBeUndefined();
    expect(dns1123LabelProblem("a".repeat(64))).toBe("must be at most 63 characters (got 64)");
    expect(dns1123LabelProblem("Flux")).toBe(
      `must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (got "Flux")`,
    );
  });

  it("subdomains: at most 253, dots between labels, each label starting and ending alphanumeric", () => {
    for (const valid of ["a", "a.b", "a-1.b-2.c", "webhook.example.com", "a".repeat(253)]) expect(dns1123SubdomainProblem(valid), valid).toBeUndefined();
    for (const invalid of ["-a", "a-", "a.-b", "a.b-", "a..b", ".a", "a.", "a_b", "a.b_c", "A.b"]) expect(dns1123SubdomainProblem(invalid), invalid).toBeDefined();
    expect(dns1123SubdomainProblem("a".repeat(254))).toBe("must be at most 253 characters (got 254)");
    expect(dns1123SubdomainProblem("Web_hook")).toBe(`must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.' (got "Web_hook")`);
  });

  it("managed namespaces: never one Kubernetes creates itself, else a label", () => {
    expect(managedNamespaceProblem("flux-system")).toBeUndefined();
    expect(managedNamespaceProblem("kube-node-lease")).toBe(
      `must not be a namespace Kubernetes creates itself (default, kube-system, kube-public, kube-node-lease): this stack would try to create and later delete it (got "kube-node-lease")`,
    );
    expect(managedNamespaceProblem("Apps")).toBe(dns1123LabelProblem("Apps"));
    expect(managedNamespaceProblem("Apps")).toBeDefined();
  });

  it("secret keys", () => {
    expect(secretKeyProblem("tls.crt")).toBeUndefined();
    expect(secretKeyProblem("k".repeat(254))).toBeDefined();
    expect(secretKeyProblem("a/b")).toBe(`must be a Kubernetes Secret key: letters, digits, '-', '_' and '.' (got "a/b")`);
  });
});

describe("GitHub names", () => {
  it("owners", () => {
    expect(githubOwnerProblem("a".repeat(39))).toBeUndefined();
    expect(githubOwnerProblem("acme_platform")).toBe(
      `must be a GitHub user or organisation name: letters, digits and single hyphens, not starting or ending with '-', at most 39 characters (got "acme_platform")`,
    );
  });

  it("repositories: not '.', '..' or empty; '.git' named as such", () => {
    for (const invalid of [".", "..", "", "x".repeat(101)]) {
      expect(githubRepositoryProblem(invalid), invalid).toBe(
        `must be a GitHub repository name: letters, digits, '.', '-' and '_' only, at most 100 characters (got "${invalid}")`,
      );
    }
    expect(githubRepositoryProblem(".github")).toBeUndefined();
    expect(githubRepositoryProblem("fleet.git")).toBe(`must be the repository name without ".git" (got "fleet.git")`);
  });

  it("branches: every rule of git check-ref-format that applies", () => {
    for (const valid of ["main", "release/1.2", "a.b", "feature@x", "x-"]) expect(gitBranchProblem(valid), valid).toBeUndefined();
    const invalid = ["", "a\u0001b", "a\u0001", "a\u007f", "a//b", "a@{b", "@", "main/", "/main", "main.", "-main", "a..b", "x.lock", "refs/x", "a[b", "a\\b", "a*b", "a?b", "a^b"];
    for (const value of invalid) expect(gitBranchProblem(value), JSON.stringify(value)).toBeDefined();
    expect(gitBranchProblem("main/")).toBe(
      `must be a git branch name without spaces, '..', '~', '^', ':', '?', '*', '[' or '\\', not starting with '-', '/' or 'refs/' (got "main/")`,
    );
  });
});

describe("paths, durations, hosts, URLs, CIDRs", () => {
  it("repository paths: './' is stripped before looking for '..'; only the allowed characters, from start to end", () => {
    expect(repositoryPathProblem("./clusters/prod")).toBeUndefined();
    expect(repositoryPathProblem("clusters/a..b")).toBeUndefined();
    for (const invalid of ["./../secrets", "clusters/..", "$clusters", "clusters$", "clusters/x y", "/abs"]) {
      expect(repositoryPathProblem(invalid), invalid).toBeDefined();
    }
    expect(repositoryPathProblem("$clusters")).toBe(
      `must be a relative path in the repository such as "clusters/staging": letters, digits, '.', '_', '-' and '/', no spaces, no leading '/', no '..' (got "$clusters")`,
    );
  });

  it("durations: Go syntax, longer than zero, fractions summed exactly", () => {
    expect(durationSeconds("1.25h")).toBe(4500);
    expect(durationSeconds("2h45m30s")).toBe(9930);
    expect(durationSeconds("1.5s500ms")).toBe(2);
    for (const valid of ["1.25h", "2h45m30s", "10ms", "100m"]) expect(durationProblem(valid), valid).toBeUndefined();
    for (const invalid of ["x1m", "1mx", "1.m", ".5m", "1m 2s"]) expect(durationProblem(invalid), invalid).toBeDefined();
    expect(durationProblem("1 hour")).toBe(`must be a duration such as "30s", "10m" or "1h30m" (units ms, s, m, h; no spaces) (got "1 hour")`);
    expect(durationProblem("0m0s")).toBe(`must be longer than zero (got "0m0s")`);
  });

  it("host names: lowercase labels with at least one dot, at most 253, no scheme or path", () => {
    const longest = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".");
    expect(longest).toHaveLength(253);
    for (const valid of ["a.b", "x.io", "flux-webhook.a.example.com", longest]) expect(hostnameProblem(valid), valid).toBeUndefined();
    for (const invalid of [`${longest}e`, "flux.example.com/hook", "flux.example.com:443", "-a.b", "a.b-", "Flux.example.com"]) {
      expect(hostnameProblem(invalid), invalid).toBeDefined();
    }
    expect(hostnameProblem("single")).toBe(`must be a lowercase DNS host name such as "flux-webhook.example.com", without scheme or path (got "single")`);
  });

  it("URLs for in-cluster consumers: http or https only", () => {
    expect(urlProblem("http://vault.vault.svc:8200")).toBeUndefined();
    expect(urlProblem("https://vault.example.com")).toBeUndefined();
    // A URL that parses is named by its scheme only (the rest may carry credentials); one that does not, whole.
    for (const [invalid, shown] of [
      ["ftp://vault.example.com", "ftp:"],
      ["vault.vault.svc:8200", "vault.vault.svc:"],
      ["not a url", "not a url"],
    ]) {
      expect(urlProblem(invalid), invalid).toBe(`must be an http(s) URL such as "http://vault.vault.svc:8200" (got "${shown}")`);
    }
  });

  it("URLs pulumi itself must reach", () => {
    expect(reachableUrlProblem("vault")).toBe(`must be an http(s) URL such as "https://vault.example.com:8200" (got "vault")`);
    expect(reachableUrlProblem("ftp://vault.example.com")).toBe(`must use http or https (got "ftp:")`);
    expect(reachableUrlProblem("http://vault.vault.svc:8200")).toBe(
      `must be reachable from the machine that runs pulumi (an Ingress, load balancer or port-forward such as "http://127.0.0.1:8200"), not the in-cluster address "vault.vault.svc"`,
    );
  });

  it("CIDRs: four octets up to 255 each, a prefix up to 32, nothing around them", () => {
    for (const valid of ["0.0.0.0/0", "255.255.255.255/32", "10.42.100.0/16", "10.42.0.100/24", "100.64.0.0/10"]) expect(cidrProblem(valid), valid).toBeUndefined();
    for (const invalid of ["256.0.0.0/8", "10.256.0.0/16", "10.0.256.0/16", "10.0.0.256/16", "10.0.0.0/33", "x10.0.0.0/8", "10.0.0.0/8x", "10.0.0/8", "10.0.0.0"]) {
      expect(cidrProblem(invalid), invalid).toBeDefined();
    }
    expect(cidrProblem("10.0.0.0")).toBe(`must be an IPv4 CIDR such as "10.42.0.0/16" (got "10.0.0.0")`);
  });
});
