/**
 * npm run bench [-- --runs <n>] [--latency <ms>] [--write-readme]
 *
 * Answers two questions with figures and the spread of their runs (median, min–max), never a
 * verdict: timings on a shared machine are noisy, so a reader compares figures, not PASS/FAIL.
 * 1. Evaluation: how long the program takes at 10, 100 and 500 generated apps, next to a bare
 *    program that registers the same number of resources on the same SDK and mocks (the cost of the
 *    SDK and mocks alone). The ratio of the medians is the program's own overhead.
 * 2. Concurrency: staging and prod with every mocked resource operation taking `latency` ms: the
 *    waiting time (wall − the same run with latency 0) next to what the dependency graph predicts
 *    (critical path × latency) and a serial script (resources × latency).
 * Prints Markdown; --write-readme puts it between the GENERATED BENCHMARK markers in README.md.
 * Placeholder secrets only; no cloud or cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ProgramRun, readStackConfig, repoRoot, RunOptions, runProgram } from "../mocks/engine";
import { appsFromConfig, benchmarkMarkers, placeholderSecretsEnv, planResources, registrationChain, replaceGeneratedBlock, shortLabel } from "./lib/graph";

interface BenchOptions {
  latencyMs: number;
  runs: number;
  writeReadme: boolean;
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { latencyMs: 40, runs: 5, writeReadme: false };
  const number = (flag: string, value: string | undefined, min: number): number => {
    const parsed = Number(value);
    if (value === undefined || !Number.isFinite(parsed) || parsed < min) throw new Error(`${flag} needs a number ≥ ${min}`);
    return parsed;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--latency") options.latencyMs = number(arg, argv[++i], 1);
    else if (arg.startsWith("--latency=")) options.latencyMs = number("--latency", arg.slice("--latency=".length), 1);
    else if (arg === "--runs") options.runs = Math.round(number(arg, argv[++i], 1));
    else if (arg === "--write-readme") options.writeReadme = true;
    else throw new Error(`unknown argument ${arg} (expected --latency <ms>, --runs <n>, --write-readme)`);
  }
  return options;
}

/** Wall times of repeated runs. */
export class Timings {
  readonly ms: number[] = [];
  get median(): number {
    const sorted = [...this.ms].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
  /** "median (min–max)" in whole ms. */
  toString(): string {
    return `${Math.round(this.median)} (${Math.round(Math.min(...this.ms))}–${Math.round(Math.max(...this.ms))})`;
  }
}

async function timed(timings: Timings, options: RunOptions): Promise<ProgramRun> {
  const start = performance.now();
  const run = await runProgram(options);
  timings.ms.push(performance.now() - start);
  return run;
}

/** `count` generated apps, spread over 10 namespaces, one key each. */
export function generatedApps(count: number): { name: string; namespace: string; keys: string[] }[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `app-${String(index + 1).padStart(4, "0")}`,
    namespace: `apps-${String((index % 10) + 1).padStart(2, "0")}`,
    keys: ["token"],
  }));
}

/** A custom resource of no provider: what the bare program registers. */
class Bare extends pulumi.CustomResource {
  constructor(index: number) {
    super("bench:index:Bare", `bare-${index}`, { index, label: `bare-${index}` });
  }
}

/** The bare program: `count` custom resources with small inputs, no components, no outputs between them. */
function bareProgram(count: number): RunOptions["loadProgram"] {
  return async () => {
    for (let index = 0; index < count; index++) new Bare(index);
    return {};
  };
}

/**
 * A bare program of the program's own resource types: per app what the program registers per app
 * (a Vault KV secret and an ExternalSecret, literal inputs, nothing between them), the rest of the
 * `count` as plain custom resources. The SDK's cost differs by type: a provider class makes an
 * Output for each property it declares (vault.kv.SecretV2 declares 14), a plain CustomResource none.
 */
function sameTypesProgram(count: number, apps: number): RunOptions["loadProgram"] {
  return async () => {
    const vaultProvider = new vault.Provider("vault", { address: "http://vault.invalid:8200" });
    const cluster = new k8s.Provider("cluster", { context: "bench" });
    for (let index = 0; index < apps; index++) {
      const name = `app-${index}`;
      const dataJson = pulumi.secret(JSON.stringify({ token: `placeholder-not-a-secret-${index}` }));
      new vault.kv.SecretV2(name, { mount: "gitops", name: `apps/${name}`, dataJson }, { provider: vaultProvider });
      new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name, namespace: "apps" }, spec: { dataFrom: [{ extract: { key: `apps/${name}` } }] } },
        { provider: cluster },
      );
    }
    for (let index = 2 + 2 * apps; index < count; index++) new Bare(index);
    return {};
  };
}

interface EvaluationResult {
  apps: number;
  /** Every registration: custom resources, components, providers and reads. */
  registrations: number;
  program: Timings;
  bare: Timings;
  sameTypes: Timings;
}

/** Program and bare runs alternate, so drift in the machine's load hits both alike. */
async function benchEvaluation(count: number, runs: number): Promise<EvaluationResult> {
  const apps = generatedApps(count);
  const env = placeholderSecretsEnv(apps);
  const result: EvaluationResult = { apps: count, registrations: 0, program: new Timings(), bare: new Timings(), sameTypes: new Timings() };
  for (let i = 0; i < runs; i++) {
    result.registrations = (await timed(result.program, { stack: "staging", config: { apps }, env })).resources.length;
    await timed(result.bare, { stack: "staging", loadProgram: bareProgram(result.registrations) });
    await timed(result.sameTypes, { stack: "staging", loadProgram: sameTypesProgram(result.registrations, count) });
  }
  return result;
}

