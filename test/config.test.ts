import { describe, expect, it } from "vitest";
import { knownConfigKeys, parseConfig, requireSecretsNow } from "../components/config";
import { problemsOf, stackSource } from "./support/configFixtures";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { AppSecrets, AppSecretTarget } from "../components/apps";
import { RegisteredResource, runProgram as runEngine } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";


describe("parseConfig", () => {
  it("accepts both committed stacks and freezes the result", () => {
    for (const stack of ["staging", "prod"]) {
      const config = parseConfig(stackSource(stack));
      expect(Object.isFrozen(config)).toBe(true);
      expect(Object.isFrozen(config.github)).toBe(true);
      expect(Object.isFrozen(config.apps)).toBe(true);
    }
  });

  it("reports every problem at once, each naming its key and what is expected", () => {
    const problems = problemsOf(() =>
      parseConfig(
        stackSource("staging", {
          github: { owner: "-acme", repository: "fleet.git", branch: "main branch", path: "clusters/my staging", extra: 1 },
          flux: {
            operatorChartVersion: "latest",
            distributionVersion: "2.8.x",
            components: ["image-automation-controller", "helm-operator"],
            syncInterval: "1 hour",
          },
          namespaces: ["Monitoring"],
          vault: { mode: "in-cluster", address: "http://vault.vault.svc:8200", pathPrefix: "clusters/staging" },
          cluster: undefined,
          timeouts: { helm: "ten minutes", ready: "5m" },
        }),
      ),
    );
    const expected: [string, RegExp][] = [
      ["gitops-bootstrap:github.owner", /GitHub user or organisation name/],
      ["gitops-bootstrap:github.repository", /without "\.git"/],
      ["gitops-bootstrap:github.branch", /git branch name without spaces/],
      ["gitops-bootstrap:github.path", /relative path .* no spaces/],
      ["gitops-bootstrap:github", /unknown field\(s\) "extra"/],
      ["gitops-bootstrap:flux.operatorChartVersion", /exact chart version/],
      ["gitops-bootstrap:flux.components[1]", /image-reflector-controller/],
      ["gitops-bootstrap:flux.syncInterval", /duration such as "30s".*got "1 hour"/],
      ["gitops-bootstrap:namespaces[0]", /DNS-1123 label/],
      ["gitops-bootstrap:vault.address", /reachable from the machine that runs pulumi/],
      ["gitops-bootstrap:cluster", /is required/],
      ["gitops-bootstrap:timeouts.helm", /duration/],
    ];
    for (const [key, message] of expected) {
      expect(problems.some((p) => p.startsWith(`${key}:`) && message.test(p)), `${key} ${message}\n${problems.join("\n")}`).toBe(true);
    }
    expect(problems).toHaveLength(expected.length);
  });

  it("prints one readable error that says nothing was created", () => {
    expect(() => parseConfig(stackSource("staging", { flux: { operatorChartVersion: "0.58.1", distributionVersion: "2.9.x", syncInterval: "1 hour" } }))).toThrow(
      /Invalid stack configuration \(1 problem\); nothing was created:\n {2}- gitops-bootstrap:flux.syncInterval: must be a duration/,
    );
  });

  it("rejects unknown keys, wrong types and JSON that is not an object", () => {
    const problems = problemsOf(() =>
      parseConfig(stackSource("staging", { flux: "fast", safety: { protect: "yes", retainOnDelete: true }, githubTokn: "x" })),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gitops-bootstrap:githubTokn: is not a known key/),
        expect.stringMatching(/^gitops-bootstrap:flux: .*object/i),
        expect.stringMatching(/^gitops-bootstrap:safety.protect: .*boolean/i),
      ]),
    );
  });

  it("checks cross-field rules", () => {
    const problems = problemsOf(() =>
      parseConfig(
        stackSource("staging", {
          cluster: { mode: "k3s" },
          github: { owner: "acme", repository: "fleet", path: "clusters/x", auth: "app", deployKey: { readWrite: true } },
          vault: { mode: "external", address: "https://vault.example.com", pathPrefix: "clusters/x" },
          notifications: { slack: true },
          apps: [
            { name: "web", namespace: "web", keys: ["a"] },
            { name: "web", namespace: "other", keys: ["b"] },
          ],
        }),
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gitops-bootstrap:cluster.k3s: is required when mode is "k3s"/),
        expect.stringMatching(/^gitops-bootstrap:github.app: is required when auth is "app"/),
        expect.stringMatching(/^gitops-bootstrap:github.deployKey.readWrite: may only be true when flux.components includes "image-automation-controller"/),
        expect.stringMatching(/^gitops-bootstrap:vault.kubernetesHost: is required when mode is "external"/),
        expect.stringMatching(/^gitops-bootstrap:notifications.channel: is required when slack is true/),
        expect.stringMatching(/^gitops-bootstrap:apps\[1\].name: duplicates app "web"/),
      ]),
    );
  });

  it("insists secret keys are set as secrets, without echoing their values", () => {
    const problems = problemsOf(() => parseConfig(stackSource("staging", { githubToken: "ghp_plaintextInStackFile" })));
    expect(problems).toEqual([expect.stringMatching(/^gitops-bootstrap:githubToken: must be set as a secret/)]);
    expect(problems.join("\n")).not.toContain("ghp_plaintextInStackFile");
  });

  it("validates app secret values against declared apps and keys", () => {
    const source = stackSource("staging", { appSecrets: { podinfo: { "api-key": "v", other: "w" }, ghost: { k: "v" } } });
    const problems = problemsOf(() => parseConfig({ ...source, secretKeys: new Set(["appSecrets"]) }));
    expect(problems).toEqual([
      'gitops-bootstrap:appSecrets.podinfo.other: is not a key of app "podinfo"',
      "gitops-bootstrap:appSecrets.ghost: is not an app declared in gitops-bootstrap:apps",
    ]);
  });

  it("takes each bootstrap secret from config first, then the environment, else Vault", () => {
    const source = stackSource("staging", { githubToken: "from-config" }, { GITHUB_TOKEN: "from-env", CLOUDFLARE_API_TOKEN: "cf" });
    const config = parseConfig({ ...source, secretKeys: new Set(["githubToken"]) });
    expect(config.secrets.githubToken.source.kind).toBe("config");
    expect(config.secrets.cloudflareApiToken?.source.kind).toBe("env");
    expect(config.apps[0].secrets["api-key"].source.kind).toBe("vault");
    expect(config.apps[0].secrets["api-key"].envVar).toBe("APP_PODINFO_API_KEY");
    expect(config.secrets.slackWebhookUrl).toBeUndefined();
  });

  it("requires the secrets that cannot be read back before anything is registered", () => {
    const k3s = parseConfig(stackSource("prod"));
    expect(() => requireSecretsNow(k3s)).toThrow(/gitops-bootstrap:sshPrivateKey: is required to install k3s over SSH.*K3S_SSH_PRIVATE_KEY/);
    const withKey = parseConfig(stackSource("prod", {}, { K3S_SSH_PRIVATE_KEY: "key" }));
    expect(() => requireSecretsNow(withKey)).not.toThrow();
  });

  it("derives in-cluster addresses and defaults", () => {
    const staging = parseConfig(stackSource("staging"));
    expect(staging.vault.address).toBe("https://vault.staging.acme.example");
    expect(staging.vault.inClusterAddress).toBe("http://vault.vault.svc:8200");
    expect(staging.vault.kubernetesHost).toBe("https://kubernetes.default.svc");
    expect(staging.flux.allComponents).toEqual(["source-controller", "kustomize-controller", "helm-controller", "notification-controller"]);
    const external = parseConfig(
      stackSource("staging", {
        vault: { mode: "external", address: "https://vault.example.com", pathPrefix: "clusters/x", kubernetesHost: "https://k8s.example.com:6443" },
      }),
    );
    expect(external.vault.inClusterAddress).toBe("https://vault.example.com");
    expect(external.vault.token?.envVar).toBe("VAULT_TOKEN");
  });

  it("treats {} as no webhook (Pulumi.yaml's default for an optional object)", () => {
    expect(parseConfig(stackSource("staging", { webhook: {} })).webhook).toBeUndefined();
  });

  it("knows every key Pulumi.yaml declares", () => {
    expect(knownConfigKeys).toEqual(expect.arrayContaining(["cluster", "github", "flux", "vault", "githubToken", "appSecrets"]));
  });
});

