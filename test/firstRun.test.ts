/**
 * The first real run of a committed stack: `pulumi up` previews a stack with no state, on an empty
 * cluster, then applies. The engine's preview rules are in mocks/engine.ts (runProgram).
 */
import { describe, expect, it } from "vitest";
import { newWorld, ProgramRun, unknownSentinel } from "../mocks/engine";
import { runProgram } from "./support/harness";
import { firstRunEnv } from "./support/scenarios";

const typeAndName = (run: ProgramRun) => run.resources.map((r) => `${r.read ? "read " : ""}${r.type}::${r.name}`).sort();

describe.each(["staging", "prod"])("first run of %s on an empty cluster", (stack) => {
  it("previews: every resource of the update is shown, nothing is read, nothing changes", async () => {
    const world = newWorld();
    const preview = await runProgram({ stack, env: firstRunEnv(), world, preview: true });
    expect(world.kubernetesSecrets.size).toBe(0);
    expect(world.vaultKv.size).toBe(0);

    // Nothing the run creates is read back: Vault's init happens from where Pulumi runs.
    expect(preview.resources.filter((r) => r.read)).toEqual([]);
    // The Vault provider's token comes from the init's secret output: unknown until the update.
    expect(JSON.stringify(preview.one("pulumi:providers:vault").wireInputs.token)).toContain(unknownSentinel);
    // The GitHub token is known (from the environment), so the repository is checked for real.
    expect(preview.invokes.map((invoke) => invoke.token)).toContain("github:index/getTree:getTree");
    expect(preview.logs).toEqual([]);
    expect(preview.outputs.deployKeyFingerprint).toEqual({ value: unknownSentinel, secret: false });
    expect(preview.outputs.fluxSync.value).toMatchObject({ url: "ssh://git@github.com/acme-platform/fleet.git", path: `clusters/${stack}` });

    const update = await runProgram({ stack, env: firstRunEnv(), world });
    expect(typeAndName(preview)).toEqual(typeAndName(update));
    expect([...world.kubernetesSecrets.keys()]).toEqual([]);
    expect(update.one("pulumi:providers:vault").inputs.token).toBe("hvs.mock-root-token");
    expect(update.resources.filter((r) => r.read)).toEqual([]);
  });
});
