/**
 * The scripts as users run them: `npm run plan` under tsx, outside vitest. Source maps, module
 * loading and stack frames differ there (e.g. the secret scan must tell the SDK's own debug traces
 * from the program's lines), so a test that only imports the scripts' functions misses breakage.
 */
import { spawnSync } from "node:child_process";
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
