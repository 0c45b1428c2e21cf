import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

/** Raised when Flux would have nothing to sync: an empty repository, a missing branch or path. */
export class RepositoryPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RepositoryPathError";
  }
}

export interface RepositoryLocation {
  owner: string;
  repository: string;
  branch: string;
  /** Path of the cluster's manifests, e.g. "clusters/staging". */
  path: string;
}

const starterKustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\\nkind: Kustomization\\nresources: []";

/**
 * What is wrong with the repository for Flux, or undefined when the path holds at least one
 * manifest. `files` is every blob path on the branch; undefined means the branch does not exist.
 */
export function repositoryPathProblem(location: RepositoryLocation, files: readonly string[] | undefined): string | undefined {
  const where = `${location.owner}/${location.repository}`;
  const path = location.path.replace(/^\.\//, "").replace(/\/+$/, "");
  const starter = `${path}/kustomization.yaml`;
  if (files === undefined) {
    return (
      `gitops-bootstrap:github.branch: branch "${location.branch}" does not exist in ${where} ` +
      `(an empty repository has no branches). Push a first commit to "${location.branch}" containing ${starter} ` +
      `("${starterKustomization}"), then run pulumi up again.`
    );
  }
  const manifests = files.filter((file) => file.startsWith(`${path}/`) && /\.(ya?ml|json)$/.test(file));
  if (manifests.length === 0) {
    return (
      `gitops-bootstrap:github.path: "${path}" has no manifests on branch "${location.branch}" of ${where}, ` +
      `so Flux would retry "kustomization path not found" forever. Commit at least ${starter} ` +
      `("${starterKustomization}"), then run pulumi up again.`
    );
  }
  return undefined;
}

/**
 * Resolves to the path once GitHub shows manifests there; fails the run with a message that says
 * what to commit otherwise. The FluxInstance is gated on it, so Flux is never pointed at nothing.
 */
export function checkRepositoryPath(
  location: RepositoryLocation,
  githubProvider: github.Provider,
  /** Files committed on this run before the check (the scaffold's); resolves once they exist. */
  added: pulumi.Input<readonly string[]> = [],
): pulumi.Output<string> {
  return pulumi.all([location, added]).apply(async ([where, addedFiles]) => {
    let files: string[] | undefined;
    try {
      const tree = await github.getTree({ repository: where.repository, treeSha: where.branch, recursive: true }, { provider: githubProvider });
      files = tree.entries.filter((entry) => entry.type === "blob").map((entry) => entry.path);
    } catch {
      files = undefined;
    }
    if (addedFiles.length > 0) files = [...(files ?? []), ...addedFiles];
    const problem = repositoryPathProblem(where, files);
    if (problem !== undefined) {
      // A preview may not have the token yet (read back from a Vault that does not exist): warn,
      // and let `pulumi up` decide.
      if (files === undefined && pulumi.runtime.isDryRun()) {
        pulumi.log.warn(`could not list ${where.owner}/${where.repository}@${where.branch} during preview; checked again on update`);
        return where.path;
      }
      throw new RepositoryPathError(problem);
    }
    return where.path;
  });
}
