/** scripts/mutation-score.ts: the weekly workflow's shards scored together as Stryker scores one run. */
import { describe, expect, it } from "vitest";
import { MutationReport, mutationScores, renderScores } from "../scripts/mutation-score";

const report = (files: Record<string, string[]>): MutationReport => ({
  files: Object.fromEntries(Object.entries(files).map(([file, statuses]) => [file, { mutants: statuses.map((status) => ({ status })) }])),
});

describe("mutation score over shards", () => {
  it("counts Killed and Timeout as detected, Survived and NoCoverage as not, and ignores the rest", () => {
    const scores = mutationScores([
      report({ "components/a.ts": ["Killed", "Killed", "Timeout", "Survived", "CompileError", "Ignored"] }),
      report({ "components/b.ts": ["NoCoverage", "Killed", "RuntimeError"], "index.ts": ["CompileError"] }),
    ]);
    expect(scores.files).toEqual([
      { file: "components/a.ts", detected: 3, undetected: 1, score: 75 },
      { file: "components/b.ts", detected: 1, undetected: 1, score: 50 },
      { file: "index.ts", detected: 0, undetected: 0, score: undefined },
    ]);
    expect(scores.total).toEqual({ file: "all files", detected: 4, undetected: 2, score: (100 * 4) / 6 });
    expect(renderScores(scores).split("\n")).toEqual([
      " 75.0%      3 detected     1 undetected  components/a.ts",
      " 50.0%      1 detected     1 undetected  components/b.ts",
      "    -%      0 detected     0 undetected  index.ts",
      " 66.7%      4 detected     2 undetected  all files",
    ]);
  });

  it("refuses a file that two shards both report", () => {
    expect(() => mutationScores([report({ "components/a.ts": ["Killed"] }), report({ "components/a.ts": ["Survived"] })])).toThrow(
      "mutate:score: components/a.ts is in more than one report: give each shard different files",
    );
  });
});
