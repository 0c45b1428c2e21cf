import { describe, expect, it } from "vitest";
import {
  authMountProblem,
  appEnvVarCollisions,
  appNameCollisions,
  appSecretEnvVar,
  cidrProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  duplicateEntries,
  durationProblem,
  durationSeconds,
  gitBranchProblem,
  githubOwnerProblem,
  githubRepositoryProblem,
  hostnameProblem,
  hostProblem,
  isClusterInternalHost,
  inClusterUrlProblem,
  isLoopbackHost,
  kubernetesApiUrlProblem,
  kvMountProblem,
  kvPathPrefixProblem,
  reachableUrlProblem,
  registryProblem,
  repositoryPathProblem,
  secretKeyProblem,
  tenantNamespaceProblem,
  urlProblem,
  isBehindIngress,
  repeatedK3sHosts,
  vaultTrustProblems,
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

describe("hostile URLs", () => {
  it("knows loopback hosts as URL.hostname spells them", () => {
    for (const host of ["localhost", "vault.e2e.localhost", "127.0.0.1", "127.1.2.3", "[::1]"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["0.0.0.0", "10.0.0.1", "localhost.example.com", "127.0.0.1.example.com", "[::2]"]) expect(isLoopbackHost(host), host).toBe(false);
    expect(isClusterInternalHost("[::1]")).toBe(false);
  });

  it("sends a Vault token only over https, or plain http to loopback", () => {
    expect(reachableUrlProblem("http://[::1]:8200")).toBeUndefined();
    expect(reachableUrlProblem("http://localhost:8200")).toBeUndefined();
    expect(reachableUrlProblem("https://vault.example.com/prefix")).toBeUndefined();
    for (const url of ["http://vault.example.com", "http://10.0.0.5:8200", "http://0.0.0.0:8200", "http://localhost.example.com"]) {
      expect(reachableUrlProblem(url), url).toMatch(/must use https: the Vault token would cross the network in cleartext/);
    }
  });

  it("refuses credentials in every URL key, without echoing them", () => {
    const url = "https://admin:hunter2@vault.example.com";
    for (const problem of [reachableUrlProblem(url), urlProblem(url), kubernetesApiUrlProblem(url), urlProblem("http://token@vault.vault.svc:8200")]) {
      expect(problem).toMatch(/must not carry credentials/);
      expect(problem).not.toMatch(/hunter2|admin|token@/);
    }
    expect(reachableUrlProblem("https://vault.example.com/?token=hunter2")).toBe('must not carry a query or fragment ("?…", "#…")');
    expect(urlProblem("http://vault.vault.svc:8200#x")).toMatch(/query or fragment/);
  });

  it("wants https for the Kubernetes API Vault reviews tokens against", () => {
    expect(kubernetesApiUrlProblem("https://kubernetes.default.svc")).toBeUndefined();
    expect(kubernetesApiUrlProblem("http://127.0.0.1:6443")).toBeUndefined();
    expect(kubernetesApiUrlProblem("http://k8s.example.com:6443")).toMatch(/must use https: Vault sends service account tokens/);
  });

  it("lets ESO use plain http only inside the cluster", () => {
    expect(inClusterUrlProblem("http://vault.vault.svc:8200")).toBeUndefined();
    expect(inClusterUrlProblem("https://vault.example.com")).toBeUndefined();
    expect(inClusterUrlProblem("http://vault.example.com:8200")).toMatch(/must use https for a host outside the cluster/);
  });

  it("keeps mounts off the paths Vault reserves", () => {
    expect(kvMountProblem("gitops")).toBeUndefined();
    for (const mount of ["sys", "auth", "identity", "cubbyhole"]) expect(kvMountProblem(mount), mount).toMatch(/Vault reserves/);
    expect(kvMountProblem("Git/Ops")).toMatch(/Vault mount path/);
    expect(authMountProblem("kubernetes")).toBeUndefined();
    expect(authMountProblem("token")).toMatch(/token auth method/);
    expect(authMountProblem("Kube")).toMatch(/DNS-1123/);
  });

  it("checks KV prefixes and registries", () => {
    for (const ok of ["clusters/staging", "a", "team_a/env-1"]) expect(kvPathPrefixProblem(ok), ok).toBeUndefined();
    for (const bad of ["clusters//staging", "/clusters", "clusters/", "clusters/../x", "Clusters", "a-", ""]) expect(kvPathPrefixProblem(bad), bad).toBeDefined();
    for (const ok of ["ghcr.io/fluxcd", "registry.example.com:5000/mirror/fluxcd", "localhost:5000"]) expect(registryProblem(ok), ok).toBeUndefined();
    for (const bad of ["https://ghcr.io/fluxcd", "user:pass@ghcr.io/fluxcd", "GHCR.io", "ghcr.io/", ""]) expect(registryProblem(bad), bad).toBeDefined();
    expect(registryProblem("user:pass@ghcr.io")).not.toMatch(/pass/);
  });
});

describe("names that collide or a cluster refuses", () => {
  it("refuses Secret keys the API server refuses", () => {
    for (const key of [".", "..", "..data"]) expect(secretKeyProblem(key), key).toMatch(/must not be "\." or start with "\.\."/);
    expect(secretKeyProblem(".dotfile")).toBeUndefined();
  });

  it("keeps apps out of the namespaces the bootstrap runs in", () => {
    for (const namespace of ["flux-system", "vault", "external-secrets"]) {
      expect(tenantNamespaceProblem(namespace), namespace).toMatch(/namespaces the bootstrap itself runs in/);
    }
    expect(tenantNamespaceProblem("kube-system")).toMatch(/Kubernetes creates itself/);
    expect(tenantNamespaceProblem("podinfo")).toBeUndefined();
  });

  it("names every repeat in a list", () => {
    expect(duplicateEntries(["a", "b", "a", "a"])).toEqual([
      { index: 2, message: 'repeats "a" (already at [0])' },
      { index: 3, message: 'repeats "a" (already at [0])' },
    ]);
    expect(duplicateEntries(["a", "b"])).toEqual([]);
  });

  it("names both sides of an environment variable collision", () => {
    expect(
      appEnvVarCollisions([
        { name: "a-b", namespace: "x", keys: ["c"] },
        { name: "a", namespace: "y", keys: ["b-c", "api-key", "api_key", "api.key"] },
      ]),
    ).toEqual([
      { app: 1, key: 0, message: 'key "b-c" of app "a" and key "c" of app "a-b" both read the variable APP_A_B_C: rename one' },
      { app: 1, key: 2, message: 'key "api_key" of app "a" and key "api-key" of app "a" both read the variable APP_A_API_KEY: rename one' },
      { app: 1, key: 3, message: 'key "api.key" of app "a" and key "api-key" of app "a" both read the variable APP_A_API_KEY: rename one' },
    ]);
    expect(appEnvVarCollisions([{ name: "a", namespace: "x", keys: ["b"] }, { name: "b", namespace: "x", keys: ["a"] }])).toEqual([]);
  });

  it("names both apps whose namespace and name join to one resource name", () => {
    expect(appNameCollisions([{ name: "c", namespace: "a-b", keys: [] }, { name: "b-c", namespace: "a", keys: [] }])).toEqual([
      { app: 1, message: 'app "b-c" in namespace "a" and app "c" in namespace "a-b" both make the name "a-b-c": rename one' },
    ]);
    expect(appNameCollisions([{ name: "c", namespace: "a-b", keys: [] }, { name: "c", namespace: "a", keys: [] }])).toEqual([]);
  });
});

describe("host and address checks moved out of the schema", () => {
  it("vaultTrustProblems: an in-cluster Vault behind the Ingress needs a certificate; TLS and seal settings are in-cluster only", () => {
    expect(vaultTrustProblems({ mode: "in-cluster", address: "https://vault.example.com" }).map((problem) => problem.path)).toEqual([["tls"]]);
    expect(vaultTrustProblems({ mode: "in-cluster", address: "https://vault.example.com", tls: { certManagerIssuer: "letsencrypt" } })).toEqual([]);
    expect(vaultTrustProblems({ mode: "in-cluster", address: "http://127.0.0.1:8200" })).toEqual([]);
    expect(vaultTrustProblems({ mode: "external", address: "https://vault.example.com", tls: { secretName: "x" }, seal: {} }).map((problem) => problem.path)).toEqual([
      ["tls", "secretName"],
      ["seal"],
    ]);
    // An address that is no URL is reported on `address` itself, not twice.
    expect(vaultTrustProblems({ mode: "in-cluster", address: "not a url" })).toEqual([]);
  });

  it("repeatedK3sHosts: names a host listed twice, ignoring case, across servers and agents", () => {
    expect(repeatedK3sHosts({ servers: [{ host: "Node1" }, { host: "node2" }], agents: [{ host: "node1" }] })).toEqual([
      { path: ["agents", 0, "host"], message: 'lists "node1" twice (also as "Node1"; host names ignore case): each host runs one k3s' },
    ]);
    expect(repeatedK3sHosts({ servers: [{ host: "a" }], agents: [{ host: "b" }] })).toEqual([]);
  });

  it("isBehindIngress: a loopback port-forward is not, a host name is, and no URL is not", () => {
    expect([isBehindIngress("http://127.0.0.1:8200"), isBehindIngress("https://vault.example.com"), isBehindIngress("::")]).toEqual([false, true, false]);
  });
});
