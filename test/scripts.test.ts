/**
 * The scripts as users run them: `npm run plan` under tsx, outside vitest. Source maps, module
 * loading and stack frames differ there (e.g. the secret scan must tell the SDK's own debug traces
 * from the program's lines), so a test that only imports the scripts' functions misses breakage.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/harness";

function runScript(script: string, args: readonly string[]) {
  const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");
  return spawnSync(tsx, [path.join(repoRoot, "scripts", script), ...args], { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
}

describe("npm run plan, as a user runs it", () => {
  it("prints the staging graph and exits 0", () => {
    const result = runScript("plan.ts", ["--stack", "staging", "--mermaid"]);
    expect(result.stderr).not.toMatch(/leaked|Error/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^```mermaid\nflowchart LR\n/);
    expect(result.stdout).toContain("FluxInstance<br/>flux");
  });

  it("prints a change plan for a --set and flags what it destroys", () => {
    const result = runScript("plan.ts", ["--stack", "prod", "--set", "cluster.k3s.agents=[]"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("uninstall");
    expect(result.stdout).toMatch(/FAILS THE RUN|DESTROYS DATA/);
  });
});

describe("npm run mutate:sample, as a user runs it", () => {
  it("draws the asked number of mutated nodes from components/ and index.ts, each pointing at its code", () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "mutate-sample-")), "sample.json");
    const result = runScript("mutation-sample.ts", ["--size", "6", "--seed", "3", "--out", out]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const sample = JSON.parse(readFileSync(out, "utf8")) as {
      seed: number;
      population: number;
      populationNodes: number;
      nodes: number;
      mutants: { file: string; mutatorName: string; replacement: string; location: { start: { line: number; column: number }; end: { line: number; column: number } } }[];
    };
    expect(result.stdout).toContain(`6 of ${sample.populationNodes} mutated nodes, ${sample.mutants.length} of ${sample.population} mutants (seed 3)`);
    expect(sample).toMatchObject({ seed: 3, nodes: 6 });
    expect(sample.population).toBeGreaterThan(sample.populationNodes);
    const nodes = new Set(sample.mutants.map(({ file, location: { start, end } }) => `${file}:${start.line}:${start.column}-${end.line}:${end.column}`));
    expect(nodes.size).toBe(6);
    for (const mutant of sample.mutants) {
      expect(mutant.file).toMatch(/^(components\/.+\.ts|index\.ts)$/);
      const lines = readFileSync(path.join(repoRoot, mutant.file), "utf8").split("\n");
      const { start, end } = mutant.location;
      const original = [lines[start.line]!.slice(start.column), ...lines.slice(start.line + 1, end.line), ...(end.line > start.line ? [lines[end.line]!.slice(0, end.column)] : [])].join("\n");
      const code = end.line > start.line ? original : lines[start.line]!.slice(start.column, end.column);
      expect(code.trim().length).toBeGreaterThan(0);
      expect(mutant.replacement).not.toBe(code);
    }
  });
});
