/**
 * Mutants that survived the sampled Stryker run of 2026-11-25 (seed 1; README "Mutation testing"),
 * each a bug a user could hit, now caught. Expectations are literal values.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../components/config";
import { isUnset, parseAppSecretValues } from "../components/config/secrets";
import { appNameCollisions, registryProblem } from "../components/validation";
import { matchesFluxVersion } from "../components/versions";
import { problemsOf, stackSource } from "./support/configFixtures";

describe("survivors of the sampled mutation run", () => {
  it("names that collide only once namespace and app are joined are refused (validation.ts appNameCollisions)", () => {
    expect(appNameCollisions([{ namespace: "team-a", name: "web", keys: [] }, { namespace: "team", name: "a-web", keys: [] }])).toEqual([
      { app: 1, message: 'app "a-web" in namespace "team" and app "web" in namespace "team-a" both make the name "team-a-web": rename one' },
    ]);
    expect(appNameCollisions([{ namespace: "team", name: "web", keys: [] }, { namespace: "team", name: "api", keys: [] }])).toEqual([]);
  });

  it("one-character registry hosts and path segments are registries (validation.ts registryProblem)", () => {
    expect(registryProblem("r")).toBeUndefined();
    expect(registryProblem("ghcr.io/f")).toBeUndefined();
    expect(registryProblem("r:5000/a/b")).toBeUndefined();
    expect(registryProblem("https://ghcr.io/fluxcd")).toMatch(/^must be an image registry/);
  });

  it("an unset secret is undefined, empty, or the {} Pulumi.yaml defaults appSecrets to (config/secrets.ts isUnset)", () => {
    expect([undefined, "", "{}", "x", " "].map((value) => isUnset(value))).toEqual([true, true, true, false, false]);
  });

  it("appSecrets that parse to null or an array are refused without echoing them (config/secrets.ts)", () => {
    const source = (appSecrets: string) => stackSource("staging", { appSecrets });
    const problem = 'gitops-bootstrap:appSecrets: must be a JSON object { "<app>": { "<key>": "<value>" } }';
    expect(parseAppSecretValues(source("null"))).toEqual({ values: {}, problem });
    expect(parseAppSecretValues(source('["s3cr3t"]'))).toEqual({ values: {}, problem });
    expect(parseAppSecretValues(source('{"web":{"token":"t"}}'))).toEqual({ values: { web: { token: "t" } } });
  });

  it("branch protection takes the required checks a user names, and refuses an empty one (config/schema.ts)", () => {
    const github = JSON.parse(stackSource("staging").values["github"]!) as Record<string, unknown>;
    const withChecks = (requiredChecks: string[]) => stackSource("staging", { github: { ...github, protection: { enabled: true, requiredChecks } } });
    expect(parseConfig(withChecks(["preview (staging)", "e2e"])).github.protection.requiredChecks).toEqual(["preview (staging)", "e2e"]);
    expect(problemsOf(() => parseConfig(withChecks(["preview", ""])))).toEqual(["gitops-bootstrap:github.protection.requiredChecks[1]: Too small: expected string to have >=1 characters"]);
  });

  it("a Flux version that is no version or range says what is expected (config/schema.ts)", () => {
    const flux = JSON.parse(stackSource("staging").values["flux"]!) as Record<string, unknown>;
    expect(problemsOf(() => parseConfig(stackSource("staging", { flux: { ...flux, distributionVersion: "latest" } })))).toEqual([
      'gitops-bootstrap:flux.distributionVersion: must be a Flux version or range such as "2.8.x" or "2.8.1"',
    ]);
  });

  it("Flux version ranges match as the operator's semver reads x, X and * (versions.ts matchesFluxVersion)", () => {
    expect(matchesFluxVersion("2.9.x", "2.9.3")).toBe(true);
    expect(matchesFluxVersion("2.X.x", "2.9.3")).toBe(true);
    expect(matchesFluxVersion("2.*", "2.9.3")).toBe(true);
    expect(matchesFluxVersion("2.8.x", "2.9.3")).toBe(false);
    expect(matchesFluxVersion("2.9.1", "2.9.3")).toBe(false);
  });
});
