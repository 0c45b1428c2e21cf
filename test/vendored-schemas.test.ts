/**
 * schemas/: the upstream CRDs and CLI project schema the tests validate against live in the
 * repository (a clone needs nothing beside it), each with its source, version and checksum in
 * schemas/sources.json, for exactly the versions the stacks pin; `npm run update:crds` refreshes
 * them (tested against a small HTTP server on 127.0.0.1).
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newestMatching, notificationControllerTag, parseArgs, readPins, updateVendored, type Manifest } from "../scripts/update-crds";
import { vendoredProblems } from "./support/vendored";

const repoRoot = path.resolve(__dirname, "..");
const temporaryDirs: string[] = [];
afterAll(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

function temporaryDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "gitops-vendored-"));
  temporaryDirs.push(dir);
  return dir;
}

const hash = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/** A copy of what the checks read: stack files, .pulumi-version and schemas/. */
function copyOfRepo(): string {
  const dir = temporaryDir();
  for (const f of readdirSync(repoRoot).filter((f) => /^Pulumi\..+\.yaml$/.test(f) || f === ".pulumi-version")) {
    cpSync(path.join(repoRoot, f), path.join(dir, f));
  }
  cpSync(path.join(repoRoot, "schemas"), path.join(dir, "schemas"), { recursive: true });
  return dir;
}

function edit(file: string, change: (text: string) => string): void {
  writeFileSync(file, change(readFileSync(file, "utf8")));
}

