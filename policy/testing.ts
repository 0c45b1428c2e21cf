/**
 * Argument bags shaped like the ones @pulumi/policy's server builds, and a runner for the whole
 * pack, so policies can be tested without the Pulumi CLI.
 */
import * as fs from "fs";
import * as path from "path";
import * as policySdk from "@pulumi/policy";
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { policies } from "./rules";

// ---------------------------------------------------------------------------------------------
// Typed factories for the argument bags the SDK's server builds.

/**
 * The SDK wraps props in `unknownCheckingProxy` (exported at runtime, missing from its .d.ts); use the
 * real one so the rules are exercised against the same proxy as under `pulumi preview`.
 */
export const unknownCheckingProxy = (policySdk as unknown as { unknownCheckingProxy: <T extends object>(o: T) => T })
  .unknownCheckingProxy;
/** `unknownStringValue` sentinel from @pulumi/policy/proxy.js: a string input unknown during preview. */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;
export type PolicyConfigValues = Record<string, unknown>;

export interface Violation {
  message: string;
  urn?: string;
}

export class NotApplicable extends Error {}

export function options(overrides: Partial<PolicyResourceOptions> = {}): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...overrides,
  };
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:prod::gitops-bootstrap::${type}::${name}`;
}

export function configGetter(config: PolicyConfigValues): <T extends object>() => T {
  return <T extends object>() => config as T;
}

export interface ResourceInit {
  type: string;
  props: Props;
  name?: string;
  opts?: Partial<PolicyResourceOptions>;
  config?: PolicyConfigValues;
}

export function stackResource(init: ResourceInit): PolicyResource {
  const name = init.name ?? "subject";
  return {
    type: init.type,
    props: unknownCheckingProxy({ ...init.props }),
    urn: urnOf(init.type, name),
    name,
    opts: options(init.opts),
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

export function resourceArgs(init: ResourceInit): ResourceValidationArgs {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { dependencies, propertyDependencies, ...resource } = stackResource(init);
  return {
    ...resource,
    // The stack view's type guards are typed for resources, the resource view's for args.
    isType: () => false,
    asType: () => undefined,
    stackTags: new Map<string, string>(),
    getConfig: configGetter(init.config ?? {}),
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

export function stackArgs(resources: ResourceInit[], config: PolicyConfigValues = {}): StackValidationArgs {
  return {
    resources: resources.map(stackResource),
    stackTags: new Map<string, string>(),
    getConfig: configGetter(config),
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

export async function validateResource(policy: ResourceValidationPolicy, init: ResourceInit): Promise<Violation[]> {
  const violations: Violation[] = [];
  const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
  const args = resourceArgs(init);
  for (const validate of validations) {
    await validate(args, (message, urn) => violations.push(urn === undefined ? { message } : { message, urn }));
  }
  return violations;
}

export async function validateStack(policy: StackValidationPolicy, args: StackValidationArgs): Promise<Violation[]> {
  const violations: Violation[] = [];
  await policy.validateStack(args, (message, urn) => violations.push(urn === undefined ? { message } : { message, urn }));
  return violations;
}

export const messages = (violations: Violation[]): string[] => violations.map((v) => v.message);

// ---------------------------------------------------------------------------------------------
// The pack as a whole, run the way the SDK server does it.

export interface Finding {
  policy: string;
  resource?: string;
  message: string;
}

export type PackConfigFile = Record<string, { enforcementLevel?: string } & Record<string, unknown>>;

/** A policy's entry in a --policy-pack-config file, minus enforcementLevel (as the SDK's getConfig does). */
export function policyProperties(file: PackConfigFile, policyName: string): PolicyConfigValues {
  const props: PolicyConfigValues = { ...(file[policyName] ?? {}) };
  delete props.enforcementLevel;
  return props;
}

/** Engine behaviour (pkg/resource/analyzer/config.go): schema defaults first, then the config file. */
export function resolvedConfig(policyName: string, file: PackConfigFile): PolicyConfigValues {
  const policy = policies.find((p) => p.name === policyName);
  const defaults = Object.fromEntries(
    Object.entries(policy?.configSchema?.properties ?? {}).flatMap(([key, schema]) =>
      schema.default === undefined ? [] : [[key, schema.default]],
    ),
  );
  return { ...defaults, ...policyProperties(file, policyName) };
}

export async function runPack(resources: ResourceInit[], file: PackConfigFile): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const policy of policies) {
    const config = resolvedConfig(policy.name, file);
    if ("validateStack" in policy) {
      for (const v of await validateStack(policy, stackArgs(resources, config))) {
        findings.push({ policy: policy.name, resource: v.urn, message: v.message });
      }
      continue;
    }
    for (const init of resources) {
      for (const v of await validateResource(policy, { ...init, config })) {
        findings.push({ policy: policy.name, resource: urnOf(init.type, init.name ?? "subject"), message: v.message });
      }
    }
  }
  return findings;
}

export const readConfigFile = (name: string): PackConfigFile =>
  JSON.parse(fs.readFileSync(path.join(__dirname, name), "utf8")) as PackConfigFile;
