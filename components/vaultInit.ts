/**
 * Vault's one-time initialisation, driven from where Pulumi runs, its result kept only as Pulumi
 * secrets in the (encrypted) stack state. Nothing of it is written to the cluster.
 *
 * Vault's HTTP API (hashicorp/vault website/content/api-docs/system/init.mdx, unseal.mdx,
 * seal-status.mdx): `GET /v1/sys/init` → `{initialized}`; `PUT /v1/sys/init` with
 * `secret_shares`/`secret_threshold` (Shamir) or `recovery_shares`/`recovery_threshold` (auto-unseal
 * seals) → `{keys_base64, recovery_keys_base64, root_token}`, answered once and never again;
 * `PUT /v1/sys/unseal` `{key}` or `{reset: true}` → `{sealed, progress}`; `GET /v1/sys/seal-status`
 * → `{initialized, sealed, t, n, progress}`. All four are unauthenticated.
 *
 * The SDK serialises this provider's functions into the state at registration, so everything they
 * use is defined in this file or required at call time (node's http/https): no captured state.
 */
import * as pulumi from "@pulumi/pulumi";

/** What the provider needs to reach Vault and how to initialise it. */
export interface VaultInitInputs {
  /** Vault's address as the machine running Pulumi reaches it (https://… or a loopback http://…). */
  address: string;
  /** PEM CA certificate(s) to trust for `address`, besides the system's. Empty: the system's only. */
  caCertificate: string;
  /** Key shares to split the root key into (recovery key shares with an auto-unseal seal). */
  shares: number;
  /** Shares needed to unseal (or to use recovery keys). */
  threshold: number;
  /** Vault has an auto-unseal seal (transit/KMS): init returns recovery keys, unsealing is Vault's own. */
  autoUnseal: boolean;
  /** How long to keep retrying while Vault's pod, Service and Ingress come up. */
  timeoutSeconds: number;
  /**
   * JSON `{rootToken, unsealKeys?, recoveryKeys?}` of a Vault initialised elsewhere (e.g. by the old
   * init Job), adopted instead of refused when Vault is already initialised. Empty: none.
   */
  existingInit: string;
}

/** The provider's state: the inputs plus what init returned (secrets). */
export interface VaultInitState extends VaultInitInputs {
  rootToken: string;
  /** Base64 unseal key shares (empty with an auto-unseal seal). */
  unsealKeys: string[];
  /** Base64 recovery key shares (auto-unseal seals only). */
  recoveryKeys: string[];
  /** Why the unseal right after init failed; empty once Vault is unsealed. */
  unsealProblem: string;
}

/** Outputs that carry key material; the engine stores them encrypted. */
export const vaultInitSecretOutputs = ["rootToken", "unsealKeys", "recoveryKeys", "existingInit"] as const;

interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTP call to Vault (no retry). Rejects on connection and TLS errors. */
function vaultCall(
  target: Pick<VaultInitInputs, "address" | "caCertificate">,
  method: string,
  apiPath: string,
  body?: unknown,
  token?: string,
): Promise<HttpAnswer> {
  const url = new URL(`${target.address.replace(/\/+$/, "")}/v1/${apiPath}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const transport = (url.protocol === "https:" ? require("https") : require("http")) as typeof import("https");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rootCertificates = (require("tls") as typeof import("tls")).rootCertificates;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<HttpAnswer>((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method,
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          ...(token === undefined ? {} : { "x-vault-token": token }),
        },
        // Added to Node's bundled roots, not instead of them: a public certificate still verifies.
        ...(target.caCertificate !== "" && url.protocol === "https:"
          ? { ca: [...rootCertificates, target.caCertificate] }
          : {}),
        timeout: 15_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: Record<string, unknown>;
          try {
            parsed = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            // An ingress's error page is not JSON; the status code says enough.
            parsed = {};
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within 15s`)));
    request.on("error", reject);
    request.end(payload);
  });
}

/**
 * Calls Vault until it answers with a 2xx, retrying connection and TLS errors and the 404/502/503/504
 * an Ingress gives while Vault's pod or route is not there yet, with backoff (1 s doubling to 10 s),
 * for at most `timeoutSeconds`. Anything else fails at once. Only for requests that are safe to repeat.
 */