describe("schemas/ (vendored upstream files)", () => {
  it("match schemas/sources.json and the versions the stacks and .pulumi-version pin", () => {
    expect(vendoredProblems(repoRoot)).toEqual([]);
  });

  it("come from the upstream files the deployed components define them in", () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, "schemas", "sources.json"), "utf8")) as Manifest;
    const sources = Object.fromEntries(manifest.files.map((f) => [f.file, `${f.repository}/${f.path} (${f.pinnedBy})`]));
    expect(sources).toEqual({
      "crds/fluxcd.controlplane.io_fluxinstances.yaml":
        "controlplaneio-fluxcd/flux-operator/config/crd/bases/fluxcd.controlplane.io_fluxinstances.yaml (gitops-bootstrap:flux.operatorChartVersion)",
      "crds/external-secrets.io_clustersecretstores.yaml":
        "external-secrets/external-secrets/config/crds/bases/external-secrets.io_clustersecretstores.yaml (gitops-bootstrap:externalSecrets.chartVersion)",
      "crds/external-secrets.io_externalsecrets.yaml":
        "external-secrets/external-secrets/config/crds/bases/external-secrets.io_externalsecrets.yaml (gitops-bootstrap:externalSecrets.chartVersion)",
      "crds/notification.toolkit.fluxcd.io_alerts.yaml":
        "fluxcd/notification-controller/config/crd/bases/notification.toolkit.fluxcd.io_alerts.yaml (gitops-bootstrap:flux.distributionVersion)",
      "crds/notification.toolkit.fluxcd.io_providers.yaml":
        "fluxcd/notification-controller/config/crd/bases/notification.toolkit.fluxcd.io_providers.yaml (gitops-bootstrap:flux.distributionVersion)",
      "crds/notification.toolkit.fluxcd.io_receivers.yaml":
        "fluxcd/notification-controller/config/crd/bases/notification.toolkit.fluxcd.io_receivers.yaml (gitops-bootstrap:flux.distributionVersion)",
      "pulumi-project.schema.json": "pulumi/pulumi/sdk/go/common/workspace/project.json (.pulumi-version)",
    });
  });

  describe("checks that fail on a copy of the repository", () => {
    it("a flux-operator pin bumped without refreshed CRDs", () => {
      const dir = copyOfRepo();
      edit(path.join(dir, "Pulumi.staging.yaml"), (t) => t.replace(/operatorChartVersion: \S+/, "operatorChartVersion: 0.99.0"));
      const problems = vendoredProblems(dir);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/fluxinstances\.yaml was vendored for gitops-bootstrap:flux\.operatorChartVersion .*, but Pulumi\.staging\.yaml pins "0\.99\.0": run npm run update:crds/);
    });

    it("an ESO chart, a Flux distribution or a CLI version bumped without refreshed files", () => {
      const dir = copyOfRepo();
      edit(path.join(dir, "Pulumi.prod.yaml"), (t) => t.replace(/chartVersion: 2\.9\.0/, "chartVersion: 2.99.0").replace(/distributionVersion: \S+/, "distributionVersion: 2.99.x"));
      writeFileSync(path.join(dir, ".pulumi-version"), "3.999.0\n");
      const problems = vendoredProblems(dir);
      expect(problems.filter((p) => p.includes('Pulumi.prod.yaml pins "2.99.0"'))).toHaveLength(2);
      expect(problems.filter((p) => p.includes('Pulumi.prod.yaml pins "2.99.x"'))).toHaveLength(3);
      expect(problems.filter((p) => p.includes('.pulumi-version pins "3.999.0"'))).toHaveLength(1);
      expect(problems).toHaveLength(6);
    });

    it("a changed byte, an unlisted file, a wrong URL and a tag that is not the pin", () => {
      const dir = copyOfRepo();
      edit(path.join(dir, "schemas", "crds", "external-secrets.io_externalsecrets.yaml"), (t) => `${t}# local edit\n`);
      writeFileSync(path.join(dir, "schemas", "crds", "extra.yaml"), "kind: CustomResourceDefinition\n");
      edit(path.join(dir, "schemas", "sources.json"), (t) =>
        t.replace("https://raw.githubusercontent.com/pulumi/pulumi/", "https://example.com/pulumi/pulumi/").replace('"ref": "v0.58.1"', '"ref": "v0.57.0"'),
      );
      const problems = vendoredProblems(dir);
      expect(problems).toEqual([
        expect.stringMatching(/^schemas\/crds\/fluxcd\.controlplane\.io_fluxinstances\.yaml: url .* is not https:\/\/raw\.githubusercontent\.com\/controlplaneio-fluxcd\/flux-operator\/v0\.57\.0\//),
        expect.stringMatching(/^schemas\/crds\/fluxcd\.controlplane\.io_fluxinstances\.yaml: ref v0\.57\.0 is not v0\.58\.1/),
        expect.stringMatching(/^schemas\/crds\/external-secrets\.io_externalsecrets\.yaml has sha256 [0-9a-f]{64}, sources\.json says/),
        expect.stringMatching(/^schemas\/pulumi-project\.schema\.json: url https:\/\/example\.com\//),
        "schemas/crds/extra.yaml is not listed in schemas/sources.json",
      ]);
    });

    it("a notification CRD from a commit needs a note saying why", () => {
      const dir = copyOfRepo();
      edit(path.join(dir, "schemas", "sources.json"), (t) => {
        const manifest = JSON.parse(t) as { files: { ref: string; note?: string }[] };
        for (const f of manifest.files) if (/^[0-9a-f]{40}$/.test(f.ref)) delete f.note;
        return JSON.stringify(manifest);
      });
      expect(vendoredProblems(dir)).toEqual([
        "schemas/crds/notification.toolkit.fluxcd.io_providers.yaml: ref e9fdedb3d6bff17c676eb2b49cc5496187e8a1f2 is not a notification-controller v1.9.x tag (Flux 2.9.x), nor a commit explained by a note",
      ]);
    });
  });
});