describe("staging and prod differ only through their stack files", () => {
  const staging = parseConfig(stackSource("staging"));
  const prod = parseConfig(stackSource("prod"));

  it("syncs a different path, at a different pace, with a different cluster size", () => {
    expect(staging.github.path).toBe("clusters/staging");
    expect(prod.github.path).toBe("clusters/prod");
    expect(staging.flux.syncInterval).toBe("1m");
    expect(prod.flux.syncInterval).toBe("10m");
    expect(staging.flux.clusterSize).toBe("small");
    expect(prod.flux.clusterSize).toBe("large");
  });

  it("protects and retains stateful resources in prod only", () => {
    expect(staging.safety).toEqual({ protect: false, retainOnDelete: false });
    expect(prod.safety).toEqual({ protect: true, retainOnDelete: true });
  });

  it("installs k3s over SSH in prod and uses an existing cluster in staging", () => {
    expect(staging.cluster.mode).toBe("existing");
    expect(prod.cluster.mode).toBe("k3s");
    expect(prod.cluster.k3s?.servers).toHaveLength(3);
  });

  it("keeps Vault paths apart", () => {
    expect(staging.vault.pathPrefix).not.toBe(prod.vault.pathPrefix);
  });
});

describe("the program with bad config", () => {
  it("registers nothing and raises the one error", async () => {
    const record: RegisteredResource[] = [];
    const run = runProgram({
      stack: "staging",
      config: { github: { owner: "acme platform", repository: "fleet", branch: "main branch", path: "clusters/staging" } },
      env: firstRunEnv(),
      record,
    });
    await expect(run).rejects.toThrow(/Invalid stack configuration \(2 problems\); nothing was created/);
    expect(record).toEqual([]);
  });
});

