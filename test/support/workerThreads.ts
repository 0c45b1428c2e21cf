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
 * Under Stryker, instrumented functions reach Stryker's coverage map through a closure (the
 * instrumenter's header: `var cov = ns.mutantCoverage` in stryCov_9fa48), so the SDK would serialise
 * the map by value into the VaultInit provider's `__provider` input: test names, and counts that
 * grow between two runs of one test. The SDK emits a reference, not a copy, for any object that is
 * a property of the global object (@pulumi/pulumi runtime/closure/createClosure.js,
 * addEntriesForWellKnownGlobalObjectsAsync), as it already does for Stryker's namespace
 * (`__stryker__`, the default `globalNamespace`). So the map is created here, in the shape the
 * instrumenter would create it, and published as a global before any instrumented module loads.
 * Real runs never load instrumented code.
 */
interface StrykerNamespace {
  mutantCoverage?: { static: object; perTest: object };
}
const strykerGlobals = globalThis as { __stryker__?: StrykerNamespace; __strykerMutantCoverage__?: object };
if (strykerGlobals.__stryker__ !== undefined) {
  strykerGlobals.__stryker__.mutantCoverage ??= { static: {}, perTest: {} };
  strykerGlobals.__strykerMutantCoverage__ = strykerGlobals.__stryker__.mutantCoverage;
}
