/**
 * npm run mutate:score -- <mutation.json>…
 *
 * The mutation score of several Stryker runs together: the weekly workflow runs Stryker once per
 * file (a whole run takes hours here, since every covering test runs the program under mocks), and
 * this reads each shard's JSON report (mutation-testing-report-schema: `files` → `mutants[].status`)
 * and prints the score per file and over all of them, as Stryker computes it:
 * detected (Killed + Timeout) / valid (detected + Survived + NoCoverage); CompileError, RuntimeError
 * and Ignored do not count. Exits 1 below stryker.config.mjs's `thresholds.break`.
 *
 * npm run mutate:score -- --sample <sample.json> <mutation.json>…
 *
 * The score of a sampled run (npm run mutate:sample): only the sampled mutants count, as a ratio
 * estimate over the sampled nodes with its 95% interval; exits 1 when the interval's upper end is
 * below the threshold (the sample shows the code is below it), and lists the survivors.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

/** A position in a Stryker JSON report: lines and columns from 1 (mutation-testing-report-schema). */
interface ReportPosition {
  readonly line: number;
  readonly column: number;
}

/** What this reads of a Stryker JSON report's mutants. */
export interface ReportedMutant {
  readonly status: string;
  readonly mutatorName?: string;
  readonly replacement?: string;
  readonly location?: { readonly start: ReportPosition; readonly end: ReportPosition };
}

/** What this reads of a Stryker JSON report. */
export interface MutationReport {
  readonly files: Readonly<Record<string, { readonly mutants: readonly ReportedMutant[] }>>;
}

export interface FileScore {
  readonly file: string;
  readonly detected: number;
  readonly undetected: number;
  /** Percent, or undefined for a file without valid mutants. */
  readonly score: number | undefined;
}

const detectedStatuses = new Set(["Killed", "Timeout"]);
const undetectedStatuses = new Set(["Survived", "NoCoverage"]);

function percent(detected: number, undetected: number): number | undefined {
  return detected + undetected === 0 ? undefined : (100 * detected) / (detected + undetected);
}

/** Per file and in total; a file reported by two shards is a sharding mistake and is refused. */
export function mutationScores(reports: readonly MutationReport[]): { files: FileScore[]; total: FileScore } {
  const seen = new Set<string>();
  const files: FileScore[] = [];
  for (const report of reports) {
    for (const [file, result] of Object.entries(report.files)) {
      if (seen.has(file)) throw new Error(`mutate:score: ${file} is in more than one report: give each shard different files`);
      seen.add(file);
      const detected = result.mutants.filter((mutant) => detectedStatuses.has(mutant.status)).length;
      const undetected = result.mutants.filter((mutant) => undetectedStatuses.has(mutant.status)).length;
      files.push({ file, detected, undetected, score: percent(detected, undetected) });
    }
  }
  files.sort((a, b) => a.file.localeCompare(b.file));
  const detected = files.reduce((sum, file) => sum + file.detected, 0);
  const undetected = files.reduce((sum, file) => sum + file.undetected, 0);
  return { files, total: { file: "all files", detected, undetected, score: percent(detected, undetected) } };
}

/** What this reads of a sample (scripts/mutation-sample.ts): locations count lines and columns from 0. */
export interface Sample {
  readonly seed: number;
  readonly populationNodes: number;
  readonly nodes: number;
  readonly mutants: readonly {
    readonly file: string;
    readonly mutatorName: string;
    readonly replacement: string;
    readonly location: { readonly start: ReportPosition; readonly end: ReportPosition };
  }[];
}

export interface SampleScore {
  readonly nodes: number;
  readonly detected: number;
  readonly undetected: number;
  /** Percent. */
  readonly score: number;
  /** The 95% interval of the whole code's score, in percent. */
  readonly low: number;
  readonly high: number;
  /** `file:line:column mutator → replacement`, for each sampled mutant no test noticed. */
  readonly survivors: readonly string[];
}

/**
 * The sampled mutants' results. Each drawn node is a cluster of mutants, so the score is the ratio
 * estimate Σdetected / Σvalid over the nodes, and its standard error the ratio estimator's (with the
 * finite population correction), as in Cochran, Sampling Techniques (3rd ed.), §6.4 and §11.8.
 */
