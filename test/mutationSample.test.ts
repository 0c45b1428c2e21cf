/**
 * npm run mutate:sample (scripts/mutation-sample.ts), stryker.config.mjs under STRYKER_SAMPLE and
 * scripts/stryker/sampleIgnorer.mjs: a sampled Stryker run tests exactly the drawn nodes' mutants.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Instrumenter } from "@stryker-mutator/instrumenter";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { drawSample, filesToMutate, nodeKey, parseArgs, seededRandom } from "../scripts/mutation-sample";
import { repoRoot } from "./support/harness";

let evaluation = 0;
/** An ES module of the repository (no type declarations), evaluated afresh: the config reads the environment when it loads. */
async function importFresh<T>(relative: string): Promise<T> {
  const url = `${pathToFileURL(path.join(repoRoot, relative)).href}?evaluation=${++evaluation}`;
  return ((await import(/* @vite-ignore */ url)) as { default: T } & T) as T;
}

describe("the seeded draw", () => {
  it("repeats for a seed and differs between seeds", () => {
    const first = seededRandom(42);
    const again = seededRandom(42);
    const other = seededRandom(43);
    const values = Array.from({ length: 5 }, () => first());
    expect(Array.from({ length: 5 }, () => again())).toEqual(values);
    expect(Array.from({ length: 5 }, () => other())).not.toEqual(values);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it("draws without replacement, and every item is equally likely", () => {
    const population = ["a", "b", "c", "d"];
    const sample = drawSample(population, 3, seededRandom(5));
    expect(new Set(sample).size).toBe(3);
    expect(sample.every((item) => population.includes(item))).toBe(true);
    expect(drawSample(population, 10, seededRandom(5)).sort()).toEqual(population);
    // 4,000 draws of 1: each item expected 1,000 times; ±150 is over 5 standard deviations (√750 ≈ 27).
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 4000; seed++) {
      const [item] = drawSample(population, 1, seededRandom(seed));
      counts.set(item!, (counts.get(item!) ?? 0) + 1);
    }
    for (const item of population) expect(Math.abs((counts.get(item) ?? 0) - 1000)).toBeLessThan(150);
  });

  it("refuses sizes and options it cannot use, naming them", () => {
    expect(() => drawSample(["a"], 0, seededRandom(1))).toThrow("mutate:sample: --size must be a positive integer, got 0");
    expect(parseArgs([])).toEqual({ size: 250, seed: 1, out: "reports/mutation/sample.json" });
    expect(parseArgs(["--size", "40", "--seed", "0", "--out", "x.json"])).toEqual({ size: 40, seed: 0, out: "x.json" });
    expect(() => parseArgs(["--size", "1.5"])).toThrow("mutate:sample: --size must be an integer of at least 1, got 1.5");
    expect(() => parseArgs(["--seed", "-1"])).toThrow("mutate:sample: --seed must be an integer, got -1");
    expect(() => parseArgs(["--size"])).toThrow("mutate:sample: --size needs a value");
    expect(() => parseArgs(["--sise", "3"])).toThrow("mutate:sample: unknown option --sise (expected --size, --seed or --out)");
  });
});

describe("the files a sample draws from", () => {
  it("are those Stryker's globs match, found without git (Stryker's sandbox is no repository)", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "mutate-files-"));
    for (const file of ["components/a.ts", "components/sub/b.ts", "components/c.js", "node_modules/x/components/d.ts", ".stryker-tmp/components/e.ts", "index.ts", "other.ts"]) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), "");
    }
    expect(filesToMutate(root, ["components/**/*.ts", "index.ts"])).toEqual(["components/a.ts", "components/sub/b.ts", "index.ts"]);
    expect(() => filesToMutate(root, ["lib/**/*.ts"])).toThrow(`mutate:sample: no file under ${root} matches stryker.config.mjs's mutate globs (lib/**/*.ts)`);
  });
});

describe("a sampled Stryker run", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // Line 2 (from 0) holds `a > 1 && b` (columns 9–19), the drawn node; `a > 1` inside it is not drawn.
  const file = "components/sampled.ts";
  const source = ["export function f(a: number, b: boolean): boolean {", "  // a comment", "  return a > 1 && b;", "}", ""].join("\n");
  const drawn = { start: { line: 2, column: 9 }, end: { line: 2, column: 19 } };

  it("mutates the drawn node only: not the expression around it, nor what it encloses", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), "sample-"));
    const samplePath = path.join(directory, "sample.json");
    writeFileSync(samplePath, JSON.stringify({ seed: 1, population: 9, populationNodes: 5, nodes: 1, mutants: [{ file, mutatorName: "LogicalOperator", replacement: "a > 1 || b", location: drawn }] }));
    vi.stubEnv("STRYKER_SAMPLE", samplePath);
    const config = (await importFresh<{ default: { mutate: string[]; ignorers: string[]; plugins: string[]; thresholds: { break: number | null } } }>("stryker.config.mjs")).default;
    // Stryker's ranges count lines from 1 and columns from 0.
    expect(config.mutate).toEqual(["components/sampled.ts:3:9-3:19"]);
    expect(config).toMatchObject({ ignorers: ["sample"], plugins: ["@stryker-mutator/*", "./scripts/stryker/sampleIgnorer.mjs"], thresholds: { break: null } });

    const { strykerPlugins } = await importFresh<{ strykerPlugins: { name: string; injectableClass: new () => unknown }[] }>("scripts/stryker/sampleIgnorer.mjs");
    expect(strykerPlugins.map((plugin) => plugin.name)).toEqual(["sample"]);
    const ignorer = new strykerPlugins[0]!.injectableClass() as { shouldIgnore(path: unknown): string | undefined };
    const quiet = { debug() {}, info() {}, warn() {}, isDebugEnabled: () => false };
    const instrument = async (ignorers: unknown[]) => {
      const { mutants } = await new Instrumenter(quiet as never).instrument([{ name: file, mutate: [drawn], content: source }], { plugins: null, excludedMutations: [], ignorers: ignorers as never[] });
      return mutants.filter((mutant) => mutant.status !== "Ignored").map((mutant) => nodeKey({ file: mutant.fileName, location: mutant.location }));
    };
    // The range alone also selects `a > 1` (columns 9–14), nested in the drawn node.
    expect(new Set(await instrument([]))).toEqual(new Set(["components/sampled.ts:2:9-2:19", "components/sampled.ts:2:9-2:14"]));
    const tested = await instrument([ignorer]);
    expect(tested.length).toBeGreaterThan(1);
    expect(new Set(tested)).toEqual(new Set(["components/sampled.ts:2:9-2:19"]));
  });

  it("is a whole run without STRYKER_SAMPLE, breaking below the target", async () => {
    vi.stubEnv("STRYKER_SAMPLE", "");
    vi.stubEnv("STRYKER_SHARD", "");
    const config = (await importFresh<{ default: { mutate: string[]; ignorers?: string[]; thresholds: { low: number; break: number | null } } }>("stryker.config.mjs")).default;
    expect(config.mutate).toEqual(["components/**/*.ts", "index.ts"]);
    expect(config.ignorers).toBeUndefined();
    expect(config.thresholds).toMatchObject({ low: 85, break: 85 });
  });
});
