import * as fs from "fs";
import * as path from "path";
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./rules";

/**
 * Nearest directory at or above `start` holding a package.json.
 *
 * The CLI starts a Node.js pack with its working directory set to the pack (policy/), and
 * @pulumi/policy 1.21's PolicyPack constructor reads the pack version from `${process.cwd()}/package.json`.
 * This pack deliberately has no package.json of its own (its dependencies resolve from the repository
 * root's node_modules), so the working directory is moved to the repository root before the pack starts.
 */
export function packageJsonDir(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const root = packageJsonDir(process.cwd());
if (root !== undefined && root !== process.cwd()) process.chdir(root);

new PolicyPack(POLICY_PACK_NAME, {
  description: "Guardrails for gitops-bootstrap: secrets stay in Vault, Flux write access only for image automation, " +
    "External Secrets use their namespace's bootstrap store, CRD versions are served, stateful resources are protected, " +
    "each namespace reads only its own Vault paths, prod's branch needs reviews.",
  enforcementLevel: "mandatory",
  policies,
});