describe("the repository reads nothing beside itself", () => {
  const skip = new Set(["node_modules", ".git", "bin", "coverage", ".pulumi"]);
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      if (skip.has(name)) return [];
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : [full];
    });
  }

  it("no file refers to the shared folder outside the clone", () => {
    // Built from parts so that this file does not match itself.
    const needles = [["..", "shared"].join("/"), ["", "work", "shared"].join("/")];
    const hits = files(repoRoot)
      .filter((f) => !/\.(wasm|png|jpg|gz)$/.test(f))
      .filter((f) => needles.some((n) => readFileSync(f, "utf8").includes(n)))
      .map((f) => path.relative(repoRoot, f));
    expect(hits).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// npm run update:crds against a local server

interface LocalServer {
  readonly rawBase: string;
  readonly apiBase: string;
  readonly requests: string[];
  close(): Promise<void>;
}

async function startServer(routes: Readonly<Record<string, string>>): Promise<LocalServer> {
  const requests: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? "";
    requests.push(url);
    const body = routes[url];
    response.writeHead(body === undefined ? 404 : 200, { "content-type": "text/plain" });
    response.end(body ?? "not found");
  });
  server.requestTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    rawBase: `http://127.0.0.1:${port}/raw`,
    apiBase: `http://127.0.0.1:${port}/api`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const crd = (name: string) => `---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\n`;

/** Upstream as the server serves it: operator 0.58.1 bundles Flux 2.9.4 and 2.9.10 (newest 2.9.x). */
const upstream: Record<string, string> = {
  "/api/repos/controlplaneio-fluxcd/flux-operator/contents/config/data/flux?ref=v0.58.1": JSON.stringify([
    { name: "v2.8.3", type: "dir" },
    { name: "v2.9.10", type: "dir" },
    { name: "v2.9.4", type: "dir" },
    { name: "v2.10.0", type: "dir" },
    { name: "README.md", type: "file" },
  ]),
  "/raw/controlplaneio-fluxcd/flux-operator/v0.58.1/config/data/flux/v2.9.10/notification-controller.yaml":
    "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        image: ghcr.io/fluxcd/notification-controller:v1.9.7\n",
  "/raw/controlplaneio-fluxcd/flux-operator/v0.58.1/config/crd/bases/fluxcd.controlplane.io_fluxinstances.yaml": crd("fluxinstances.fluxcd.controlplane.io"),
  "/raw/external-secrets/external-secrets/v2.9.0/config/crds/bases/external-secrets.io_clustersecretstores.yaml": crd("clustersecretstores.external-secrets.io"),
  "/raw/external-secrets/external-secrets/v2.9.0/config/crds/bases/external-secrets.io_externalsecrets.yaml": crd("externalsecrets.external-secrets.io"),
  "/raw/fluxcd/notification-controller/v1.9.7/config/crd/bases/notification.toolkit.fluxcd.io_alerts.yaml": crd("alerts.notification.toolkit.fluxcd.io"),
  "/raw/fluxcd/notification-controller/v1.9.7/config/crd/bases/notification.toolkit.fluxcd.io_providers.yaml": crd("providers.notification.toolkit.fluxcd.io"),
  "/raw/fluxcd/notification-controller/v1.9.7/config/crd/bases/notification.toolkit.fluxcd.io_receivers.yaml": crd("receivers.notification.toolkit.fluxcd.io"),
  "/raw/pulumi/pulumi/v3.259.0/sdk/go/common/workspace/project.json": '{ "title": "Pulumi Project" }\n',
};

const stackFile = (operator: string, distribution: string, eso: string) =>
  `config:\n  gitops-bootstrap:flux:\n    operatorChartVersion: ${operator}\n    distributionVersion: ${distribution}\n` +
  `  gitops-bootstrap:externalSecrets:\n    chartVersion: ${eso}\n`;

/** A repository with two stacks pinning the same versions and an empty schemas/ folder. */
function fixtureRepo(prodOperator = "0.58.1"): string {
  const dir = temporaryDir();
  writeFileSync(path.join(dir, "Pulumi.staging.yaml"), stackFile("0.58.1", "2.9.x", "2.9.0"));
  writeFileSync(path.join(dir, "Pulumi.prod.yaml"), stackFile(prodOperator, "2.9.x", "2.9.0"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: gitops-bootstrap\nruntime: nodejs\n");
  writeFileSync(path.join(dir, ".pulumi-version"), "3.259.0\n");
  cpSync(path.join(repoRoot, "schemas", "crds"), path.join(dir, "schemas", "crds"), { recursive: true });
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[path.relative(dir, full)] = hash(readFileSync(full));
    }
  };
  walk(dir);
  return out;
}

describe("npm run update:crds", () => {
  it("downloads every file for the pinned versions and writes them with their sha256", async () => {
    const server = await startServer(upstream);
    const dir = fixtureRepo();
    try {
      const manifest = await updateVendored({ repoRoot: dir, rawBaseUrl: server.rawBase, apiBaseUrl: server.apiBase });
      const refs = Object.fromEntries(manifest.files.map((f) => [f.file, f.ref]));
      expect(refs).toEqual({
        "crds/fluxcd.controlplane.io_fluxinstances.yaml": "v0.58.1",
        "crds/external-secrets.io_clustersecretstores.yaml": "v2.9.0",
        "crds/external-secrets.io_externalsecrets.yaml": "v2.9.0",
        "crds/notification.toolkit.fluxcd.io_alerts.yaml": "v1.9.7",
        "crds/notification.toolkit.fluxcd.io_providers.yaml": "v1.9.7",
        "crds/notification.toolkit.fluxcd.io_receivers.yaml": "v1.9.7",
        "pulumi-project.schema.json": "v3.259.0",
      });
      for (const f of manifest.files) {
        const served = upstream[`/raw/${f.repository}/${f.ref}/${f.path}`];
        expect(readFileSync(path.join(dir, "schemas", f.file), "utf8")).toBe(served);
        expect(f.sha256).toBe(hash(served));
      }
      const written = JSON.parse(readFileSync(path.join(dir, "schemas", "sources.json"), "utf8")) as Manifest;
      expect(written).toEqual(manifest);
      expect(written.files.find((f) => f.file === "crds/notification.toolkit.fluxcd.io_alerts.yaml")).toMatchObject({
        version: "1.9.7",
        pinnedBy: "gitops-bootstrap:flux.distributionVersion",
        pinnedValue: "2.9.x",
        url: "https://raw.githubusercontent.com/fluxcd/notification-controller/v1.9.7/config/crd/bases/notification.toolkit.fluxcd.io_alerts.yaml",
      });
      expect(written.files.find((f) => f.file === "pulumi-project.schema.json")).toMatchObject({ pinnedBy: ".pulumi-version", pinnedValue: "3.259.0" });
      // What it writes is what the repository's own check accepts.
      expect(vendoredProblems(dir)).toEqual([]);
      expect(server.requests.filter((r) => r.startsWith("/api/"))).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("offline: one clear error and nothing changed", async () => {
    const server = await startServer({});
    await server.close(); // nothing listens on that port any more
    const dir = fixtureRepo();
    const before = snapshot(dir);
    await expect(updateVendored({ repoRoot: dir, rawBaseUrl: server.rawBase, apiBaseUrl: server.apiBase })).rejects.toThrow(
      /^cannot download http:\/\/127\.0\.0\.1:\d+\/api\/repos\/controlplaneio-fluxcd\/flux-operator\/contents\/config\/data\/flux\?ref=v0\.58\.1 \(ECONNREFUSED\)\. npm run update:crds needs the internet.*Nothing was changed\.$/,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("a missing upstream file or unexpected content: an error naming it, nothing written", async () => {
    const missing = { ...upstream };
    delete missing["/raw/external-secrets/external-secrets/v2.9.0/config/crds/bases/external-secrets.io_externalsecrets.yaml"];
    const html = { ...upstream, "/raw/fluxcd/notification-controller/v1.9.7/config/crd/bases/notification.toolkit.fluxcd.io_alerts.yaml": "<html>rate limited</html>\n" };
    for (const [routes, message] of [
      [missing, /external-secrets\.io_externalsecrets\.yaml: HTTP 404/],
      [html, /notification\.toolkit\.fluxcd\.io_alerts\.yaml holds no CustomResourceDefinition/],
    ] as const) {
      const server = await startServer(routes);
      const dir = fixtureRepo();
      const before = snapshot(dir);
      try {
        await expect(updateVendored({ repoRoot: dir, rawBaseUrl: server.rawBase, apiBaseUrl: server.apiBase })).rejects.toThrow(message);
        expect(snapshot(dir)).toEqual(before);
      } finally {
        await server.close();
      }
    }
  });

  it("refuses stacks that pin different versions, naming each", () => {
    expect(() => readPins(fixtureRepo("0.59.0"))).toThrow(
      "gitops-bootstrap:flux.operatorChartVersion differs between stacks (Pulumi.prod.yaml 0.59.0, Pulumi.staging.yaml 0.58.1)",
    );
  });

  it("reads the repository's own pins", () => {
    const pins = readPins(repoRoot);
    const staging = readFileSync(path.join(repoRoot, "Pulumi.staging.yaml"), "utf8");
    expect(staging).toContain(`operatorChartVersion: ${pins.operatorChartVersion}\n`);
    expect(staging).toContain(`distributionVersion: ${pins.distributionVersion}\n`);
    expect(staging).toMatch(new RegExp(`externalSecrets:\\n(?:    .*\\n)*?    chartVersion: ${pins.externalSecretsChartVersion.replace(/\./g, "\\.")}\\n`));
    expect(`${pins.pulumiVersion}\n`).toBe(readFileSync(path.join(repoRoot, ".pulumi-version"), "utf8"));
  });

  it("resolves a Flux range to the newest bundled version and reads the controller tag", () => {
    expect(newestMatching("2.9.x", ["v2.9.4", "v2.9.10", "v2.10.0", "v2.8.9", "latest"])).toBe("v2.9.10");
    expect(newestMatching("2.9.4", ["v2.9.4", "v2.9.10"])).toBe("v2.9.4");
    expect(newestMatching("2.x.x", ["v2.9.4", "v2.10.1"])).toBe("v2.10.1");
    expect(newestMatching("2.11.x", ["v2.9.4"])).toBeUndefined();
    expect(notificationControllerTag("image: ghcr.io/fluxcd/notification-controller:v1.9.3\n")).toBe("v1.9.3");
    expect(notificationControllerTag("image: ghcr.io/fluxcd/source-controller:v1.9.3\n")).toBeUndefined();
  });

  it("takes its base URLs from flags or the environment", () => {
    expect(parseArgs(["--raw-base-url", "http://m/raw", "--api-base-url=http://m/api"], {})).toMatchObject({ rawBaseUrl: "http://m/raw", apiBaseUrl: "http://m/api" });
    expect(parseArgs([], { CRD_SOURCES_RAW_URL: "http://e/raw" })).toMatchObject({ rawBaseUrl: "http://e/raw", apiBaseUrl: undefined });
    expect(parseArgs([], {}).repoRoot).toBe(repoRoot);
    expect(() => parseArgs(["--offline"], {})).toThrow(/unknown argument --offline/);
    expect(() => parseArgs(["--raw-base-url"], {})).toThrow(/--raw-base-url needs a value/);
  });

  it("as the npm script: exits 1 with the offline message", async () => {
    const server = await startServer({});
    await server.close();
    const dir = fixtureRepo();
    const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");
    const args = [path.join(repoRoot, "scripts", "update-crds.ts"), "--repo-root", dir, "--raw-base-url", server.rawBase, "--api-base-url", server.apiBase];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(tsx, args, { timeout: 25_000 }, (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }));
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^update:crds: cannot download http:\/\/127\.0\.0\.1:\d+\/api\/.* \(ECONNREFUSED\)/);
    expect(existsSync(path.join(dir, "schemas", "sources.json"))).toBe(false);
  });
});
