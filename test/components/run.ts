/**
 * Runs one component alone under the engine mocks (mocks/engine.ts): the "program" is `construct`,
 * which builds the component from literal args, so a test sees exactly what that component registers.
 */
import * as k8s from "@pulumi/kubernetes";
import { newWorld, ProgramRun, RegisteredResource, runProgram, RunOptions } from "../../mocks/engine";

export type { ProgramRun, RegisteredResource };

/** The URN prefix of every resource a component test registers (stack "staging"). */
export const urnPrefix = "urn:pulumi:staging::gitops-bootstrap::";

export function runComponent(construct: () => Record<string, unknown> | void, options: Omit<RunOptions, "loadProgram"> = {}): Promise<ProgramRun> {
  return runProgram({ world: newWorld(), ...options, loadProgram: async () => construct() ?? {} });
}

/** The cluster provider a component test passes, as index.ts would. */
export function clusterProvider(): k8s.Provider {
  return new k8s.Provider("cluster", { context: "staging" });
}

/** Each registration as "<type> <name> < <parent name>", sorted (registration order is the runtime's). */
export function tree(run: ProgramRun): string[] {
  return run.resources.map((resource) => {
    const parent = resource.parent === "" ? "" : resource.parent.slice(resource.parent.lastIndexOf("::") + 2);
    return `${resource.type} ${resource.name}${parent === "" ? "" : ` < ${parent}`}`;
  }).sort();
}

/** A secret input as the engine receives it: wrapped with Pulumi's secret signature (@pulumi/pulumi runtime/rpc.ts). */
export function secretWire(value: unknown): { "4dabf18193072939515e22adb298388d": string; value: unknown } {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}