describe("names a real cluster would refuse", () => {
  it("rejects built-in namespaces and repeated app keys", () => {
    const problems = problemsOf(() =>
      parseConfig(
        stackSource("staging", {
          namespaces: ["kube-system"],
          apps: [{ name: "web", namespace: "default", keys: ["token", "token"] }],
          cloudflare: { enabled: true, namespaces: ["kube-public"] },
        }),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^gitops-bootstrap:namespaces\[0\]: must not be a namespace Kubernetes creates itself/),
      expect.stringMatching(/^gitops-bootstrap:apps\[0\].namespace: must not be a namespace Kubernetes creates itself/),
      "gitops-bootstrap:apps[0].keys: must not list a key twice",
      expect.stringMatching(/^gitops-bootstrap:cloudflare.namespaces\[0\]: must not be a namespace Kubernetes creates itself/),
    ]);
  });
});

describe("k3s hosts", () => {
  it("refuses a host listed twice", () => {
    const k3s = {
      version: "v1.33.5+k3s1",
      servers: [{ host: "10.0.0.1" }],
      agents: [{ host: "10.0.0.2" }, { host: "10.0.0.1" }],
      disable: [],
    };
    const problems = problemsOf(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", k3s } })));
    expect(problems).toEqual(['gitops-bootstrap:cluster.k3s.agents[1].host: lists "10.0.0.1" twice (also as "10.0.0.1"; host names ignore case): each host runs one k3s']);
  });

  it("refuses the same machine as server and agent in another letter case", () => {
    const k3s = { version: "v1.33.5+k3s1", servers: [{ host: "Node1.example.com" }], agents: [{ host: "node1.EXAMPLE.com" }] };
    const problems = problemsOf(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", k3s } })));
    expect(problems).toEqual([
      'gitops-bootstrap:cluster.k3s.agents[0].host: lists "node1.EXAMPLE.com" twice (also as "Node1.example.com"; host names ignore case): each host runs one k3s',
    ]);
  });

  it("accepts hosts whose old resource names collided (10.0.0.1 and 10-0-0-1 are different hosts)", () => {
    const k3s = { version: "v1.33.5+k3s1", servers: [{ host: "10.0.0.1" }], agents: [{ host: "10-0-0-1" }, { host: "fd00::1" }] };
    expect(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", k3s } }))).not.toThrow();
  });

  it("refuses an apiEndpoint or host that is not a bare host name or IP address", () => {
    const hostile = ["k8s.example.com\n    insecure-skip-tls-verify: true", "https://k8s.example.com", "k8s.example.com/path", "$'", "k8s.example.com:6443", "a b", "300.1.1.1", ""];
    for (const apiEndpoint of hostile) {
      const k3s = { version: "v1.33.5+k3s1", servers: [{ host: "10.0.0.1" }], apiEndpoint };
      const problems = problemsOf(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", k3s } })));
      expect(problems, apiEndpoint).toEqual([expect.stringMatching(/^gitops-bootstrap:cluster\.k3s\.apiEndpoint: must be a (valid IPv4 address|host name or IP address)/)]);
    }
    const k3s = { version: "v1.33.5+k3s1", servers: [{ host: "10.0.0.1; rm -rf /" }] };
    expect(problemsOf(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", k3s } })))).toEqual([
      expect.stringMatching(/^gitops-bootstrap:cluster\.k3s\.servers\[0\]\.host: must be a host name or IP address/),
    ]);
  });
});

describe("hostile and colliding config", () => {
  it("lists every problem at once, each naming its key, before anything is registered", () => {
    const problems = problemsOf(() =>
      parseConfig(
        stackSource("staging", {
          cluster: { mode: "existing", context: "staging", k3s: { version: "v1.33.5+k3s1", servers: [{ host: "10.0.0.1" }] } },
          vault: {
            mode: "external",
            address: "http://vault.example.com:8200",
            inClusterAddress: "https://reader:s3cr3t-pass@vault.example.com",
            kubernetesHost: "http://k8s.example.com:6443",
            pathPrefix: "clusters//staging",
          },
          flux: { operatorChartVersion: "0.58.1", distributionVersion: "2.9.x", registry: "https://robot:s3cr3t-pass@ghcr.io/fluxcd" },
          namespaces: ["monitoring", "monitoring", "flux-system"],
          apps: [
            { name: "c", namespace: "a-b", keys: ["x"] },
            { name: "b-c", namespace: "a", keys: ["x"] },
            { name: "a-b", namespace: "web", keys: ["c"] },
            { name: "a", namespace: "web", keys: ["b-c", "api-key", "api_key", ".."] },
            { name: "vault-app", namespace: "vault", keys: ["x"] },
          ],
          cloudflare: { enabled: true, namespaces: ["cert-manager", "cert-manager"] },
        }),
      ),
    );
    expect(problems).toEqual([
      'gitops-bootstrap:cluster.k3s: must not be set when mode is "existing" (nothing would install k3s): remove it, or set mode to "k3s"',
      expect.stringMatching(/^gitops-bootstrap:flux.registry: must be an image registry such as "ghcr.io\/fluxcd"/),
      "gitops-bootstrap:namespaces[2]: must not be one of the namespaces the bootstrap itself runs in (flux-system, vault, external-secrets): " +
        'workloads there would share it with Flux\'s credentials or Vault\'s keys (got "flux-system")',
      expect.stringMatching(/^gitops-bootstrap:vault.address: must use https: the Vault token would cross the network in cleartext/),
      expect.stringMatching(/^gitops-bootstrap:vault.inClusterAddress: must not carry credentials/),
      expect.stringMatching(/^gitops-bootstrap:vault.pathPrefix: must be a KV path prefix/),
      expect.stringMatching(/^gitops-bootstrap:vault.kubernetesHost: must use https/),
      expect.stringMatching(/^gitops-bootstrap:apps\[3\].keys\[3\]: must not be "." or start with ".."/),
      expect.stringMatching(/^gitops-bootstrap:apps\[4\].namespace: must not be one of the namespaces the bootstrap itself runs in/),
      'gitops-bootstrap:apps[3].keys[0]: key "b-c" of app "a" and key "c" of app "a-b" both read the variable APP_A_B_C: rename one',
      'gitops-bootstrap:apps[3].keys[2]: key "api_key" of app "a" and key "api-key" of app "a" both read the variable APP_A_API_KEY: rename one',
      'gitops-bootstrap:apps[1].name: app "b-c" in namespace "a" and app "c" in namespace "a-b" both make the name "a-b-c": rename one',
      'gitops-bootstrap:namespaces[1]: repeats "monitoring" (already at [0])',
      'gitops-bootstrap:cloudflare.namespaces[1]: repeats "cert-manager" (already at [0])',
    ]);
    expect(problems.join("\n")).not.toMatch(/s3cr3t|reader|robot/);
  });

  it("refuses a context in k3s mode, and accepts plain http only to a port-forward", () => {
    const k3s = { version: "v1.33.5+k3s1", servers: [{ host: "10.0.0.1" }], disable: [] };
    expect(problemsOf(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", context: "prod", k3s } })))).toEqual([
      'gitops-bootstrap:cluster.context: applies only when mode is "existing" (k3s mode uses the kubeconfig it installs): remove it',
    ]);
    const portForward = parseConfig(
      stackSource("staging", { vault: { mode: "in-cluster", address: "http://127.0.0.1:8200", pathPrefix: "clusters/staging" } }),
    );
    expect(portForward.vault.address).toBe("http://127.0.0.1:8200");
  });

  it("stops the program before its first resource", async () => {
    const record: RegisteredResource[] = [];
    const run = runProgram({
      stack: "staging",
      config: {
        apps: [
          { name: "c", namespace: "a-b", keys: ["k"] },
          { name: "b-c", namespace: "a", keys: ["k"] },
        ],
      },
      env: firstRunEnv(),
      record,
    });
    await expect(run).rejects.toThrow(/Invalid stack configuration \(1 problem\); nothing was created:\n {2}- gitops-bootstrap:apps\[1\].name: app "b-c"/);
    expect(record).toEqual([]);
  });

  it("could not hide a name collision if config let one through: the test engine refuses the duplicate URN", async () => {
    const target = (name: string, namespace: string): AppSecretTarget => ({
      name,
      namespace,
      secretName: `${name}-secrets`,
      vaultPath: `apps/${name}`,
      refreshInterval: "1h",
      dependsOn: [],
    });
    await expect(
      runEngine({
        loadProgram: async () => {
          const store = new random.RandomPassword("store", { length: 8 });
          new AppSecrets("app-secrets", {
            apps: [target("c", "a-b"), target("b-c", "a")],
            storeName: "vault-backend",
            storeFor: () => store,
            provider: new k8s.Provider("k8s", {}),
            readyTimeoutSeconds: 60,
          });
          return {};
        },
      }),
    ).rejects.toThrow(/Duplicate resource URN '.*app-secrets-a-b-c-secrets'/);
  });
});
