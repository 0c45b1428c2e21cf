/** scripts/mutation-score.ts: the weekly workflow's shards scored together as Stryker scores one run. */
import { describe, expect, it } from "vitest";
import { MutationReport, Sample, mutationScores, renderSampleScore, renderScores, sampleScore } from "../scripts/mutation-score";

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

describe("the score of a sampled run", () => {
  // Sample locations count from 0, report locations from 1.
  const at = (line: number, column: number, endColumn: number) => ({ start: { line, column }, end: { line, column: endColumn } });
  const reportAt = (line: number, column: number, endColumn: number) => at(line + 1, column + 1, endColumn + 1);
  const sample: Sample = {
    seed: 7,
    populationNodes: 4,
    nodes: 2,
    mutants: [
      { file: "components/a.ts", mutatorName: "EqualityOperator", replacement: "a <= b", location: at(3, 2, 7) },
      { file: "components/a.ts", mutatorName: "EqualityOperator", replacement: "a >= b", location: at(3, 2, 7) },
      { file: "index.ts", mutatorName: "StringLiteral", replacement: '""', location: at(0, 10, 15) },
    ],
  };
  const reports: MutationReport[] = [
    {
      files: {
        "components/a.ts": {
          mutants: [
            { status: "Killed", mutatorName: "EqualityOperator", replacement: "a <= b", location: reportAt(3, 2, 7) },
            { status: "Survived", mutatorName: "EqualityOperator", replacement: "a >= b", location: reportAt(3, 2, 7) },
            // Nested in a sampled node's range but not drawn: not counted.
            { status: "Survived", mutatorName: "BooleanLiteral", replacement: "false", location: reportAt(3, 4, 5) },
          ],
        },
        "index.ts": { mutants: [{ status: "Timeout", mutatorName: "StringLiteral", replacement: '""', location: reportAt(0, 10, 15) }] },
      },
    },
  ];

  it("counts only the drawn mutants, as a ratio over the drawn nodes with its 95% interval", () => {
    const score = sampleScore(sample, reports);
    // 2 of 3 detected. Residuals d − R·v: node a (1 − 2/3·2)² = 1/9, node index (1 − 2/3)² = 1/9;
    // variance (1 − 2/4)·(2/9)/(2 − 1)/2 = 1/18, standard error √(1/18) / (3/2) = 0.15713.
    expect(score).toMatchObject({ nodes: 2, detected: 2, undetected: 1, survivors: ["components/a.ts:4:3 EqualityOperator → a >= b (Survived)"] });
    expect(score.score).toBeCloseTo(66.667, 3);
    expect(score.low).toBeCloseTo(66.667 - 1.96 * 15.713, 2);
    expect(score.high).toBeCloseTo(66.667 + 1.96 * 15.713, 2);
    expect(renderSampleScore(score, sample).split("\n")).toEqual([
      "sample: 2 of 4 mutated nodes (seed 7), 2 detected, 1 undetected",
      "score: 66.7% (95% interval 35.9–97.5%)",
      "survivors:",
      "  components/a.ts:4:3 EqualityOperator → a >= b (Survived)",
    ]);
  });

  it("has no interval width when every node was drawn", () => {
    const score = sampleScore({ ...sample, populationNodes: 2 }, reports);
    expect([score.low, score.high].map((value) => value.toFixed(3))).toEqual(["66.667", "66.667"]);
  });

  it("refuses a sample its reports do not cover", () => {
    expect(() => sampleScore(sample, [{ files: { "index.ts": reports[0]!.files["index.ts"]! } }])).toThrow(
      /^mutate:score: 2 sampled mutant\(s\) are in no report, e.g. components\/a\.ts:4:3 EqualityOperator → a <= b: run the sample/,
    );
  });
});
