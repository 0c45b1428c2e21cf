/**
 * The engine mocks (mocks/engine.ts) for vitest: each run re-imports index.ts through vitest's module
 * registry, which vi.resetModules() clears so the program and its components run afresh.
 */
import { vi } from "vitest";
import { ProgramRun, runProgram as runWithEngine, RunOptions } from "../../mocks/engine";

export * from "../../mocks/engine";

export async function runProgram(options: Omit<RunOptions, "loadProgram"> = {}): Promise<ProgramRun> {
  return runWithEngine({
    ...options,
    loadProgram: async () => {
      vi.resetModules();
      return (await import("../../index")) as Record<string, unknown>;
    },
  });
}
