// @ts-check
// Stryker ignorer plugin for a sampled run (npm run mutate:sample, issue #16). stryker.config.mjs
// narrows `mutate` to each sampled mutant's exact range; Stryker still mutates every node inside
// such a range (@stryker-mutator/instrumenter transformers/babel-transformer.js, shouldMutate), so
// this ignores the nodes that hold no sampled mutant. An ignored node's whole subtree is ignored
// (transformers/ignorer-bookkeeper.js), hence "holds": a node enclosing a sampled location stays.
import { readFileSync } from "node:fs";
import process from "node:process";
import * as path from "node:path";
import { PluginKind, declareClassPlugin } from "@stryker-mutator/api/plugin";

/** @typedef {{ line: number, column: number }} Position */
/** @typedef {{ start: Position, end: Position }} Location */

/** @param {Position} a @param {Position} b */
const notAfter = (a, b) => a.line < b.line || (a.line === b.line && a.column <= b.column);
/** @param {Location} outer @param {Location} inner */
const encloses = (outer, inner) => notAfter(outer.start, inner.start) && notAfter(inner.end, outer.end);

class SampleIgnorer {
  constructor() {
    const samplePath = process.env.STRYKER_SAMPLE;
    if (!samplePath) throw new Error("sampleIgnorer: STRYKER_SAMPLE is not set");
    /** @type {{ mutants: { file: string, location: Location }[] }} */
    const sample = JSON.parse(readFileSync(samplePath, "utf8"));
    // Babel counts lines from 1, Stryker's API (and the sample) from 0.
    /** @type {{ file: string, location: Location }[]} */
    this.sampled = sample.mutants.map(({ file, location }) => ({
      file,
      location: {
        start: { line: location.start.line + 1, column: location.start.column },
        end: { line: location.end.line + 1, column: location.end.column },
      },
    }));
  }

  /** @param {any} nodePath a Babel NodePath */
  shouldIgnore(nodePath) {
    /** @type {Location | undefined} */
    const loc = nodePath.node?.loc;
    if (!loc) return undefined;
    /** @type {string | undefined} */
    const fileName = nodePath.hub?.file?.opts?.filename;
    const file = fileName ? path.relative(process.cwd(), fileName).split(path.sep).join("/") : undefined;
    const holdsSampled = this.sampled.some((mutant) => (file === undefined || mutant.file === file) && encloses(loc, mutant.location));
    return holdsSampled ? undefined : "not in the mutant sample";
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Ignore, "sample", SampleIgnorer)];
