/**
 * npm run plan -- --stack <name> [--mermaid] [--write-readme]
 *
 * Runs index.ts offline under Pulumi's runtime mocks with the stack's config and prints the five
 * phases: each resource, what it waits for, which resources run concurrently, and a Mermaid graph.
 * Bootstrap secrets are clearly fake placeholders; nothing secret is printed. No cloud or cluster.
 *
 *   --stack <name>    Pulumi.<name>.yaml (default: staging)
 *   --mermaid         print only the ```mermaid block
 *   --write-readme    replace the block between the stack's GENERATED PLAN markers in README.md
 *   --set key=value   (repeatable) instead of the graph, print the change plan from the stack as it is
 *                     to the stack with these overrides: what `pulumi up` would update, replace and
 *                     delete, and every destructive step. Keys are dotted paths into the structured
 *                     config (cluster.k3s.version, apps.0.keys, …); values are YAML scalars or JSON;
 *                     an empty value removes the key.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { readStackConfig, repoRoot, runProgram } from "../mocks/engine";
import { applySets, ChangePlan, ConfigSet, parseSet, planChanges, renderChanges } from "./lib/changes";
import { appsFromConfig, mermaidBlock, placeholderSecretsEnv, Plan, planMarkers, planResources, renderText, replaceGeneratedBlock } from "./lib/graph";

export interface PlanOptions {
  stack: string;
  mermaidOnly: boolean;
  writeReadme: boolean;
  /** The --set arguments as typed. */
  sets: string[];
}

export function parseArgs(argv: readonly string[]): PlanOptions {
  const options: PlanOptions = { stack: "staging", mermaidOnly: false, writeReadme: false, sets: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--stack") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new Error("--stack needs a stack name, e.g. --stack staging");
      options.stack = value;
    } else if (arg.startsWith("--stack=")) {
      options.stack = arg.slice("--stack=".length);
    } else if (arg === "--mermaid") {
      options.mermaidOnly = true;
    } else if (arg === "--write-readme") {
      options.writeReadme = true;
    } else if (arg === "--set") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new Error("--set needs key=value, e.g. --set cluster.k3s.version=v1.34.1+k3s1");
      parseSet(value);
      options.sets.push(value);
    } else if (arg.startsWith("--set=")) {
      parseSet(arg.slice("--set=".length));
      options.sets.push(arg.slice("--set=".length));
    } else {
      throw new Error(`unknown argument ${arg} (expected --stack <name>, --mermaid, --write-readme, --set key=value)`);
    }
  }
  if (!existsSync(path.join(repoRoot, `Pulumi.${options.stack}.yaml`))) {
    throw new Error(`no stack file Pulumi.${options.stack}.yaml in ${repoRoot}`);
  }
  return options;
}

/** Plans a stack with placeholder secrets (runs the program once under mocks). */
export async function planStack(stack: string): Promise<Plan> {
  const apps = appsFromConfig(readStackConfig(stack)["gitops-bootstrap:apps"]);
  const run = await runProgram({ stack, env: placeholderSecretsEnv(apps) });
  return planResources(run.resources);
}

/** The stack's structured config by bare key, as Pulumi.<stack>.yaml (with Pulumi.yaml defaults) sets it. */
function bareStackConfig(stack: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(readStackConfig(stack)).map(([key, value]) => [key.replace(/^gitops-bootstrap:/, ""), value]));
}

/**
 * The change plan from the stack as it is to the stack with `sets` applied: two mocked runs
 * (placeholder secrets for every app of either run), paired by URN.
 */
export async function planStackChanges(stack: string, sets: readonly ConfigSet[]): Promise<ChangePlan> {
  const config = bareStackConfig(stack);
  const overrides = applySets(config, sets);
  const apps = [...appsFromConfig(config["apps"]), ...appsFromConfig(overrides["apps"])];
  const env = placeholderSecretsEnv(apps);
  const before = await runProgram({ stack, env });
  const after = await runProgram({ stack, env, config: overrides, unset: Object.keys(overrides).filter((key) => overrides[key] === undefined) });
  return planChanges(before.resources, after.resources);
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options.sets.length > 0) {
    const plan = await planStackChanges(options.stack, options.sets.map(parseSet));
    const text = renderChanges(plan, options.stack, options.sets);
    // Bold on a terminal; the words are in capitals either way.
    process.stdout.write(process.stdout.isTTY ? text.replace(/^(\s*)(DESTROYS DATA|FAILS THE RUN|RETAINED|DELETES OLD GENERATION|DISRUPTS):/gm, "$1\x1b[1m$2\x1b[0m:") : text);
    return 0;
  }
  const plan = await planStack(options.stack);
  const block = mermaidBlock(plan);

  if (options.writeReadme) {
    const readmePath = path.join(repoRoot, "README.md");
    const { begin, end } = planMarkers(options.stack);
    const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : undefined;
    const updated = readme === undefined ? undefined : replaceGeneratedBlock(readme, begin, end, block);
    if (updated === undefined) {
      process.stderr.write(
        `plan: cannot write the plan into README.md: ${readme === undefined ? "README.md does not exist" : "the markers are missing"}.\n` +
          `Add these two lines where the graph belongs, then run again:\n  ${begin}\n  ${end}\n`,
      );
      return 1;
    }
    if (updated !== readme) writeFileSync(readmePath, updated);
    process.stdout.write(`README.md: ${updated === readme ? "plan for " + options.stack + " already up to date" : "plan for " + options.stack + " updated"}\n`);
    return 0;
  }

  process.stdout.write(options.mermaidOnly ? `${block}\n` : `${renderText(plan, options.stack)}\nMermaid (README):\n\n${block}\n`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`plan: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