interface ConcurrencyResult {
  stack: string;
  resources: number;
  criticalPath: string[];
  /** The longest chain as the mocks schedule it (component registrations count). */
  registrationChain: number;
  cpu: Timings;
  wall: Timings;
}

async function benchConcurrency(stack: string, options: BenchOptions): Promise<ConcurrencyResult> {
  const env = placeholderSecretsEnv(appsFromConfig(readStackConfig(stack)["gitops-bootstrap:apps"]));
  const cpu = new Timings();
  const wall = new Timings();
  let last: ProgramRun | undefined;
  for (let i = 0; i < options.runs; i++) {
    await timed(cpu, { stack, env });
    last = await timed(wall, { stack, env, latencyMs: options.latencyMs });
  }
  if (last === undefined) throw new Error("bench: no runs");
  const plan = planResources(last.resources);
  return {
    stack,
    resources: plan.graph.nodes.length,
    criticalPath: plan.critical.path.map((id) => {
      const node = plan.byId.get(id);
      return node === undefined ? id : shortLabel(node);
    }),
    registrationChain: registrationChain(last.resources).length,
    cpu,
    wall,
  };
}

function render(options: BenchOptions, evaluation: readonly EvaluationResult[], concurrency: readonly ConcurrencyResult[]): string {
  const lines: string[] = [];
  const spread = `median (min–max) of ${options.runs} runs, in ms`;
  lines.push(`Measured with \`npm run bench\` (${spread}); Node ${process.version}, ${os.cpus().length} CPUs, machine shared with other jobs.`);
  lines.push("");
  lines.push("**Program evaluation vs bare programs** of as many registrations on the same SDK and mocks (latency 0; staging, generated");
  lines.push("apps over 10 namespaces, one key each). *Plain*: custom resources of no provider. *Same types*: per app a vault.kv.SecretV2");
  lines.push("and an ExternalSecret with literal inputs (what the program registers per app), the rest plain.");
  lines.push("");
  lines.push("| apps | registrations | program | bare, plain | bare, same types | program ÷ plain | program ÷ same types |");
  lines.push("|---:|---:|---:|---:|---:|---:|---:|");
  const ratio = (a: Timings, b: Timings) => `${(a.median / b.median).toFixed(2)}×`;
  for (const r of evaluation) {
    lines.push(`| ${r.apps} | ${r.registrations} | ${r.program} | ${r.bare} | ${r.sameTypes} | ${ratio(r.program, r.bare)} | ${ratio(r.program, r.sameTypes)} |`);
  }
  lines.push("");
  lines.push(`**Concurrency** (each mocked resource operation sleeps ${options.latencyMs} ms; waiting = wall − latency-0 run, medians):`);
  lines.push("");
  lines.push("| stack | resources | latency-0 run | wall | waiting | critical path × latency | registration chain × latency | serial script |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const s of concurrency) {
    lines.push(
      `| ${s.stack} | ${s.resources} | ${s.cpu} | ${s.wall} | ${Math.round(s.wall.median - s.cpu.median)} | ` +
        `${s.criticalPath.length} × ${options.latencyMs} = ${s.criticalPath.length * options.latencyMs} | ` +
        `${s.registrationChain} × ${options.latencyMs} = ${s.registrationChain * options.latencyMs} | ${s.resources * options.latencyMs} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const readmePath = path.join(repoRoot, "README.md");
  const readmeProblem = (): string | undefined => {
    if (!existsSync(readmePath)) return "README.md does not exist";
    return replaceGeneratedBlock(readFileSync(readmePath, "utf8"), benchmarkMarkers.begin, benchmarkMarkers.end, "") === undefined
      ? "the markers are missing"
      : undefined;
  };
  const refuse = (problem: string) => {
    process.stderr.write(
      `bench: cannot write the benchmark into README.md: ${problem}.\n` +
        `Add these two lines where the table belongs, then run again:\n  ${benchmarkMarkers.begin}\n  ${benchmarkMarkers.end}\n`,
    );
    return 1;
  };
  // Check before spending a minute measuring.
  const early = options.writeReadme ? readmeProblem() : undefined;
  if (early !== undefined) return refuse(early);
  // The SDK records a stack trace for every promise it makes (@pulumi/pulumi runtime/debuggable.js);
  // with tsx's source maps each costs a source-map lookup, which is the runner's cost, not the program's.
  process.setSourceMapsEnabled(false);
  const started = performance.now();
  // Warm-up: module loading and JIT are not what is measured.
  await runProgram({ stack: "staging", env: placeholderSecretsEnv(appsFromConfig(readStackConfig("staging")["gitops-bootstrap:apps"])) });
  await runProgram({ stack: "staging", loadProgram: bareProgram(100) });
  await runProgram({ stack: "staging", loadProgram: sameTypesProgram(100, 10) });

  const evaluation: EvaluationResult[] = [];
  for (const count of [10, 100, 500]) evaluation.push(await benchEvaluation(count, options.runs));
  const concurrency: ConcurrencyResult[] = [];
  for (const stack of ["staging", "prod"]) concurrency.push(await benchConcurrency(stack, options));

  const table = render(options, evaluation, concurrency);
  process.stdout.write(table);
  for (const s of concurrency) process.stdout.write(`\n${s.stack} critical path: ${s.criticalPath.join(" → ")}`);
  process.stdout.write(`\n(bench took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);

  if (options.writeReadme) {
    const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : undefined;
    const updated = readme === undefined ? undefined : replaceGeneratedBlock(readme, benchmarkMarkers.begin, benchmarkMarkers.end, table);
    if (updated === undefined) return refuse(readmeProblem() ?? "the markers are missing");
    writeFileSync(readmePath, updated);
    process.stdout.write("README.md: benchmark updated\n");
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
