/**
 * The init provider against a small fake of Vault's four unauthenticated sys endpoints, served on
 * 127.0.0.1 for each test and closed after it.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { VaultInitInputs, vaultInitProvider, VaultInitState } from "../components/vaultInit";

interface FakeVaultOptions {
  initialized?: boolean;
  sealed?: boolean;
  /** Answer this many requests with 503 first, as an Ingress does before Vault's pod is Ready. */
  unavailableFor?: number;
  /** An auto-unseal seal: init takes recovery_* and Vault unseals itself. */
  autoUnseal?: boolean;
  /** Keys an earlier init handed out (for a Vault that is already initialised). */
  keys?: string[];
  threshold?: number;
  /** Every unseal key is refused (keys lost to Vault, or a bug): Vault stays sealed. */
  refuseUnseal?: boolean;
  /** Serve HTTPS with a certificate for 127.0.0.1 signed by the test CA (test/fixtures, test-only keys). */
  tls?: boolean;
}

const fixture = (name: string) => readFileSync(path.join(__dirname, "fixtures", name), "utf8");

interface FakeVault {
  address: string;
  requests: { method: string; path: string; body: Record<string, unknown> }[];
  state: { initialized: boolean; sealed: boolean; keys: string[]; threshold: number; progress: string[] };
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function fakeVault(options: FakeVaultOptions = {}): Promise<FakeVault> {
  const state = {
    initialized: options.initialized ?? false,
    sealed: options.sealed ?? true,
    keys: options.keys ?? [],
    threshold: options.threshold ?? 1,
    progress: [] as string[],
  };
  const requests: FakeVault["requests"] = [];
  let unavailable = options.unavailableFor ?? 0;
  const rootToken = "hvs.fake-root";
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
      requests.push({ method: req.method ?? "", path: req.url ?? "", body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (unavailable > 0) {
        unavailable -= 1;
        res.writeHead(503);
        res.end("no available server");
        return;
      }
      const route = `${req.method} ${req.url}`;
      if (route === "GET /v1/sys/init") return send(200, { initialized: state.initialized });
      if (route === "GET /v1/auth/token/lookup-self") {
        if (state.sealed) return send(503, { errors: ["Vault is sealed"] });
        return req.headers["x-vault-token"] === rootToken ? send(200, { data: { policies: ["root"] } }) : send(403, { errors: ["permission denied"] });
      }
      if (route === "GET /v1/sys/seal-status") {
        return send(200, { initialized: state.initialized, sealed: state.sealed, t: state.threshold, n: state.keys.length, progress: state.progress.length });
      }
      if (route === "PUT /v1/sys/init") {
        if (state.initialized) return send(400, { errors: ["Vault is already initialized"] });
        const shares = Number(options.autoUnseal ? body.recovery_shares : body.secret_shares);
        state.threshold = Number(options.autoUnseal ? body.recovery_threshold : body.secret_threshold);
        state.keys = Array.from({ length: shares }, (_, i) => Buffer.from(`fake-key-${i + 1}`).toString("base64"));
        state.initialized = true;
        if (options.autoUnseal) {
          state.sealed = false;
          return send(200, { keys: [], keys_base64: [], recovery_keys_base64: state.keys, root_token: "hvs.fake-root" });
        }
        return send(200, { keys: state.keys, keys_base64: state.keys, root_token: "hvs.fake-root" });
      }
      if (route === "PUT /v1/sys/unseal") {
        if (body.reset === true) {
          state.progress = [];
        } else {
          const key = String(body.key);
          if (options.refuseUnseal || !state.keys.includes(key)) return send(400, { errors: ["invalid key"] });
          if (!state.progress.includes(key)) state.progress.push(key);
          if (state.progress.length >= state.threshold) {
            state.sealed = false;
            state.progress = [];
          }
        }
        return send(200, { sealed: state.sealed, t: state.threshold, n: state.keys.length, progress: state.progress.length });
      }
      send(404, { errors: [] });
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ key: fixture("test-server.key"), cert: fixture("test-server.pem") }, handler)
    : createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    state,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function inputs(address: string, overrides: Partial<VaultInitInputs> = {}): VaultInitInputs {
  return { address, caCertificate: "", shares: 1, threshold: 1, autoUnseal: false, timeoutSeconds: 5, existingInit: "", ...overrides };
}

const provider = vaultInitProvider as Required<pulumi.dynamic.ResourceProvider>;

describe("Vault init provider", () => {
  it("initialises a fresh Vault once, unseals it, and returns the root token and keys", async () => {
    const vault = await fakeVault();
    const result = await provider.create(inputs(vault.address));
    const outs = result.outs as VaultInitState;
    expect(outs.rootToken).toBe("hvs.fake-root");
    expect(outs.unsealKeys).toEqual([Buffer.from("fake-key-1").toString("base64")]);
    expect(outs.unsealProblem).toBe("");
    expect(vault.state).toMatchObject({ initialized: true, sealed: false });
    const inits = vault.requests.filter((r) => r.method === "PUT" && r.path === "/v1/sys/init");
    expect(inits.map((r) => r.body)).toEqual([{ secret_shares: 1, secret_threshold: 1 }]);
  });

  it("splits the key into the configured shares and unseals with exactly the threshold", async () => {
    const vault = await fakeVault();
    const outs = (await provider.create(inputs(vault.address, { shares: 5, threshold: 3 }))).outs as VaultInitState;
    expect(outs.unsealKeys).toHaveLength(5);
    expect(vault.requests.find((r) => r.path === "/v1/sys/init" && r.method === "PUT")?.body).toEqual({ secret_shares: 5, secret_threshold: 3 });
    const keysSent = vault.requests.filter((r) => r.path === "/v1/sys/unseal" && r.body.key !== undefined).map((r) => r.body.key);
    expect(keysSent).toEqual([1, 2, 3].map((i) => Buffer.from(`fake-key-${i}`).toString("base64")));
    expect(vault.state.sealed).toBe(false);
  });

  it("refuses to initialise a Vault that is already initialised, and says how to recover", async () => {
    const vault = await fakeVault({ initialized: true, keys: ["k"] });
    await expect(provider.create(inputs(vault.address))).rejects.toThrow(
      /already initialised, but this stack's state holds no root token or keys.*gitops-bootstrap:vaultExistingInit.*delete pvc data-vault-0/s,
    );
    expect(vault.requests.filter((r) => r.method === "PUT")).toEqual([]);
  });

  it("adopts a Vault initialised elsewhere from existingInit: matching shares, keys that unseal, a token it accepts", async () => {
    const oldKey = Buffer.from("old-job-key").toString("base64");
    const adopt = (rootToken: string, unsealKeys: string[]) => JSON.stringify({ rootToken, unsealKeys });
    const vault = await fakeVault({ initialized: true, sealed: true, keys: [oldKey], threshold: 1 });
    await expect(provider.create(inputs(vault.address, { shares: 5, threshold: 3, existingInit: adopt("hvs.fake-root", [oldKey]) }))).rejects.toThrow(
      /has 1 key share\(s\) with threshold 1: set gitops-bootstrap:vault\.unseal to \{ shares: 1, threshold: 1 \}/,
    );
    await expect(provider.create(inputs(vault.address, { existingInit: adopt("hvs.fake-root", ["d3Jvbmc="]) }))).rejects.toThrow(/invalid key/);
    vault.state.sealed = true;
    await expect(provider.create(inputs(vault.address, { existingInit: adopt("hvs.wrong", [oldKey]) }))).rejects.toThrow(
      /does not accept the rootToken in gitops-bootstrap:vaultExistingInit \(HTTP 403\)/,
    );
    vault.state.sealed = true;
    const outs = (await provider.create(inputs(vault.address, { existingInit: adopt("hvs.fake-root", [oldKey]) }))).outs as VaultInitState;
    expect(outs).toMatchObject({ rootToken: "hvs.fake-root", unsealKeys: [oldKey], unsealProblem: "" });
    expect(vault.state.sealed).toBe(false);
    expect(vault.requests.filter((r) => r.method === "PUT" && r.path === "/v1/sys/init")).toEqual([]);
  });

  it("waits for Vault behind an Ingress that answers 503 while the pod starts", async () => {
    const vault = await fakeVault({ unavailableFor: 2 });
    const outs = (await provider.create(inputs(vault.address, { timeoutSeconds: 10 }))).outs as VaultInitState;
    expect(outs.rootToken).toBe("hvs.fake-root");
    expect(vault.requests.filter((r) => r.path === "/v1/sys/init" && r.method === "GET")).toHaveLength(3);
  });

  it("reports a connection refused as an error, never as initialised", async () => {
    const vault = await fakeVault();
    await vault.close();
    await expect(provider.create(inputs(vault.address, { timeoutSeconds: 1 }))).rejects.toThrow(
      /did not answer GET \/v1\/sys\/init within 1s \(last: ECONNREFUSED/,
    );
  });

  it("unseals a restarted (sealed) Vault on the next update, from the keys in the state", async () => {
    const vault = await fakeVault();
    const created = (await provider.create(inputs(vault.address, { shares: 3, threshold: 2 }))).outs as VaultInitState;
    expect(await provider.diff("id", created, inputs(vault.address, { shares: 3, threshold: 2 }))).toMatchObject({ changes: false, replaces: [] });
    vault.state.sealed = true; // the pod restarted
    const diff = await provider.diff("id", created, inputs(vault.address, { shares: 3, threshold: 2 }));
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = (await provider.update("id", created, inputs(vault.address, { shares: 3, threshold: 2 }))).outs as VaultInitState;
    expect(vault.state.sealed).toBe(false);
    expect(updated.rootToken).toBe(created.rootToken);
    expect(updated.unsealKeys).toEqual(created.unsealKeys);
    // Only one init ever.
    expect(vault.requests.filter((r) => r.method === "PUT" && r.path === "/v1/sys/init")).toHaveLength(1);
  });

  it("never replaces the resource, and refuses a share count change after init", async () => {
    const vault = await fakeVault();
    const created = (await provider.create(inputs(vault.address))).outs as VaultInitState;
    const diff = await provider.diff("id", created, inputs(vault.address, { shares: 3, threshold: 2 }));
    expect(diff.replaces).toEqual([]);
    const check = await provider.check(inputs(vault.address), inputs(vault.address, { shares: 3, threshold: 2 }));
    expect(check.failures?.map((f) => f.property)).toEqual(["shares", "threshold"]);
    expect(check.failures?.[0].reason).toMatch(/cannot change after Vault is initialised \(was 1, now 3\)/);
    expect((await provider.check({}, inputs(vault.address, { shares: 3, threshold: 2 }))).failures).toEqual([]);
  });

  it("keeps the state on refresh and forgets nothing on delete", async () => {
    const vault = await fakeVault();
    const created = (await provider.create(inputs(vault.address))).outs as VaultInitState;
    expect(await provider.read("vault-init-x", created)).toEqual({ id: "vault-init-x", props: created });
    const before = vault.requests.length;
    await provider.delete("vault-init-x", created);
    expect(vault.requests.length).toBe(before);
    expect(vault.state.initialized).toBe(true);
  });

  it("with an auto-unseal seal asks for recovery keys and does not unseal", async () => {
    const vault = await fakeVault({ autoUnseal: true });
    const outs = (await provider.create(inputs(vault.address, { shares: 5, threshold: 3, autoUnseal: true }))).outs as VaultInitState;
    expect(vault.requests.find((r) => r.path === "/v1/sys/init" && r.method === "PUT")?.body).toEqual({ recovery_shares: 5, recovery_threshold: 3 });
    expect(outs.recoveryKeys).toHaveLength(5);
    expect(outs.unsealKeys).toEqual([]);
    expect(vault.requests.filter((r) => r.path === "/v1/sys/unseal")).toEqual([]);
  });

  it("keeps the answer when the unseal after init fails, and says why", async () => {
    const vault = await fakeVault({ refuseUnseal: true });
    const outs = (await provider.create(inputs(vault.address))).outs as VaultInitState;
    expect(outs.rootToken).toBe("hvs.fake-root");
    expect(outs.unsealKeys).toHaveLength(1);
    expect(outs.unsealProblem).toMatch(/refused PUT \/v1\/sys\/unseal: HTTP 400: invalid key/);
    expect(vault.state.sealed).toBe(true);
    // A later update tries again and fails loudly while Vault still refuses.
    expect((await provider.diff("id", outs, inputs(vault.address))).changes).toBe(true);
    await expect(provider.update("id", outs, inputs(vault.address))).rejects.toThrow(/invalid key/);
    // Unsealed by hand meanwhile: the next update still runs, and clears the recorded problem.
    vault.state.sealed = false;
    expect((await provider.diff("id", outs, inputs(vault.address))).changes).toBe(true);
    expect(((await provider.update("id", outs, inputs(vault.address))).outs as VaultInitState).unsealProblem).toBe("");
  });

  it("trusts the configured CA, and names vault.tls when the certificate is not trusted", async () => {
    const vault = await fakeVault({ tls: true });
    await expect(provider.create(inputs(vault.address, { timeoutSeconds: 1 }))).rejects.toThrow(
      /did not answer GET \/v1\/sys\/init within 1s \(last: UNABLE_TO_VERIFY_LEAF_SIGNATURE.*does not trust the certificate.*gitops-bootstrap:vault\.tls/s,
    );
    expect(vault.requests).toEqual([]);
    const outs = (await provider.create(inputs(vault.address, { caCertificate: fixture("test-ca.pem") }))).outs as VaultInitState;
    expect(outs.rootToken).toBe("hvs.fake-root");
  });

  it("serialises into a self-contained function that still works", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => vaultInitProvider);
    const module = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", "require", serialized.text)(module, module.exports, require);
    const revived = (module.exports[serialized.exportName] as () => typeof provider)();
    const vault = await fakeVault();
    const outs = (await revived.create(inputs(vault.address))).outs as VaultInitState;
    expect(outs.rootToken).toBe("hvs.fake-root");
    expect(serialized.text).not.toMatch(/fake-root/);
  });
});
