import { ConfigError, ConfigSource } from "../../components/config";
import { readStackConfig } from "../../mocks/engine";

/** A stack's config as parseConfig receives it: bare keys, JSON-encoded structured values. */
export function stackSource(stack: string, overrides: Record<string, unknown> = {}, env: Record<string, string> = {}): ConfigSource {
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(readStackConfig(stack))) {
    values[key.replace(/^gitops-bootstrap:/, "")] = typeof value === "string" ? value : JSON.stringify(value);
  }
  for (const [key, value] of Object.entries(overrides)) {
    values[key] = value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
  }
  return { values, secretKeys: new Set(), env, stack };
}

/** The problems a ConfigError lists; fails when `action` throws something else or nothing. */
export function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}
