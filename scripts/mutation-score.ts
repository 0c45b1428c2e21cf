/**
 * npm run mutate:score -- <mutation.json>…
 *
 * The mutation score of several Stryker runs together: the weekly workflow runs Stryker once per
 * file (a whole run takes hours here, since every covering test runs the program under mocks), and
 * this reads each shard's JSON report (mutation-testing-report-schema: `files` → `mutants[].status`)
 * and prints the score per file and over all of them, as Stryker computes it:
 * detected (Killed + Timeout) / valid (detected + Survived + NoCoverage); CompileError, RuntimeError
 * and Ignored do not count. Exits 1 below stryker.config.mjs's `thresholds.break`.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

/** What this reads of a Stryker JSON report. */
export interface MutationReport {
  readonly files: Readonly<Record<string, { readonly mutants: readonly { readonly status: string }[] }>>;
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

export function renderScores(scores: { files: readonly FileScore[]; total: FileScore }): string {
  const line = (row: FileScore) =>
    `${row.score === undefined ? "    -" : row.score.toFixed(1).padStart(5)}%  ${String(row.detected).padStart(5)} detected  ${String(row.undetected).padStart(4)} undetected  ${row.file}`;
  return [...scores.files.map(line), line(scores.total)].join("\n");
}

async function main(): Promise<number> {
  const paths = process.argv.slice(2);
  if (paths.length === 0) throw new Error("give the shards' JSON reports, e.g. npm run mutate:score -- reports/shards/*/mutation.json");
  const scores = mutationScores(paths.map((file) => JSON.parse(readFileSync(file, "utf8")) as MutationReport));
  // One home for the threshold: stryker.config.mjs (ES module; loaded as such, not transpiled to require).
  const importModule = new Function("url", "return import(url)") as (url: string) => Promise<{ default: { thresholds: { break: number } } }>;
  const config = await importModule(pathToFileURL(path.join(__dirname, "..", "stryker.config.mjs")).href);
  const threshold = config.default.thresholds.break;
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
