import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { fluxSyncName } from "./flux";
import { systemNamespaces } from "./kubernetes";
import { RepositoryLocation } from "./repositoryCheck";

/** One file of the starter layout. */
export interface ScaffoldFile {
  /** Path in the repository, without a leading "./". */
  readonly path: string;
  readonly content: string;
}

/** What listing the branch's tree told us. */
export type TreeListing =
  | { readonly kind: "files"; readonly files: readonly string[] }
  /** 409 "Git Repository is empty": no commit, no branch yet. */
  | { readonly kind: "emptyRepository" }
  /** Anything else (missing branch or repository, bad token, preview without a token): not ours to fix. */
  | { readonly kind: "unavailable"; readonly reason: string };

/** The starter layout's shared folders, beside `clusters/<env>/`. */
export const starterFolders = { infrastructure: "infrastructure", apps: "apps" } as const;

const header = (what: string) =>
  `# ${what}\n# Written once by gitops-bootstrap (github.scaffold: true); yours to edit: it is never overwritten.\n`;

/** A Flux Kustomization of the starter layout, synced from the FluxInstance's GitRepository. */
export function starterKustomization(name: string, folder: string, dependsOn: readonly string[]): Record<string, unknown> {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace: systemNamespaces.flux },
    spec: {
      ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((dependency) => ({ name: dependency })) } : {}),
      interval: "1h",
      retryInterval: "1m",
      timeout: "5m",
      sourceRef: { kind: "GitRepository", name: fluxSyncName },
      path: `./${folder}`,
      prune: true,
      // Ready only once every object it applied is healthy, so apps start after their infrastructure.
      wait: true,
    },
  };
}

/**
 * The starter layout for a cluster path: `infrastructure.yaml` and `apps.yaml` Flux Kustomizations
 * in the path (apps depend on infrastructure), and the two folders they apply, each with an empty
 * kustomization.yaml. Infrastructure patches every CRD it applies with the prune-disabled
 * annotation, so removing a CRD from git never deletes it (and every object of its kind).
 */
export function starterLayout(clusterPath: string): ScaffoldFile[] {
  const path = clusterPath.replace(/^\.\//, "").replace(/\/+$/, "");
  const infrastructure = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: [],
    // A target that matches nothing (no CRDs yet) is no error (kubernetes-sigs/kustomize #4379).
    patches: [
      {
        target: { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
        patch: stringify({
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          metadata: { name: "any", annotations: { "kustomize.toolkit.fluxcd.io/prune": "disabled" } },
        }),
      },
    ],
  };
  const apps = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [] };
  return [
    {
      path: `${starterFolders.infrastructure}/kustomization.yaml`,
      content: header("Cluster add-ons and their CRDs. CRDs listed here are never pruned (the patch below).") + stringify(infrastructure),
    },
    { path: `${starterFolders.apps}/kustomization.yaml`, content: header("Applications; applied once infrastructure is Ready.") + stringify(apps) },
    {
      path: `${path}/infrastructure.yaml`,
      content: header("Applies ./infrastructure.") + stringify(starterKustomization("infrastructure", starterFolders.infrastructure, [])),
    },
    {
      path: `${path}/apps.yaml`,
      content: header("Applies ./apps after infrastructure.") + stringify(starterKustomization("apps", starterFolders.apps, ["infrastructure"])),
    },
  ];
}

/** Reads a failed tree listing: only "repository is empty" (409) is something the scaffold can fix. */
export function classifyTreeError(error: unknown): TreeListing {
  const message = error instanceof Error ? error.message : String(error);
  return /\b409\b|Git Repository is empty/i.test(message) ? { kind: "emptyRepository" } : { kind: "unavailable", reason: message };
}

/**
 * The files to commit: the starter files that do not exist yet, and only when the path has no
 * manifests (the case the repository check would refuse). A path with manifests gets nothing.
 */
export function scaffoldPlan(location: Pick<RepositoryLocation, "path">, listing: TreeListing): ScaffoldFile[] {
  if (listing.kind === "unavailable") return [];
  const starter = starterLayout(location.path);
  if (listing.kind === "emptyRepository") return starter;
  const path = location.path.replace(/^\.\//, "").replace(/\/+$/, "");
  const hasManifests = listing.files.some((file) => file.startsWith(`${path}/`) && /\.(ya?ml|json)$/.test(file));
  if (hasManifests) return [];
  const existing = new Set(listing.files);
  return starter.filter((file) => !existing.has(file.path));
}

export interface ScaffoldArgs extends RepositoryLocation {
  githubProvider: github.Provider;
}

/**
 * Commits the starter layout into an empty repository or path, so Flux has something to sync on
 * its first run. @pulumi/github 6.15 has no tree or commit resource, only RepositoryFile (one commit
 * per file), so the layout takes one commit per file, made one after another: parallel writes to a
 * branch fail with 409 (integrations/terraform-provider-github #2909). The files are retained on
 * delete and never overwritten: once written they belong to the repository, and on the next run
 * (the path now has manifests) the program stops managing them without deleting anything.
 */
export class Scaffold extends pulumi.ComponentResource {
  /** The files committed on this run ([] when nothing was needed); resolves after the commits. */
  public readonly files: pulumi.Output<string[]>;

  constructor(name: string, args: ScaffoldArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops:github:Scaffold", name, {}, opts);
    const planned = pulumi.output(args.githubProvider.urn).apply(async () => {
      let listing: TreeListing;
      try {
        const tree = await github.getTree(
          { repository: args.repository, treeSha: args.branch, recursive: true },
          { provider: args.githubProvider, parent: this },
        );
        listing = { kind: "files", files: tree.entries.filter((entry) => entry.type === "blob").map((entry) => entry.path) };
      } catch (error) {
        listing = classifyTreeError(error);
      }
      return { plan: scaffoldPlan(args, listing), emptyRepository: listing.kind === "emptyRepository" };
    });
    this.files = planned.apply(({ plan, emptyRepository }) => {
      let previous: pulumi.Resource | undefined;
      const created = plan.map((file, index) => {
        const resource: github.RepositoryFile = new github.RepositoryFile(
          `${name}-${file.path.replace(/[^A-Za-z0-9.-]+/g, "-")}`,
          {
            repository: args.repository,
            // An empty repository has no branch yet: GitHub creates its default branch with the first commit.
            ...(emptyRepository ? {} : { branch: args.branch }),
            file: file.path,
            content: file.content,
            commitMessage: `gitops-bootstrap: starter layout for ${args.path} (${index + 1}/${plan.length}: ${file.path})`,
            overwriteOnCreate: false,
          },
          {
            parent: this,
            provider: args.githubProvider,
            dependsOn: previous === undefined ? [] : [previous],
            retainOnDelete: true,
            // The user owns the content from now on; a refresh must not turn their edits into a diff.
            ignoreChanges: ["content", "commitMessage"],
          },
        );
        previous = resource;
        return resource;
      });
      return pulumi.all(created.map((resource) => resource.id)).apply(() => plan.map((file) => file.path));
    });
    this.registerOutputs({ files: this.files });
  }
}
