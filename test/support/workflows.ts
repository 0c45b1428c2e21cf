/**
 * Pure checks for GitHub Actions workflow files: shape, npm scripts, Pulumi stacks and policy
 * packs they refer to, action pinning, permissions and the staging -> prod promotion. Every check
 * takes a parsed workflow and returns problems ([] = fine), so each can be shown to fail on a small
 * inline document.
 */
import * as path from "node:path";
import { parseDocument } from "yaml";

type JsonObject = Record<string, unknown>;

export interface Step {
  readonly id?: string;
  readonly if?: unknown;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: JsonObject;
  readonly env?: JsonObject;
  readonly "working-directory"?: string;
}

export interface Job {
  readonly "runs-on"?: unknown;
  readonly uses?: string;
  readonly needs?: string | string[];
  readonly environment?: string | { name?: string; url?: string };
  readonly permissions?: unknown;
  readonly concurrency?: unknown;
  readonly strategy?: { matrix?: unknown };
  readonly env?: JsonObject;
  readonly defaults?: { run?: { "working-directory"?: string } };
  readonly steps?: Step[];
  readonly if?: unknown;
}

export interface Workflow {
  readonly name?: string;
  readonly on?: unknown;
  readonly permissions?: unknown;
  readonly env?: JsonObject;
  readonly jobs?: Record<string, Job>;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a workflow as YAML 1.2 (so `on:` stays the string key GitHub reads); throws on errors. */
export function parseWorkflow(text: string, name = "workflow"): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${name}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
  return doc.toJS();
}

/** A mapping with `on` and a non-empty `jobs` mapping whose jobs have runs-on + steps (or uses). */
export function shapeProblems(doc: unknown): string[] {
  if (!isObject(doc)) return ["workflow is not a mapping"];
  const problems: string[] = [];
  if (doc.on === undefined || doc.on === null) problems.push("workflow has no `on` trigger");
  if (!isObject(doc.jobs) || Object.keys(doc.jobs).length === 0) return [...problems, "workflow has no jobs"];
  for (const [id, job] of Object.entries(doc.jobs)) {
    if (!isObject(job)) {
      problems.push(`job ${id} is not a mapping`);
      continue;
    }
    if (typeof job.uses === "string") continue; // reusable workflow call
    if (job["runs-on"] === undefined) problems.push(`job ${id} has no runs-on`);
    if (!Array.isArray(job.steps) || job.steps.length === 0) problems.push(`job ${id} has no steps`);
    else if (job.steps.some((s) => !isObject(s) || (typeof s.run !== "string" && typeof s.uses !== "string"))) {
      problems.push(`job ${id} has a step with neither run nor uses`);
    }
  }
  for (const [id, job] of Object.entries(doc.jobs)) {
    for (const need of needsOf(job as Job)) {
      if (!(need in doc.jobs)) problems.push(`job ${id} needs unknown job ${need}`);
    }
  }
  return problems;
}

export function jobsOf(workflow: Workflow): [string, Job][] {
  return isObject(workflow.jobs) ? Object.entries(workflow.jobs) : [];
}

export function stepsOf(job: Job): Step[] {
  return Array.isArray(job.steps) ? job.steps.filter(isObject) : [];
}

export function needsOf(job: Job): string[] {
  if (typeof job.needs === "string") return [job.needs];
  return Array.isArray(job.needs) ? job.needs.filter((n): n is string => typeof n === "string") : [];
}

// ---------------------------------------------------------------------------------------------
// npm

/** npm commands that are npm's own, not package.json scripts. */
const NPM_BUILTINS = new Set([
  "ci", "clean-install", "install-clean", "ic", "install", "i", "add", "install-ci-test", "cit", "install-test", "it",
  "exec", "x", "cache", "config", "version", "view", "ls", "list", "audit", "pack", "publish", "prune", "rebuild",
  "update", "outdated", "whoami", "doctor", "explain", "fund", "query", "sbom", "pkg", "help", "root", "prefix", "bin",
]);
/** Shorthands that run the script of the same name. */
const NPM_SCRIPT_SHORTHANDS: Record<string, string> = { test: "test", t: "test", tst: "test", start: "start", stop: "stop", restart: "restart" };
const NPM_RUN = new Set(["run", "run-script", "rum", "urn"]);

export interface NpmInvocation {
  /** The npm command as written (`ci`, `run`, `test`, ...). */
  readonly command: string;
  /** The package.json script it runs, if any. */
  readonly script?: string;
}

