/**
 * The bootstrap's phases, as each top-level component declares its own (`static phase`, next to its
 * type token). The plan (scripts/lib/graph.ts) reads them here; a resource belongs to the phase of
 * the top-level component it lives in, so every resource has a component parent.
 */

/** Where a resource is created: 1 infrastructure, 2 secret population, 3 Flux auth switch, 4 applications. */
export type BuildPhase = 1 | 2 | 3 | 4;

/** What a top-level component class tells the plan about itself. */
export interface PhasedComponent {
  readonly type: string;
  readonly phase: BuildPhase;
}

/** Phase by the type token of a top-level component. */
export function phasesByType(components: readonly PhasedComponent[]): Readonly<Record<string, BuildPhase>> {
  const phases: Record<string, BuildPhase> = {};
  for (const component of components) {
    if (phases[component.type] !== undefined) throw new Error(`two components declare the type ${component.type}`);
    phases[component.type] = component.phase;
  }
  return phases;
}