export function sampleScore(sample: Sample, reports: readonly MutationReport[]): SampleScore {
  const results = new Map<string, ReportedMutant>();
  const key = (file: string, mutatorName: string | undefined, replacement: string | undefined, start: ReportPosition, end: ReportPosition) =>
    `${file}:${start.line}:${start.column}-${end.line}:${end.column} ${mutatorName} ${replacement}`;
  for (const report of reports) {
    for (const [file, result] of Object.entries(report.files)) {
      for (const mutant of result.mutants) {
        if (mutant.location) results.set(key(file, mutant.mutatorName, mutant.replacement, mutant.location.start, mutant.location.end), mutant);
      }
    }
  }
  const nodes = new Map<string, { detected: number; valid: number }>();
  const survivors: string[] = [];
  const missing: string[] = [];
  for (const mutant of sample.mutants) {
    const { start, end } = mutant.location;
    // The sample counts from 0, the report from 1.
    const reportStart = { line: start.line + 1, column: start.column + 1 };
    const reportEnd = { line: end.line + 1, column: end.column + 1 };
    const name = `${mutant.file}:${reportStart.line}:${reportStart.column} ${mutant.mutatorName} → ${mutant.replacement}`;
    const result = results.get(key(mutant.file, mutant.mutatorName, mutant.replacement, reportStart, reportEnd));
    if (result === undefined) {
      missing.push(name);
      continue;
    }
    const node = `${mutant.file}:${start.line}:${start.column}-${end.line}:${end.column}`;
    const tally = nodes.get(node) ?? { detected: 0, valid: 0 };
    if (detectedStatuses.has(result.status)) tally.detected++;
    if (detectedStatuses.has(result.status) || undetectedStatuses.has(result.status)) tally.valid++;
    if (undetectedStatuses.has(result.status)) survivors.push(`${name} (${result.status})`);
    nodes.set(node, tally);
  }
  if (missing.length > 0) throw new Error(`mutate:score: ${missing.length} sampled mutant(s) are in no report, e.g. ${missing[0]}: run the sample (STRYKER_SAMPLE=… npx stryker run) and give its report`);
  const clusters = [...nodes.values()];
  const detected = clusters.reduce((sum, node) => sum + node.detected, 0);
  const valid = clusters.reduce((sum, node) => sum + node.valid, 0);
  if (valid === 0) throw new Error("mutate:score: the sample has no valid mutant (all CompileError, RuntimeError or Ignored)");
  const ratio = detected / valid;
  const n = sample.nodes;
  const meanValid = valid / n;
  // Nodes whose mutants were all invalid are in the sample too, with nothing detected of nothing.
  const residuals = clusters.reduce((sum, node) => sum + (node.detected - ratio * node.valid) ** 2, 0);
  const standardError = n > 1 ? Math.sqrt(((1 - n / sample.populationNodes) * residuals) / (n - 1) / n) / meanValid : 0;
  const clamp = (value: number) => Math.min(100, Math.max(0, value));
  return {
    nodes: n,
    detected,
    undetected: valid - detected,
    score: 100 * ratio,
    low: clamp(100 * (ratio - 1.96 * standardError)),
    high: clamp(100 * (ratio + 1.96 * standardError)),
    survivors: survivors.sort(),
  };
}

export function renderSampleScore(score: SampleScore, sample: Sample): string {
  return [
    `sample: ${score.nodes} of ${sample.populationNodes} mutated nodes (seed ${sample.seed}), ${score.detected} detected, ${score.undetected} undetected`,
    `score: ${score.score.toFixed(1)}% (95% interval ${score.low.toFixed(1)}–${score.high.toFixed(1)}%)`,
    ...(score.survivors.length > 0 ? ["survivors:", ...score.survivors.map((survivor) => `  ${survivor}`)] : []),
  ].join("\n");
}

export function renderScores(scores: { files: readonly FileScore[]; total: FileScore }): string {
  const line = (row: FileScore) =>
    `${row.score === undefined ? "    -" : row.score.toFixed(1).padStart(5)}%  ${String(row.detected).padStart(5)} detected  ${String(row.undetected).padStart(4)} undetected  ${row.file}`;
  return [...scores.files.map(line), line(scores.total)].join("\n");
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const samplePath = args[0] === "--sample" ? args[1] : undefined;
  const paths = samplePath === undefined ? args : args.slice(2);
  if (paths.length === 0) throw new Error("give the shards' JSON reports, e.g. npm run mutate:score -- reports/shards/*/mutation.json, or --sample <sample.json> <mutation.json>");
  const reports = paths.map((file) => JSON.parse(readFileSync(file, "utf8")) as MutationReport);
  // One home for the threshold: stryker.config.mjs (ES module; loaded as such, not transpiled to require).
  // Its `break` is off for a sampled or sharded run, so the target is read from `thresholds.low`.
  const importModule = new Function("url", "return import(url)") as (url: string) => Promise<{ default: { thresholds: { low: number } } }>;
  const config = await importModule(pathToFileURL(path.join(__dirname, "..", "stryker.config.mjs")).href);
  const threshold = config.default.thresholds.low;
  if (samplePath !== undefined) {
    const sample = JSON.parse(readFileSync(samplePath, "utf8")) as Sample;
    const score = sampleScore(sample, reports);
    process.stdout.write(`${renderSampleScore(score, sample)}\ntarget: ${threshold}%\n`);
    return score.high < threshold ? 1 : 0;
  }
  const scores = mutationScores(reports);
  process.stdout.write(`${renderScores(scores)}\nbreak threshold: ${threshold}%\n`);
  return (scores.total.score ?? 0) < threshold ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