/** The npm invocations in a shell snippet (`npx`/`pnpm` are not npm). */
export function npmInvocations(shell: string): NpmInvocation[] {
  const found: NpmInvocation[] = [];
  for (const line of shell.split("\n")) {
    const code = line.replace(/(^|\s)#.*$/, "");
    for (const match of code.matchAll(/(?:^|[\s;&|(`])npm((?:\s+[^\s;&|)`]+)+)/g)) {
      const words = match[1].trim().split(/\s+/);
      const positional = words.filter((w) => !w.startsWith("-"));
      const command = positional[0];
      if (command === undefined) continue;
      if (NPM_RUN.has(command)) found.push({ command, script: positional[1] ?? "" });
      else if (command in NPM_SCRIPT_SHORTHANDS) found.push({ command, script: NPM_SCRIPT_SHORTHANDS[command] });
      else found.push({ command });
    }
  }
  return found;
}

/** Every npm script a workflow runs must exist in package.json; every other npm command must be npm's own. */
export function npmProblems(workflow: Workflow, scripts: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobsOf(workflow)) {
    for (const step of stepsOf(job)) {
      if (typeof step.run !== "string") continue;
      for (const call of npmInvocations(step.run)) {
        if (call.script !== undefined) {
          if (call.script === "") problems.push(`job ${id}: \`npm ${call.command}\` without a script name`);
          else if (!(call.script in scripts)) problems.push(`job ${id}: npm script "${call.script}" is not in package.json scripts`);
        } else if (!NPM_BUILTINS.has(call.command)) {
          problems.push(`job ${id}: \`npm ${call.command}\` is neither an npm command nor a script shorthand (use npm run ${call.command})`);
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Pulumi stacks and policy packs

export interface StackReference {
  readonly job: string;
  readonly stack: string;
  /** Where it was found: matrix, stack-name, --stack. */
  readonly source: string;
  /** The Pulumi command, when known (up, preview, ...). */
  readonly command?: string;
}

export function isPulumiAction(step: Step): boolean {
  return typeof step.uses === "string" && /^pulumi\/actions@/.test(step.uses);
}

/** Matrix values of `key` in a job: the list under strategy.matrix.<key> plus include entries. */
export function matrixValues(job: Job, key: string): string[] {
  const matrix = job.strategy?.matrix;
  if (!isObject(matrix)) return [];
  const values: string[] = [];
  const listed = matrix[key];
  if (Array.isArray(listed)) values.push(...listed.map(String));
  else if (listed !== undefined) values.push(String(listed));
  for (const entry of Array.isArray(matrix.include) ? matrix.include : []) {
    if (isObject(entry) && entry[key] !== undefined) values.push(String(entry[key]));
  }
  return [...new Set(values)];
}

/** `org/project/stack` and `org/stack` name the stack `stack`. */
export function bareStackName(name: string): string {
  return name.split("/").pop() ?? name;
}

/** Possible literal values of one `${{ matrix.x }}`, `${{ env.X }}` or `${{ inputs.x }}` expression. */
function resolveExpression(expression: string, workflow: Workflow, job: Job, step?: Step): string[] | undefined {
  const ref = /^(matrix|env|inputs)\.([A-Za-z_][\w-]*)$/.exec(expression.trim());
  if (!ref) return undefined;
  const [, context, key] = ref;
  if (context === "matrix") {
    const values = matrixValues(job, key);
    return values.length > 0 ? values : undefined;
  }
  if (context === "env") {
    const envValue = step?.env?.[key] ?? job.env?.[key] ?? workflow.env?.[key];
    return typeof envValue === "string" ? resolveValue(envValue, workflow, job) : undefined;
  }
  const on = isObject(workflow.on) ? workflow.on : {};
  for (const trigger of [on.workflow_dispatch, on.workflow_call]) {
    const input = isObject(trigger) && isObject(trigger.inputs) ? trigger.inputs[key] : undefined;
    if (isObject(input) && Array.isArray(input.options)) return input.options.map(String);
  }
  return undefined;
}

/**
 * The possible literal values of a string that may embed `${{ matrix.x }}`, `${{ env.X }}` or
 * `${{ inputs.x }}` (a choice input) expressions; undefined when one cannot be resolved statically.
 */
export function resolveValue(value: string, workflow: Workflow, job: Job, step?: Step): string[] | undefined {
  const match = /\$\{\{(.*?)\}\}/.exec(value);
  if (!match) return [value.trim()];
  const options = resolveExpression(match[1], workflow, job, step);
  if (!options) return undefined;
  const results: string[] = [];
  for (const option of options) {
    const rest = resolveValue(value.slice(0, match.index) + option + value.slice(match.index + match[0].length), workflow, job, step);
    if (!rest) return undefined;
    results.push(...rest);
  }
  return [...new Set(results)];
}

/** Pulumi CLI invocations in a shell snippet: the subcommand and any --stack/-s value. */
export interface PulumiCliCall {
  readonly command: string;
  readonly stack?: string;
  readonly policyPacks: string[];
  readonly policyPackConfigs: string[];
}

export function pulumiCliCalls(shell: string): PulumiCliCall[] {
  const calls: PulumiCliCall[] = [];
  // ${{ ... }} expressions contain spaces: keep each one a single word while splitting.
  const expressions: string[] = [];
  const protectedShell = shell.replace(/\$\{\{.*?\}\}/g, (expression) => `\u27e6${expressions.push(expression) - 1}\u27e7`);
  const restore = (word: string) => word.replace(/\u27e6(\d+)\u27e7/g, (_m, i: string) => expressions[Number(i)]);
  const joined = protectedShell.replace(/\\\n/g, " ");
  for (const line of joined.split("\n")) {
    for (const match of line.matchAll(/(?:^|[\s;&|(])pulumi((?:\s+[^\s;&|)]+)+)/g)) {
      const words = match[1].trim().split(/\s+/).map(restore);
      let stack: string | undefined;
      const policyPacks: string[] = [];
      const policyPackConfigs: string[] = [];
      const positional: string[] = [];
      const unquote = (word: string) => word.replace(/^["']|["']$/g, "");
      for (let i = 0; i < words.length; i++) {
        const inline = /^(--stack|-s|--policy-pack|--policy-pack-config)=(.+)$/.exec(words[i]);
        const [flag, value] = inline ? [inline[1], inline[2]] : [words[i], undefined];
        const take = () => unquote(value ?? words[++i] ?? "");
        if (flag === "--stack" || flag === "-s") stack = take();
        else if (flag === "--policy-pack") policyPacks.push(take());
        else if (flag === "--policy-pack-config") policyPackConfigs.push(take());
        else if (!flag.startsWith("-")) positional.push(flag);
      }
      calls.push({ command: positional[0] ?? "", stack, policyPacks, policyPackConfigs });
    }
  }
  return calls;
}

/** Every stack a workflow touches, with problems for references that cannot be resolved. */
export function stackReferences(workflow: Workflow): { references: StackReference[]; problems: string[] } {
  const references: StackReference[] = [];
  const problems: string[] = [];
  const add = (job: string, raw: string, source: string, command: string | undefined, wf: Workflow, j: Job, step?: Step) => {
    // A shell variable (`--stack "$STACK"`) takes its value from the step's, job's or workflow's env.
    const shellVariable = /^\$\{?([A-Za-z_]\w*)\}?$/.exec(raw)?.[1];
    const fromEnv = shellVariable === undefined ? undefined : (step?.env?.[shellVariable] ?? j.env?.[shellVariable] ?? wf.env?.[shellVariable]);
    if (shellVariable !== undefined && typeof fromEnv !== "string") {
      problems.push(`job ${job}: cannot resolve stack ${raw} (${source}): $${shellVariable} is not set in env`);
      return;
    }
    const resolved = resolveValue(typeof fromEnv === "string" ? fromEnv : raw, wf, j, step);
    if (!resolved) problems.push(`job ${job}: cannot resolve stack ${raw} (${source})`);
    else for (const stack of resolved) references.push({ job, stack: bareStackName(stack), source, command });
  };
  for (const [id, job] of jobsOf(workflow)) {
    for (const stack of matrixValues(job, "stack")) references.push({ job: id, stack: bareStackName(stack), source: "matrix" });
    for (const step of stepsOf(job)) {
      if (isPulumiAction(step) && step.with?.["stack-name"] !== undefined) {
        const command = typeof step.with.command === "string" ? step.with.command : undefined;
        add(id, String(step.with["stack-name"]), "stack-name", command, workflow, job, step);
      }
      if (typeof step.run === "string") {
        for (const call of pulumiCliCalls(step.run)) {
          if (call.stack !== undefined) add(id, call.stack, "--stack", call.command, workflow, job, step);
        }
      }
    }
  }
  return { references, problems };
}

/** Stacks referenced but without a Pulumi.<stack>.yaml, plus unresolvable references. */
export function stackProblems(workflow: Workflow, existingStacks: ReadonlySet<string>): string[] {
  const { references, problems } = stackReferences(workflow);
  for (const ref of references) {
    if (!existingStacks.has(ref.stack)) problems.push(`job ${ref.job}: stack ${ref.stack} (${ref.source}) has no Pulumi.${ref.stack}.yaml`);
  }
  return [...new Set(problems)];
}

export interface PolicyFile {
  readonly job: string;
  readonly kind: "pack" | "config";
  /** Relative to the repository root; undefined when an expression could not be resolved. */
  readonly path?: string;
  readonly raw: string;
}

function splitList(value: unknown): string[] {
  return String(value).split(/[\n,]/).map((p) => p.trim()).filter(Boolean);
}

/** Policy packs (directories) and policy pack configs (files) a workflow uses, relative to the repository root. */
export function policyFiles(workflow: Workflow): PolicyFile[] {
  const found: PolicyFile[] = [];
  for (const [id, job] of jobsOf(workflow)) {
    for (const step of stepsOf(job)) {
      const add = (kind: PolicyFile["kind"], workDir: string, raw: string) => {
        const resolved = resolveValue(raw, workflow, job, step);
        if (!resolved) found.push({ job: id, kind, raw });
        else for (const value of resolved) found.push({ job: id, kind, raw, path: path.posix.normalize(path.posix.join(workDir, value)) });
      };
      if (isPulumiAction(step)) {
        const workDir = typeof step.with?.["work-dir"] === "string" ? step.with["work-dir"] : ".";
        if (step.with?.policyPacks !== undefined) for (const pack of splitList(step.with.policyPacks)) add("pack", workDir, pack);
        if (step.with?.policyPackConfigs !== undefined) for (const config of splitList(step.with.policyPackConfigs)) add("config", workDir, config);
      }
      if (typeof step.run === "string") {
        const workDir = step["working-directory"] ?? job.defaults?.run?.["working-directory"] ?? ".";
        for (const call of pulumiCliCalls(step.run)) {
          for (const pack of call.policyPacks) add("pack", workDir, pack);
          for (const config of call.policyPackConfigs) add("config", workDir, config);
        }
      }
    }
  }
  return found;
}

/** Policy packs must be directories and policy pack configs files of the repository. */
export function policyProblems(workflow: Workflow, exists: (relativePath: string, kind: "directory" | "file") => boolean): string[] {
  const problems: string[] = [];
  for (const file of policyFiles(workflow)) {
    const what = file.kind === "pack" ? "policy pack" : "policy pack config";
    if (file.path === undefined) problems.push(`job ${file.job}: cannot resolve ${what} ${file.raw}`);
    else if (!exists(file.path, file.kind === "pack" ? "directory" : "file")) {
      problems.push(`job ${file.job}: ${what} ${file.path} is not a ${file.kind === "pack" ? "directory" : "file"} in the repository`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Promotion, pinning, permissions

/** Jobs that run `pulumi up` per stack. */
export function deployJobs(workflow: Workflow): Map<string, string[]> {
  const byStack = new Map<string, string[]>();
  for (const ref of stackReferences(workflow).references) {
    if (ref.command !== "up" && ref.command !== "update") continue;
    const jobs = byStack.get(ref.stack) ?? [];
    if (!jobs.includes(ref.job)) jobs.push(ref.job);
    byStack.set(ref.stack, jobs);
  }
  return byStack;
}

/** All jobs `id` waits for, directly or through other jobs. */
export function transitiveNeeds(workflow: Workflow, id: string): Set<string> {
  const jobs = isObject(workflow.jobs) ? workflow.jobs : {};
  const seen = new Set<string>();
  const queue = [...needsOf(jobs[id] ?? {})];
  while (queue.length > 0) {
    const next = queue.shift() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...needsOf(jobs[next] ?? {}));
  }
  return seen;
}

export function environmentName(job: Job): string | undefined {
  if (typeof job.environment === "string") return job.environment;
  return isObject(job.environment) && typeof job.environment.name === "string" ? job.environment.name : undefined;
}

/**
 * Every job that deploys `to` must wait (transitively) for a job that deploys `from` in the same
 * workflow, and run in a GitHub environment (where required reviewers gate it).
 */
export function promotionProblems(workflow: Workflow, from: string, to: string): string[] {
  const deploys = deployJobs(workflow);
  const problems: string[] = [];
  for (const job of deploys.get(to) ?? []) {
    const needs = transitiveNeeds(workflow, job);
    if (!(deploys.get(from) ?? []).some((j) => needs.has(j))) problems.push(`job ${job} deploys ${to} without needing a job that deploys ${from}`);
    if (environmentName((workflow.jobs ?? {})[job]) === undefined) problems.push(`job ${job} deploys ${to} outside a GitHub environment`);
  }
  return problems;
}

/** Actions must be pinned to a major version (@v4) or a full commit SHA; no branches, no floating refs. */
export function pinningProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobsOf(workflow)) {
    const uses = [...(typeof job.uses === "string" ? [job.uses] : []), ...stepsOf(job).map((s) => s.uses).filter((u): u is string => typeof u === "string")];
    for (const ref of uses) {
      if (ref.startsWith("./") || ref.startsWith("docker://")) continue;
      const version = ref.split("@")[1];
      if (version === undefined || !/^(v\d+|[0-9a-f]{40})$/.test(version)) problems.push(`job ${id}: ${ref} is not pinned to a major version or commit`);
    }
  }
  return problems;
}

function writeScopes(permissions: unknown): string[] {
  if (permissions === "write-all") return ["write-all"];
  if (!isObject(permissions)) return [];
  return Object.entries(permissions)
    .filter(([, level]) => level === "write")
    .map(([scope]) => scope);
}

/** Actions that exchange the job's GitHub OIDC token for short-lived credentials. */
export const OIDC_ACTIONS = ["pulumi/auth-actions", "aws-actions/configure-aws-credentials"] as const;

function usesAction(step: Step, action: string): boolean {
  return typeof step.uses === "string" && step.uses.startsWith(`${action}@`);
}

/**
 * Least privilege: the workflow sets `permissions` explicitly with no write scopes; a job may add
 * `pull-requests: write` only if it comments on the pull request, and `id-token: write` only if it
 * exchanges the OIDC token (OIDC_ACTIONS); no other write scope anywhere.
 */
export function permissionProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  if (workflow.permissions === undefined) problems.push("workflow does not restrict permissions (default token scopes apply)");
  for (const scope of writeScopes(workflow.permissions)) problems.push(`workflow-level permissions grant ${scope}: write`);
  for (const [id, job] of jobsOf(workflow)) {
    const comments = stepsOf(job).some((s) => isPulumiAction(s) && String(s.with?.["comment-on-pr"]) === "true");
    const exchangesOidc = stepsOf(job).some((s) => OIDC_ACTIONS.some((a) => usesAction(s, a)));
    for (const scope of writeScopes(job.permissions)) {
      if (scope === "pull-requests" && comments) continue;
      if (scope === "id-token" && exchangesOidc) continue;
      const why = scope === "pull-requests" ? " but never comments on the PR" : scope === "id-token" ? " but exchanges no OIDC token" : "";
      problems.push(`job ${id} grants ${scope}: write${why}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Credentials, CLI version, runners

/** Steps that run the Pulumi CLI against a stack: pulumi/actions with a command, or `pulumi …` in run. */
export function pulumiSteps(job: Job): Step[] {
  return stepsOf(job).filter(
    (s) => (isPulumiAction(s) && s.with?.command !== undefined) || (typeof s.run === "string" && pulumiCliCalls(s.run).some((c) => c.command !== "" && c.command !== "login")),
  );
}

/**
 * Jobs that run Pulumi on one of `stacks` must get Pulumi Cloud credentials through OIDC first:
 * `id-token: write`, a pulumi/auth-actions step with an id, run only when vars.PULUMI_ORGANIZATION is
 * set, and every Pulumi step passing `PULUMI_ACCESS_TOKEN` as that step's output, falling back to the
 * long-lived secret only when there is none.
 */
export function oidcProblems(workflow: Workflow, stacks: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const touched = new Set(stackReferences(workflow).references.filter((r) => stacks.has(r.stack)).map((r) => r.job));
  for (const [id, job] of jobsOf(workflow)) {
    if (!touched.has(id)) continue;
    const permissions = isObject(job.permissions) ? job.permissions : {};
    if (permissions["id-token"] !== "write") problems.push(`job ${id} runs Pulumi without id-token: write (no OIDC)`);
    const steps = stepsOf(job);
    const authAt = steps.findIndex((s) => usesAction(s, "pulumi/auth-actions"));
    const auth = steps[authAt];
    if (!auth) {
      problems.push(`job ${id} runs Pulumi without a pulumi/auth-actions step`);
      continue;
    }
    if (typeof auth.id !== "string") problems.push(`job ${id}: the pulumi/auth-actions step has no id`);
    if (!String(auth.if ?? "").includes("vars.PULUMI_ORGANIZATION")) problems.push(`job ${id}: the pulumi/auth-actions step does not depend on vars.PULUMI_ORGANIZATION`);
    const expected = `\${{ steps.${String(auth.id)}.outputs.pulumi-access-token || secrets.PULUMI_ACCESS_TOKEN }}`;
    for (const step of pulumiSteps(job)) {
      const label = step.name ?? step.uses ?? "a run step";
      if (steps.indexOf(step) < authAt) problems.push(`job ${id}: "${label}" runs before the OIDC exchange`);
      if (step.env?.PULUMI_ACCESS_TOKEN !== expected) problems.push(`job ${id}: "${label}" must pass PULUMI_ACCESS_TOKEN: ${expected}`);
    }
  }
  return problems;
}

/** Every pulumi/actions step must install the CLI version of `file` (the one the vendored schema is for). */
export function cliVersionProblems(workflow: Workflow, file: string): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobsOf(workflow)) {
    for (const step of stepsOf(job).filter(isPulumiAction)) {
      if (step.with?.["pulumi-version-file"] !== file || step.with?.["pulumi-version"] !== undefined) {
        problems.push(`job ${id}: ${String(step.uses)} must install the CLI with pulumi-version-file: ${file}`);
      }
    }
  }
  return problems;
}

/**
 * Jobs that touch `stack` must run on `${{ vars.<variable> || 'ubuntu-latest' }}` (directly, or
 * through the matrix entry of that stack), so a self-hosted runner can be named per stack.
 */
export function runnerProblems(workflow: Workflow, stack: string, variable: string): string[] {
  const problems: string[] = [];
  const expected = `\${{ vars.${variable} || 'ubuntu-latest' }}`;
  const jobs = new Set(stackReferences(workflow).references.filter((r) => r.stack === stack).map((r) => r.job));
  for (const [id, job] of jobsOf(workflow)) {
    if (!jobs.has(id)) continue;
    let runner = job["runs-on"];
    const fromMatrix = typeof runner === "string" ? /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(runner)?.[1] : undefined;
    if (fromMatrix !== undefined) {
      const matrix = isObject(job.strategy?.matrix) ? job.strategy.matrix : {};
      const entry = (Array.isArray(matrix.include) ? matrix.include : []).find((e) => isObject(e) && e.stack === stack);
      runner = isObject(entry) ? entry[fromMatrix] : undefined;
    }
    if (runner !== expected) problems.push(`job ${id} runs ${stack} on ${JSON.stringify(runner)}, not ${expected}`);
  }
  return problems;
}

/**
 * Steps guarded by `always() && env.FLAG == 'true'` (cleanup) or `failure() && …` (diagnostics) must
 * come after the step that sets FLAG (`echo "FLAG=true" >> "$GITHUB_ENV"`), so a failure before that
 * point skips them and a failure after it still runs them.
 */
export function cleanupProblems(job: Job): string[] {
  const problems: string[] = [];
  const steps = stepsOf(job);
  steps.forEach((step, index) => {
    const condition = String(step.if ?? "");
    const flag = /env\.([A-Z_]+) == 'true'/.exec(condition)?.[1];
    if (flag === undefined) return;
    const label = step.name ?? step.run ?? "step";
    if (!/\b(always|failure)\(\)/.test(condition)) problems.push(`"${label}" is guarded by ${flag} but does not run after a failure (always() or failure())`);
    const setAt = steps.findIndex((s) => typeof s.run === "string" && s.run.includes(`echo "${flag}=true" >> "$GITHUB_ENV"`));
    if (setAt < 0) problems.push(`"${label}": no step sets ${flag}`);
    else if (setAt >= index) problems.push(`"${label}" runs before the step that sets ${flag}`);
  });
  return problems;
}
