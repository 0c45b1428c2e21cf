import * as pulumi from "@pulumi/pulumi";

/**
 * Aliases for resources that moved into a component. A resource's URN includes its parents' types,
 * so a move changes it, and the engine treats a changed URN as delete + create: a new deploy key,
 * webhook token or KV secret, and the old one destroyed. An alias naming the old URN makes the
 * engine adopt the resource in state instead. Children of a moved component inherit its alias.
 */

/** The URN a resource had when it was registered at the top of the stack. */
export function formerTopLevelUrn(type: string, name: string): pulumi.Output<string> {
  return pulumi.createUrn(name, type);
}

/** The URN a resource had as a child of a top-level component. */
export function formerChildUrn(parent: { type: string; name: string }, type: string, name: string): pulumi.Output<string> {
  return pulumi.createUrn(name, type, formerTopLevelUrn(parent.type, parent.name));
}

/** Where the generated credentials (deploy key, webhook token) were written before their components owned them. */
export const formerGeneratedSecrets = { type: "gitops:secrets:BootstrapSecrets", name: "generated-secrets" } as const;
