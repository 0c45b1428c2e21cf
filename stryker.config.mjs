// Mutation testing (issue #16): Stryker puts one small bug at a time into the program and runs the
// tests that cover it; a bug no test notices is a "survived" mutant. `npm run mutate` runs it all
// (long: minutes per component on 2 cores); `npx stryker run --mutate components/<file>.ts` runs one
// file. See README "Mutation testing" for how to read the report.
// @ts-check
/* global process */
import { readFileSync } from "node:fs";

/** What a whole run mutates; npm run mutate:sample draws from these files too. */
export const mutateGlobs = ["components/**/*.ts", "index.ts"];
// The target (#16): at least 85% of mutants killed. npm run mutate:score reads it from `low`.
const target = 85;

// A sampled run (npm run mutate:sample; STRYKER_SAMPLE names its file) mutates only the sampled
// mutants' nodes, and scripts/stryker/sampleIgnorer.mjs drops what is nested inside them.
const samplePath = process.env.STRYKER_SAMPLE;
/** @type {{ file: string, location: { start: { line: number, column: number }, end: { line: number, column: number } } }[]} */
const sampled = samplePath ? JSON.parse(readFileSync(samplePath, "utf8")).mutants : [];
// Stryker's `file:line:column-line:column` reads lines from 1 and columns from 0.
const sampleRanges = sampled.map(({ file, location: { start, end } }) => `${file}:${start.line + 1}:${start.column}-${end.line + 1}:${end.column}`);

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  mutate: samplePath ? sampleRanges : mutateGlobs,
  ...(samplePath ? { plugins: ["@stryker-mutator/*", "./scripts/stryker/sampleIgnorer.mjs"], ignorers: ["sample"] } : {}),
  testRunner: "vitest",
  vitest: {
    configFile: "vitest.config.mts",
    // Tests load index.ts (and through it every component) with a dynamic import after
    // vi.resetModules(), which vitest's "related files" lookup does not follow: run every test in
    // the dry run and let per-test coverage pick the tests for each mutant.
    related: false,
  },
  // Each mutant runs only the tests that executed its code in the dry run.
  coverageAnalysis: "perTest",
  // Mutants that do not compile are dropped before any test runs.
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  // The weekly workflow runs one shard per file and scores them together (scripts/mutation-score.ts).
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  // Below `break` the run exits non-zero.
  // A shard (STRYKER_SHARD set, one file) or a sample does not break on its own: the total, or the
  // sample's interval (npm run mutate:score -- --sample), decides.
  thresholds: { high: 90, low: target, break: process.env.STRYKER_SHARD || samplePath ? null : target },
  // Two cores: one test runner and one checker at a time.
  concurrency: 2,
  // A mutant's time limit is its tests' dry-run time × 1.5 plus this; the CPU is shared, so allow
  // slack before calling a slow run an endless one ("timeout").
  timeoutMS: 15_000,
  // The dry run is the whole suite once, instrumented, on one worker.
  dryRunTimeoutMinutes: 30,
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["coverage", "bin"],
  cleanTempDir: true,
};
