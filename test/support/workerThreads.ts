/**
 * Vitest setup: lets Pulumi serialise dynamic providers inside a worker thread. Stryker's vitest
 * runner always runs tests in worker threads (@stryker-mutator/vitest-runner: `pool: "threads"`),
 * and the SDK's closure serialiser requires every built-in module once to recognise them
 * (@pulumi/pulumi runtime/closure/createClosure.js, computeBuiltInModules). `trace_events` is the
 * one built-in a worker cannot load (ERR_TRACE_EVENTS_UNAVAILABLE), so the VaultInit provider
 * would fail to register there. Main-thread runs (npm test, pool forks) are untouched.
 */
import Module from "node:module";
import { isMainThread } from "node:worker_threads";

if (!isMainThread) {
  Object.defineProperty(Module, "builtinModules", {
    value: Object.freeze(Module.builtinModules.filter((name) => name !== "trace_events")),
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * Under Stryker, instrumented functions reach Stryker's namespace object (`__stryker__`, its default
 * `globalNamespace`) and its coverage map through closures (the instrumenter's header: stryNS_9fa48,
 * stryCov_9fa48), so the SDK would serialise both by value into the VaultInit provider's
 * `__provider` input, coverage keys (test names) and all, where the secret scan reads them. An
 * object with a true `doNotCapture` member is serialised as `undefined` (@pulumi/pulumi
 * runtime/closure/createClosure.js, doNotCapture()). The map is created here, in the shape the
 * instrumenter would create it (`{ static: {}, perTest: {} }`), so it can be marked before any
 * instrumented module loads. Real runs never load instrumented code.
 */
interface StrykerNamespace {
  mutantCoverage?: { static: object; perTest: object };
}
const strykerNamespace = (globalThis as { __stryker__?: StrykerNamespace }).__stryker__;
if (strykerNamespace !== undefined) {
  strykerNamespace.mutantCoverage ??= { static: {}, perTest: {} };
  for (const captured of [strykerNamespace, strykerNamespace.mutantCoverage]) {
    if (!Object.hasOwn(captured, "doNotCapture")) Object.defineProperty(captured, "doNotCapture", { value: true, enumerable: false });
  }
}
