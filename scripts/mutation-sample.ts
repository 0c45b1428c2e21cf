/**
 * npm run mutate:sample -- [--size 250] [--seed 1] [--out reports/mutation/sample.json]
 *
 * A whole Stryker run over components/ and index.ts takes hours on 2 cores (every covering test runs
 * the program under mocks), so a developer measures the score on a uniform random sample of its
 * mutants instead and reads it with its confidence interval (npm run mutate:score -- --sample …).
 * The population is listed by Stryker's own instrumenter with stryker.config.mjs's `mutate` globs,
 * so it is the set a whole run would test; the seeded draw makes a sample reproducible.
 * The unit drawn is a mutated node (all of its mutants: `a < b` yields `a <= b` and `a >= b`),
 * because Stryker can select a node but not one mutant of it; every mutant is then equally likely
 * to be in the sample, and the score is a ratio over clusters (scripts/mutation-score.ts).
 * Run the sample with `STRYKER_SAMPLE=<out> npx stryker run` (stryker.config.mjs narrows `mutate`
 * to it, and scripts/stryker/sampleIgnorer.mjs drops the mutants nested inside sampled ones).
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { minimatch } from "minimatch";

/** Stryker's API location: lines from 0, columns from 0. */
export interface MutantLocation {
  readonly start: { readonly line: number; readonly column: number };
  readonly end: { readonly line: number; readonly column: number };
}

export interface SampledMutant {
  readonly file: string;
  readonly mutatorName: string;
  readonly replacement: string;
  readonly location: MutantLocation;
}

export interface MutantSample {
  readonly seed: number;
  /** How many mutants the instrumenter generated over the `mutate` files. */
  readonly population: number;
  /** How many mutated nodes they sit on (the sampling units). */
  readonly populationNodes: number;
  /** The nodes drawn. */
  readonly nodes: number;
  readonly mutants: readonly SampledMutant[];
}

/** The node a mutant sits on: its file and exact location. */
export function nodeKey(mutant: Pick<SampledMutant, "file" | "location">): string {
  const { start, end } = mutant.location;
  return `${mutant.file}:${start.line}:${start.column}-${end.line}:${end.column}`;
}

/** mulberry32: a small seeded generator, so the same seed draws the same sample everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` items drawn without replacement, each equally likely (a partial Fisher–Yates shuffle). */
export function drawSample<T>(population: readonly T[], size: number, random: () => number): T[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`mutate:sample: --size must be a positive integer, got ${size}`);
  const pool = [...population];
  const count = Math.min(size, pool.length);
  for (let index = 0; index < count; index++) {
    const pick = index + Math.floor(random() * (pool.length - index));
    [pool[index], pool[pick]] = [pool[pick] as T, pool[index] as T];
  }
  return pool.slice(0, count);
}

/**
 * The files under `root` that Stryker would mutate for these globs (it matches with minimatch too,
 * @stryker-mutator/core fs/project-reader.js), as `/`-separated relative paths. The tree is walked
 * rather than asked of git: Stryker's sandbox, where the tests also run, is not a repository.
 */
export function filesToMutate(root: string, globs: readonly string[]): string[] {
  const skipped = new Set(["node_modules", "reports", "coverage"]);
  const walk = (relative: string): string[] =>
    readdirSync(path.join(root, relative), { withFileTypes: true })
      .filter((entry) => !entry.name.startsWith(".") && !skipped.has(entry.name))
      .flatMap((entry) => {
        const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
        return entry.isDirectory() ? walk(child) : [child];
      });
  const files = walk("").filter((file) => globs.some((glob) => minimatch(file, glob)));
  if (files.length === 0) throw new Error(`mutate:sample: no file under ${root} matches stryker.config.mjs's mutate globs (${globs.join(", ")})`);
  return files.sort();
}

interface Options {
  readonly size: number;
  readonly seed: number;
  readonly out: string;
}

export function parseArgs(argv: readonly string[]): Options {
  const options: { size: number; seed: number; out: string } = { size: 250, seed: 1, out: "reports/mutation/sample.json" };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (value === undefined) throw new Error(`mutate:sample: ${flag} needs a value`);
    if (flag === "--size" || flag === "--seed") {
      const number = Number(value);
      if (!Number.isInteger(number) || number < (flag === "--size" ? 1 : 0)) throw new Error(`mutate:sample: ${flag} must be an integer${flag === "--size" ? " of at least 1" : ""}, got ${value}`);
      options[flag === "--size" ? "size" : "seed"] = number;
    } else if (flag === "--out") options.out = value;
    else throw new Error(`mutate:sample: unknown option ${flag} (expected --size, --seed or --out)`);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const root = path.join(__dirname, "..");
  const importModule = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;
  // One home for the files under test: stryker.config.mjs's globs (its `mutate` is a sample's ranges
  // while STRYKER_SAMPLE is set).
  const config = (await importModule(pathToFileURL(path.join(root, "stryker.config.mjs")).href)) as { mutateGlobs: string[] };
  const files = filesToMutate(root, config.mutateGlobs);
  const { Instrumenter } = (await importModule("@stryker-mutator/instrumenter")) as typeof import("@stryker-mutator/instrumenter");
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, fatal() {}, isDebugEnabled: () => false, isTraceEnabled: () => false, isInfoEnabled: () => false, isWarnEnabled: () => true, isErrorEnabled: () => true, isFatalEnabled: () => true };
  const instrumenter = new Instrumenter(quiet as unknown as ConstructorParameters<typeof Instrumenter>[0]);
  const { mutants } = await instrumenter.instrument(
    files.map((name) => ({ name, mutate: true, content: readFileSync(path.join(root, name), "utf8") })),
    { plugins: null, excludedMutations: [], ignorers: [] },
  );
  const population: SampledMutant[] = mutants
    .filter((mutant) => mutant.status === undefined)
    .map((mutant) => ({ file: mutant.fileName, mutatorName: mutant.mutatorName, replacement: mutant.replacement, location: mutant.location }));
  const nodes = [...new Set(population.map(nodeKey))];
  const drawn = new Set(drawSample(nodes, options.size, seededRandom(options.seed)));
  const sample: MutantSample = {
    seed: options.seed,
    population: population.length,
    populationNodes: nodes.length,
    nodes: drawn.size,
    mutants: population.filter((mutant) => drawn.has(nodeKey(mutant))),
  };
  mkdirSync(path.dirname(path.resolve(root, options.out)), { recursive: true });
  writeFileSync(path.resolve(root, options.out), `${JSON.stringify(sample, null, 2)}\n`);
  process.stdout.write(`${sample.nodes} of ${sample.populationNodes} mutated nodes, ${sample.mutants.length} of ${sample.population} mutants (seed ${sample.seed}) → ${options.out}\nrun: STRYKER_SAMPLE=${options.out} npx stryker run\nscore: npm run mutate:score -- --sample ${options.out} reports/mutation/mutation.json\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
