/**
 * Pulumi.yaml and the stack files, checked the way the Pulumi CLI (v3.259) checks them before
 * every preview/up. Nothing here runs the CLI, so a file it would reject must fail these tests.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../components/config";
import { stackSource } from "./support/configFixtures";
import { newWorld, runProgram } from "./support/harness";
import {
  compileSchema,
  declarationProblems,
  parseYaml,
  projectDeclarations,
  schemaDraft,
  securePaths,
  splitConfigKey,
  stackFileProblems,
  stackNamesFromFileNames,
  stackValueFitsType,
  valueFitsType,
} from "./support/project-files";

const repoRoot = path.resolve(__dirname, "..");
// Vendored from pulumi/pulumi at the CLI version CI installs (schemas/sources.json).
const schemaPath = path.join(repoRoot, "schemas", "pulumi-project.schema.json");
const projectPath = path.join(repoRoot, "Pulumi.yaml");

function readYaml(file: string): unknown {
  return parseYaml(readFileSync(file, "utf8"), path.basename(file));
}

function readSchema(): object {
  return JSON.parse(readFileSync(schemaPath, "utf8")) as object;
}

const stackNames = stackNamesFromFileNames(readdirSync(repoRoot));

describe("Pulumi.yaml", () => {
  it("exists", () => {
    expect(existsSync(projectPath), `${projectPath} is missing`).toBe(true);
  });

  it("validates against the CLI's project JSON schema", () => {
    const validate = compileSchema(readSchema());
    expect(validate(readYaml(projectPath))).toEqual([]);
  });

  it("is the nodejs project gitops-bootstrap", () => {
    const project = readYaml(projectPath) as { name: unknown; runtime: unknown };
    expect(project.name).toBe("gitops-bootstrap");
    const runtime = typeof project.runtime === "string" ? project.runtime : (project.runtime as { name?: unknown }).name;
    expect(runtime).toBe("nodejs");
  });

  it("declares every config key with type and description; arrays have items; defaults fit", () => {
    const project = readYaml(projectPath);
    expect(projectDeclarations(project).size).toBeGreaterThan(0);
    expect(declarationProblems(project)).toEqual([]);
  });
});

describe("stack files", () => {
  it("are exactly e2e, prod and staging", () => {
    expect(stackNames).toEqual(["e2e", "prod", "staging"]);
  });

  describe.each(stackNames)("Pulumi.%s.yaml", (stack) => {
    const file = path.join(repoRoot, `Pulumi.${stack}.yaml`);

    it("has no encryptionsalt or secure values, only declared project keys, of the declared types", () => {
      expect(stackFileProblems(stack, readYaml(projectPath), readYaml(file))).toEqual([]);
    });

    it("sets at least one project key (it is a real stack, not an empty placeholder)", () => {
      const config = ((readYaml(file) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
      expect(Object.keys(config).some((key) => splitConfigKey(key, "gitops-bootstrap").ownedByProject)).toBe(true);
    });

    it("passes the program's own validation (parseConfig)", () => {
      expect(() => parseConfig(stackSource(stack))).not.toThrow();
    });
  });
});

describe("Pulumi.e2e.yaml (run for real by .github/workflows/e2e.yml)", () => {
  it.each([true, false])("runs the whole program under mocks (preview %s) with nothing protected or retained", async (preview) => {
    // The workflow's first commit to the throwaway repository holds the cluster path.
    const world = newWorld();
    world.githubTrees.set("fleet-e2e@main", ["clusters/e2e/kustomization.yaml"]);
    // Exactly the secrets e2e.yml provides: the throwaway repository's token and a fresh app value.
    const env = { GITHUB_TOKEN: "e2e-github-token-plaintext", APP_PODINFO_API_KEY: "e2e-podinfo-api-key-plaintext" };
    const run = await runProgram({ stack: "e2e", env, preview, world });
    expect(run.ofType("kubernetes:apiextensions.k8s.io:CustomResourceDefinition")).toEqual([]);
    expect(run.ofType("kubernetes:fluxcd.controlplane.io/v1:FluxInstance")).toHaveLength(1);
    expect(run.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.urn)).toEqual([]);
  });

  it("targets the runner's k3d cluster and a Vault the runner reaches on port 80", () => {
    const config = parseConfig(stackSource("e2e"));
    expect(config.cluster).toMatchObject({ mode: "existing", context: "k3d-gitops-e2e" });
    expect(config.vault).toMatchObject({ mode: "in-cluster", address: "http://vault.e2e.localhost", ingressClassName: "traefik" });
    expect(config.webhook).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The helpers themselves, on small bad documents: each check is shown able to fail.

const goodProject = {
  name: "gitops-bootstrap",
  runtime: "nodejs",
  config: {
    replicas: { type: "integer", description: "How many.", default: 2 },
    enabled: { type: "boolean", description: "On or off.", default: true },
    region: { type: "string", description: "Where." },
    hosts: { type: "array", items: { type: "string" }, description: "Hosts.", default: [] },
    matrix: { type: "array", items: { type: "array", items: { type: "integer" } }, description: "Grid.", default: [[1, 2]] },
    settings: { type: "object", description: "Bag.", default: {} },
    token: { type: "string", description: "Secret token.", secret: true, default: "" },
    "kubernetes:context": { value: "kind" },
  },
};

describe("schema helpers", () => {
  it("picks the Ajv class from $schema", () => {
    expect(schemaDraft(readSchema())).toBe("2020-12");
    expect(schemaDraft({ $schema: "https://json-schema.org/draft/2019-09/schema" })).toBe("2019-09");
    expect(schemaDraft({ $schema: "http://json-schema.org/draft-07/schema#" })).toBe("draft-07");
    expect(schemaDraft({})).toBe("draft-07");
    expect(() => schemaDraft({ $schema: "http://json-schema.org/draft-04/schema#" })).toThrow(/unsupported/);
  });

  it("accepts a good project and rejects bad ones with the CLI's schema", () => {
    const validate = compileSchema(readSchema());
    expect(validate(goodProject)).toEqual([]);
    // nested array items without their own items (the schema's if/then on configItemsType);
    // a top-level array without items passes the schema and is caught by declarationProblems,
    // as the CLI catches it in Project.Validate
    const nested = { type: "array", items: { type: "array" }, description: "Grid." };
    expect(validate({ ...goodProject, config: { grid: nested } })).not.toEqual([]);
    expect(validate({ ...goodProject, config: { hosts: { type: "array", description: "Hosts." } } })).toEqual([]);
    // unknown type name
    expect(validate({ ...goodProject, config: { n: { type: "number", description: "N." } } })).not.toEqual([]);
    // unknown attribute in a declaration
    expect(validate({ ...goodProject, config: { n: { type: "string", descripton: "typo" } } })).not.toEqual([]);
    // empty name or runtime, a runtime object with unknown attributes, config as a number
    expect(validate({ ...goodProject, name: "" })).not.toEqual([]);
    expect(validate({ ...goodProject, runtime: "" })).not.toEqual([]);
    expect(validate({ ...goodProject, runtime: { name: "nodejs", option: {} } })).not.toEqual([]);
    expect(validate({ ...goodProject, config: 3 })).not.toEqual([]);
  });

  it("parses YAML strictly", () => {
    expect(() => parseYaml("a: 1\na: 2\n", "dup.yaml")).toThrow(/dup.yaml/);
    expect(parseYaml("on: push\nflag: yes\n")).toEqual({ on: "push", flag: "yes" });
  });
});

describe("valueFitsType (CLI ValidateConfigValue semantics)", () => {
  it.each([
    ["string", undefined, "x", true],
    ["string", undefined, 3, false],
    ["integer", undefined, 3, true],
    ["integer", undefined, "42", true],
    ["integer", undefined, 1.5, false],
    ["integer", undefined, "4x", false],
    ["boolean", undefined, false, true],
    ["boolean", undefined, "true", true],
    ["boolean", undefined, "yes", false],
    ["object", undefined, { a: 1 }, true],
    ["object", undefined, [], false],
    ["object", undefined, null, false],
    ["array", { type: "string" }, ["a", "b"], true],
    ["array", { type: "string" }, ["a", 1], false],
    ["array", undefined, ["a"], false],
    ["array", { type: "array", items: { type: "integer" } }, [[1], [2, 3]], true],
    ["array", { type: "array", items: { type: "integer" } }, [[1], ["x"]], false],
    ["array", { type: "object" }, [{ name: "a" }, "b"], false],
    ["number", undefined, 1, false],
  ] as const)("%s %j accepts %j: %s", (type, items, value, expected) => {
    expect(valueFitsType(type, items, value)).toBe(expected);
  });

  it("compares top-level stack scalars as the strings the CLI stores", () => {
    expect(stackValueFitsType("string", undefined, 8080)).toBe(true);
    expect(stackValueFitsType("integer", undefined, 8080)).toBe(true);
    expect(stackValueFitsType("boolean", undefined, true)).toBe(true);
    expect(stackValueFitsType("integer", undefined, "many")).toBe(false);
    expect(stackValueFitsType("array", { type: "string" }, ["a", 2])).toBe(false);
    expect(stackValueFitsType("object", undefined, "flat")).toBe(false);
  });
});

describe("declarationProblems", () => {
  it("accepts well-formed declarations", () => {
    expect(declarationProblems(goodProject)).toEqual([]);
  });

  it.each([
    ["a bare value", { x: "plain" }, /bare value/],
    ["no type", { x: { description: "X." } }, /type must be one of/],
    ["an unknown type", { x: { type: "number", description: "X." } }, /type must be one of/],
    ["no description", { x: { type: "string" } }, /description/],
    ["an array without items", { x: { type: "array", description: "X." } }, /no items type/],
    ["nested array without items", { x: { type: "array", items: { type: "array" }, description: "X." } }, /needs its own items/],
    ["a default of the wrong type", { x: { type: "integer", description: "X.", default: "ten" } }, /not of type integer/],
    ["array default with wrong items", { x: { type: "array", items: { type: "string" }, description: "X.", default: [1] } }, /array<string>/],
    ["object default that is a list", { x: { type: "object", description: "X.", default: [] } }, /not of type object/],
    ["both default and value", { x: { type: "string", description: "X.", default: "a", value: "b" } }, /both default and value/],
    ["a typed key of another namespace", { "aws:region": { type: "string", value: "x" } }, /must not declare a type/],
    ["a namespaced project key with a bad default", { "gitops-bootstrap:x": { type: "boolean", description: "X.", default: "no" } }, /not of type boolean/],
  ])("rejects %s", (_label, config, message) => {
    const problems = declarationProblems({ name: "gitops-bootstrap", runtime: "nodejs", config });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});

describe("stackFileProblems", () => {
  const ok = { config: { "gitops-bootstrap:region": "eu", "kubernetes:context": "kind", "vault:address": "http://v" } };

  it("accepts declared keys of the right type and keys of other namespaces", () => {
    expect(stackFileProblems("dev", goodProject, ok)).toEqual([]);
    expect(stackFileProblems("dev", goodProject, { config: { region: "eu", replicas: 3, hosts: ["a"], matrix: [[1]] } })).toEqual([]);
  });

  it("rejects an encryptionsalt", () => {
    expect(stackFileProblems("dev", goodProject, { ...ok, encryptionsalt: "v1:abc" })).toEqual([expect.stringMatching(/encryptionsalt/)]);
  });

  it("rejects secure values anywhere, nested ones included", () => {
    const stack = { config: { ...ok.config, "gitops-bootstrap:settings": { nested: { secure: "AAABAx" } } } };
    expect(stackFileProblems("dev", goodProject, stack)).toEqual([expect.stringMatching(/secure value at \$\.config\.gitops-bootstrap:settings\.nested\.secure/)]);
    expect(securePaths({ a: [{ secure: "x" }], b: { secure: "y" } })).toEqual(["$.a[0].secure", "$.b.secure"]);
  });

  it("rejects undeclared project keys, bare or namespaced", () => {
    expect(stackFileProblems("dev", goodProject, { config: { ...ok.config, "gitops-bootstrap:regoin": "eu" } })).toEqual([
      expect.stringMatching(/regoin is not declared/),
    ]);
    expect(stackFileProblems("dev", goodProject, { config: { ...ok.config, replica: 2 } })).toEqual([expect.stringMatching(/replica is not declared/)]);
  });

  it.each([
    ["replicas", "three", /integer/],
    ["enabled", "maybe", /boolean/],
    ["hosts", "a,b", /array<string>/],
    ["hosts", ["a", 2], /array<string>/],
    ["matrix", [["x"]], /array<array<integer>>/],
    ["settings", "flat", /object/],
    ["region", { a: 1 }, /string/],
  ])("rejects %s = %j (wrong type)", (key, value, message) => {
    const problems = stackFileProblems("dev", goodProject, { config: { ...ok.config, [`gitops-bootstrap:${key}`]: value } });
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  it("rejects a plaintext value for a key declared secret", () => {
    expect(stackFileProblems("dev", goodProject, { config: { ...ok.config, "gitops-bootstrap:token": "hunter2" } })).toEqual([
      expect.stringMatching(/declared secret/),
    ]);
  });

  it("rejects a stack that leaves a required key unset, unless an ESC environment may supply it", () => {
    expect(stackFileProblems("dev", goodProject, { config: { "kubernetes:context": "kind" } })).toEqual([expect.stringMatching(/required key gitops-bootstrap:region/)]);
    expect(stackFileProblems("dev", goodProject, { environment: ["acme/dev"], config: {} })).toEqual([]);
  });

  it("rejects a key set both bare and namespaced", () => {
    expect(stackFileProblems("dev", goodProject, { config: { ...ok.config, region: "us" } })).toEqual([expect.stringMatching(/set twice/)]);
  });
});

describe("stackNamesFromFileNames", () => {
  it("finds Pulumi.<stack>.yaml only", () => {
    expect(stackNamesFromFileNames(["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.staging.yml", "package.json", "Pulumi.dev.yaml.bak"])).toEqual(["prod", "staging"]);
  });
});

describe("package-lock.json", () => {
  it("holds one deduplicated @pulumi/pulumi that every provider SDK shares", () => {
    const lock = JSON.parse(readFileSync(path.join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
    const copies = Object.keys(lock.packages).filter((key) => key.endsWith("node_modules/@pulumi/pulumi"));
    expect(copies).toEqual(["node_modules/@pulumi/pulumi"]);
  });
});
