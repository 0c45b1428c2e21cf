import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { projectName } from "./config";

/** Raised when Flux would have nothing to sync, or GitHub refuses to show the repository. */
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

/** Where the user sets the GitHub token: its config key and environment variable. */
export interface TokenSource {
  readonly configKey: string;
  readonly envVar: string;
}

/** How GitHub answered a failed request. */
export interface GitHubFailure {
  readonly status: number;
  /** GitHub's message, e.g. "Bad credentials". */
  readonly message: string;
  /** For a 404: whether the repository itself is visible (then the branch is what is missing). */
  readonly repositoryVisible?: boolean;
}

const starterKustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\\nkind: Kustomization\\nresources: []";
const key = (name: string) => `${projectName}:${name}`;

function starterOf(location: RepositoryLocation): string {
  return `${location.path.replace(/^\.\//, "").replace(/\/+$/, "")}/kustomization.yaml`;
}

/**
 * The status and message of a failed GitHub call. The provider passes go-github's error through
 * (google/go-github github/github.go, ErrorResponse.Error(): "GET <url>: 404 Not Found []"; a rate
 * limit ends in "[rate reset in …]"), wrapped by the Terraform bridge ("invoking <token>: …").
 */
export function githubFailureOf(errorText: string): GitHubFailure | undefined {
  const match = /: (\d{3}) ([^\n[]*?)\s*(?:\[|$)/m.exec(errorText);
  return match ? { status: Number(match[1]), message: match[2].trim() } : undefined;
}

/** What to do about a failed listing of the branch, naming the config key to fix. */
export function githubTreeProblem(location: RepositoryLocation, failure: GitHubFailure | undefined, token: TokenSource, errorText = ""): string {
  const where = `${location.owner}/${location.repository}`;
  const setToken = `set it with pulumi config set --secret ${token.configKey} … (or export ${token.envVar})`;
  const again = "then run pulumi up again.";
  const answer = failure ? `GitHub answered ${failure.status} ${failure.message}` : "";
  switch (failure?.status) {
    case 401:
      return `${token.configKey}: GitHub refused the token (${answer}) listing ${where}: it is wrong, expired or revoked. Create a token with access to ${where} and ${setToken}, ${again}`;
    case 403:
      if (/rate limit/i.test(failure.message)) {
        return `${token.configKey}: GitHub's rate limit stopped the listing of ${where} (${answer}): wait for the reset, ${again}`;
      }
      return (
        `${token.configKey}: the token may not read ${where} (${answer}). Give it access to that repository ` +
        `(fine-grained token: Contents read, and Administration and Webhooks read and write for the deploy key and webhook; ` +
        `classic token: the repo scope), or use another token and ${setToken}; ${again}`
      );
    case 404:
      if (failure.repositoryVisible === true) {
        return (
          `${key("github.branch")}: branch "${location.branch}" does not exist in ${where}. Push it with ${starterOf(location)} ` +
          `("${starterKustomization}"), or set ${key("github.branch")} to an existing branch; ${again}`
        );
      }
      return (
        `${key("github.repository")}: ${where} was not found, or the token cannot see it (${answer}). Check ${key("github.owner")} ` +
        `and ${key("github.repository")}, and that the token (${token.configKey} or ${token.envVar}) may access ${where} ` +
        `(a fine-grained token lists the repositories it may use); ${again}`
      );
    case 409:
      return (
        `${key("github.repository")}: ${where} is empty (${answer}), so Flux has nothing to sync. Push a first commit to ` +
        `"${location.branch}" containing ${starterOf(location)} ("${starterKustomization}"), ${again}`
      );
    default:
      return `${key("github.repository")}: could not list ${where}@${location.branch}: ${errorText.trim().slice(0, 300) || answer}`;
  }
}

/**
 * What is wrong with the repository path for Flux, or undefined when it holds at least one
 * manifest. `files` is every blob path on the branch.
 */
export function repositoryPathProblem(location: RepositoryLocation, files: readonly string[]): string | undefined {
  const where = `${location.owner}/${location.repository}`;
  const path = location.path.replace(/^\.\//, "").replace(/\/+$/, "");
  const manifests = files.filter((file) => file.startsWith(`${path}/`) && /\.(ya?ml|json)$/.test(file));
  if (manifests.length === 0) {
    return (
      `${key("github.path")}: "${path}" has no manifests on branch "${location.branch}" of ${where}, ` +
      `so Flux would retry "kustomization path not found" forever. Commit at least ${starterOf(location)} ` +
      `("${starterKustomization}"), then run pulumi up again.`
    );
  }
  return undefined;
}

/**
 * Resolves to the path once GitHub shows manifests there; fails the run (preview included) with
 * what to fix otherwise. The FluxInstance is gated on it, so Flux is never pointed at nothing.
 * Only a token that this preview does not know yet (read back from a Vault that does not exist
 * yet) passes with a warning: the engine then answers the listing with an empty result
 * (pulumi/pulumi sdk/go/common/resource/plugin/provider_plugin.go, Invoke on an unconfigured provider).
 */
export function checkRepositoryPath(
  location: RepositoryLocation,
  githubProvider: github.Provider,
  token: TokenSource,
  /** Files committed on this run before the check (the scaffold's); resolves once they exist. */
  added: pulumi.Input<readonly string[]> = [],
): pulumi.Output<string> {
  return pulumi.all([location, added]).apply(async ([where, addedFiles]) => {
    let entries: github.GetTreeResult["entries"] | undefined;
    try {
      const tree = await github.getTree({ repository: where.repository, treeSha: where.branch, recursive: true }, { provider: githubProvider });
      entries = tree.entries;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const failure = githubFailureOf(text);
      if (failure?.status === 404) {
        // GitHub answers a missing branch and an invisible repository alike; the repository tells them apart
        // (terraform-provider-github's data source returns an empty result for a 404).
        const repository = await github.getRepository({ name: where.repository }, { provider: githubProvider }).catch(() => undefined);
        const repositoryVisible = Boolean(repository?.fullName);
        // A branch the scaffold's first commit creates does not exist before it.
        if (!(repositoryVisible && addedFiles.length > 0)) {
          throw new RepositoryPathError(githubTreeProblem(where, { ...failure, repositoryVisible }, token, text));
        }
        entries = [];
      } else if (failure?.status === 409 && addedFiles.length > 0) {
        // An empty repository is what the scaffold fills.
        entries = [];
      } else {
        throw new RepositoryPathError(githubTreeProblem(where, failure, token, text));
      }
    }
    if (entries === undefined) {
      if (pulumi.runtime.isDryRun()) {
        pulumi.log.warn(
          `could not list ${where.owner}/${where.repository}@${where.branch} during this preview: the GitHub token is not known yet; checked again on update`,
        );
        return where.path;
      }
      throw new RepositoryPathError(`${key("github.repository")}: GitHub returned no tree for ${where.owner}/${where.repository}@${where.branch}`);
    }
    const problem = repositoryPathProblem(where, [
      ...entries.filter((entry) => entry.type === "blob").map((entry) => entry.path),
      ...addedFiles,
    ]);
    if (problem !== undefined) throw new RepositoryPathError(problem);
    return where.path;
  });
}
