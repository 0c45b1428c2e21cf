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