async function vaultCallRetrying(
  target: Pick<VaultInitInputs, "address" | "caCertificate" | "timeoutSeconds">,
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + target.timeoutSeconds * 1000;
  let delay = 1000;
  let lastProblem = "";
  for (;;) {
    let answer: HttpAnswer | undefined;
    try {
      answer = await vaultCall(target, method, apiPath, body);
    } catch (error) {
      const code = (error as { code?: string }).code;
      lastProblem = `${code ? `${code}: ` : ""}${error instanceof Error ? error.message : String(error)}`;
    }
    if (answer !== undefined) {
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      const errors = Array.isArray(answer.body.errors) ? answer.body.errors.join("; ") : "";
      lastProblem = `HTTP ${answer.status}${errors ? `: ${errors}` : ""}`;
      if (![404, 502, 503, 504].includes(answer.status)) {
        throw new Error(`Vault at ${target.address} refused ${method} /v1/${apiPath}: ${lastProblem}`);
      }
    }
    if (Date.now() + delay > deadline) {
      const tlsHint = /CERT|SELF_SIGNED|UNABLE_TO|x509|certificate/i.test(lastProblem)
        ? " This machine does not trust the certificate Vault's address presents: set gitops-bootstrap:vault.tls (a certificate for the host, and caCertificate when its CA is private)."
        : " Check that the address resolves to the cluster's ingress and that Vault's pod is running (kubectl -n vault get pods).";
      throw new Error(
        `Vault at ${target.address} did not answer ${method} /v1/${apiPath} within ${target.timeoutSeconds}s (last: ${lastProblem}).${tlsHint}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 10_000);
  }
}

/** Unseals a Shamir-sealed Vault with the first `threshold` keys; a no-op when already unsealed. */
async function unsealVault(state: VaultInitState): Promise<void> {
  const deadline = Date.now() + state.timeoutSeconds * 1000;
  if (state.autoUnseal) {
    // The seal unseals Vault by itself; wait for it to have done so.
    for (let delay = 1000; ; delay = Math.min(delay * 2, 10_000)) {
      const status = await vaultCallRetrying(state, "GET", "sys/seal-status");
      if (status.sealed === false) return;
      if (Date.now() + delay > deadline) {
        throw new Error(`Vault at ${state.address} is still sealed: its auto-unseal seal did not unseal it (see the vault-0 pod's log).`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  const status = await vaultCallRetrying(state, "GET", "sys/seal-status");
  if (status.sealed === false) return;
  if (state.unsealKeys.length < state.threshold) {
    throw new Error(`Vault at ${state.address} is sealed and the stack state holds ${state.unsealKeys.length} key(s), fewer than the threshold ${state.threshold}.`);
  }
  // Start from no progress: a half-finished unseal from elsewhere would otherwise mix keys.
  await vaultCallRetrying(state, "PUT", "sys/unseal", { reset: true });
  let last: Record<string, unknown> = {};
  for (const key of state.unsealKeys.slice(0, state.threshold)) {
    last = await vaultCallRetrying(state, "PUT", "sys/unseal", { key });
  }
  if (last.sealed !== false) {
    throw new Error(`Vault at ${state.address} is still sealed after ${state.threshold} key(s): the keys in the stack state do not match this Vault.`);
  }
}

/** Whether Vault says it is sealed right now; undefined when it cannot be asked (no wait). */
async function sealedNow(target: Pick<VaultInitInputs, "address" | "caCertificate">): Promise<boolean | undefined> {
  try {
    const answer = await vaultCall(target, "GET", "sys/seal-status");
    return answer.status === 200 ? answer.body.sealed === true : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes over a Vault initialised elsewhere from `existingInit`: its shares must match config, its
 * keys must unseal it and its root token must be accepted. Nothing is changed in Vault otherwise.
 */
async function adoptExisting(inputs: VaultInitInputs): Promise<VaultInitState> {
  let existing: { rootToken?: unknown; unsealKeys?: unknown; recoveryKeys?: unknown };
  try {
    existing = JSON.parse(inputs.existingInit) as typeof existing;
  } catch {
    throw new Error("gitops-bootstrap:vaultExistingInit: must be JSON {\"rootToken\": …, \"unsealKeys\": [… ]}");
  }
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  if (!inputs.autoUnseal) {
    const status = await vaultCallRetrying(inputs, "GET", "sys/seal-status");
    if (status.n !== inputs.shares || status.t !== inputs.threshold) {
      throw new Error(
        `Vault at ${inputs.address} has ${String(status.n)} key share(s) with threshold ${String(status.t)}: set gitops-bootstrap:vault.unseal ` +
          `to { shares: ${String(status.n)}, threshold: ${String(status.t)} } to adopt it (rekeying is done by hand, not by this program).`,
      );
    }
  }
  const state: VaultInitState = {
    ...inputs,
    rootToken: String(existing.rootToken ?? ""),
    unsealKeys: strings(existing.unsealKeys),
    recoveryKeys: strings(existing.recoveryKeys),
    unsealProblem: "",
  };
  await unsealVault(state);
  const lookup = await vaultCall(inputs, "GET", "auth/token/lookup-self", undefined, state.rootToken);
  if (lookup.status !== 200) {
    throw new Error(`Vault at ${inputs.address} does not accept the rootToken in gitops-bootstrap:vaultExistingInit (HTTP ${lookup.status}).`);
  }
  return state;
}

/** Inputs whose change after init this provider cannot carry out (Vault would need a rekey). */
const fixedAfterInit = ["shares", "threshold", "autoUnseal"] as const;

/**
 * The dynamic provider. Create initialises Vault at most once and unseals it; it never initialises
 * a Vault that says it is initialised. Diff reports a change when Vault is sealed, so `pulumi up`
 * unseals it from the state. Read and delete leave Vault and the state's keys alone.
 */
export const vaultInitProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Partial<VaultInitInputs>, news: VaultInitInputs) {
    const failures = fixedAfterInit
      .filter((key) => olds[key] !== undefined && olds[key] !== news[key])
      .map((key) => ({
        property: key,
        reason:
          `cannot change after Vault is initialised (was ${String(olds[key])}, now ${String(news[key])}): Vault would have to be rekeyed or migrated, ` +
          "which this program does not do. Revert gitops-bootstrap:vault.unseal / vault.seal.",
      }));
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: VaultInitState, news: VaultInitInputs) {
    const changed = (["address", "caCertificate", "timeoutSeconds", ...fixedAfterInit] as const).some((key) => olds[key] !== news[key]);
    // A restarted Vault pod is sealed, or the unseal after init failed: have `pulumi up` unseal it
    // from the state's keys (and clear the recorded problem).
    const sealed = !olds.autoUnseal && (await sealedNow(news)) === true;
    const unsealPending = (olds.unsealProblem ?? "") !== "";
    return { changes: changed || sealed || unsealPending, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs: VaultInitInputs) {
    const status = await vaultCallRetrying(inputs, "GET", "sys/init");
    if (status.initialized !== false) {
      if (inputs.existingInit !== "") {
        return { id: `vault-init-${new URL(inputs.address).host}`, outs: await adoptExisting(inputs) };
      }
      throw new Error(
        `Vault at ${inputs.address} is already initialised, but this stack's state holds no root token or keys for it. ` +
          "Initialising again is impossible and is not attempted. If you hold its root token and unseal keys (e.g. in the old " +
          "init Job's Secret vault/vault-init), hand them over once as gitops-bootstrap:vaultExistingInit (or VAULT_EXISTING_INIT): " +
          '{"rootToken": …, "unsealKeys": [ … ]}. If this Vault holds nothing worth keeping (e.g. its init was lost), ' +
          "wipe its storage (kubectl -n vault delete pvc data-vault-0, then the vault-0 pod) and run pulumi up again.",
      );
    }
    const request = inputs.autoUnseal
      ? { recovery_shares: inputs.shares, recovery_threshold: inputs.threshold }
      : { secret_shares: inputs.shares, secret_threshold: inputs.threshold };
    let answer: HttpAnswer;
    try {
      // Never retried: a second PUT after a lost answer could only fail with "already initialized".
      answer = await vaultCall(inputs, "PUT", "sys/init", request);
    } catch (error) {
      throw new Error(
        `Vault at ${inputs.address}: the init request failed (${error instanceof Error ? error.message : String(error)}). ` +
          "If Vault now reports initialised, its keys were lost with the answer; see the recovery note of the next run's error.",
        { cause: error },
      );
    }
    if (answer.status !== 200) {
      const errors = Array.isArray(answer.body.errors) ? answer.body.errors.join("; ") : "";
      throw new Error(`Vault at ${inputs.address} refused to initialise: HTTP ${answer.status}${errors ? `: ${errors}` : ""}`);
    }
    const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
    const state: VaultInitState = {
      ...inputs,
      rootToken: String(answer.body.root_token ?? ""),
      unsealKeys: strings(answer.body.keys_base64),
      recoveryKeys: strings(answer.body.recovery_keys_base64),
      unsealProblem: "",
    };
    // From here on the answer exists nowhere else: never fail the create (the engine would keep
    // nothing). An unseal problem is recorded instead; the Vault component fails the run with it,
    // and the next `pulumi up` unseals from the state (diff sees Vault sealed).
    try {
      await unsealVault(state);
    } catch (error) {
      state.unsealProblem = error instanceof Error ? error.message : String(error);
    }
    return { id: `vault-init-${new URL(inputs.address).host}`, outs: state };
  },

  async update(_id: string, olds: VaultInitState, news: VaultInitInputs) {
    const state: VaultInitState = {
      ...news,
      rootToken: olds.rootToken,
      unsealKeys: olds.unsealKeys,
      recoveryKeys: olds.recoveryKeys,
      unsealProblem: "",
    };
    await unsealVault(state);
    return { outs: state };
  },

  // Refresh keeps the state as it is: Vault can never hand the keys out again.
  async read(id: string, props: VaultInitState) {
    return { id, props };
  },

  // Vault and its storage outlive this resource; dropping it only forgets the keys (hence protect).
  async delete() {
    return;
  },
};

/** Arguments of {@link VaultInit}. */
export interface VaultInitArgs {
  address: pulumi.Input<string>;
  /** PEM CA certificate(s) to trust for `address`. Defaults to none (the system's roots). */
  caCertificate?: pulumi.Input<string>;
  shares: pulumi.Input<number>;
  threshold: pulumi.Input<number>;
  autoUnseal: pulumi.Input<boolean>;
  timeoutSeconds: pulumi.Input<number>;
  /** A Vault initialised elsewhere to adopt (secret JSON, see VaultInitInputs). Defaults to none. */
  existingInit?: pulumi.Input<string>;
}

/**
 * Vault initialised (at most once) and unsealed, from where Pulumi runs. `rootToken`, `unsealKeys`
 * and `recoveryKeys` are secrets, kept only in the stack state.
 */
export class VaultInit extends pulumi.dynamic.Resource {
  // `declare`: a class field would overwrite, after super(), the outputs the SDK sets (ES2022 fields).
  declare public readonly rootToken: pulumi.Output<string>;
  declare public readonly unsealKeys: pulumi.Output<string[]>;
  declare public readonly recoveryKeys: pulumi.Output<string[]>;
  /** Empty once Vault is unsealed; otherwise why the unseal after init failed. */
  declare public readonly unsealProblem: pulumi.Output<string>;

  constructor(name: string, args: VaultInitArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      vaultInitProvider,
      name,
      {
        ...args,
        caCertificate: args.caCertificate ?? "",
        existingInit: args.existingInit === undefined ? "" : pulumi.secret(args.existingInit),
        rootToken: undefined,
        unsealKeys: undefined,
        recoveryKeys: undefined,
        unsealProblem: undefined,
      },
      { ...opts, additionalSecretOutputs: [...vaultInitSecretOutputs] },
      undefined,
      "VaultInit",
    );
  }
}
