import * as github from "@pulumi/github";
import { describe, expect, it } from "vitest";
import { DeployKey } from "../../components/deployKey";
import { runComponent, tree, urnPrefix } from "./run";

describe("DeployKey alone", () => {
  it("generates a key of the generation and registers its public half, read-only, on the repository", async () => {
    const run = await runComponent(() => {
      const githubProvider = new github.Provider("github", { owner: "acme" });
      const key = new DeployKey("flux-deploy-key", { repository: "fleet", algorithm: "ECDSA", generation: 3, title: "flux-staging", readWrite: false, githubProvider });
      return { fingerprint: key.fingerprint, privateKey: key.privateKeyOpenssh };
    });
    expect(tree(run)).toEqual([
      "github:index/repositoryDeployKey:RepositoryDeployKey flux-deploy-key-v3 < flux-deploy-key",
      "gitops:github:DeployKey flux-deploy-key",
      "pulumi:providers:github github",
      "tls:index/privateKey:PrivateKey flux-deploy-key-v3 < flux-deploy-key",
    ]);
    const privateKey = run.one("tls:index/privateKey:PrivateKey");
    expect(privateKey.inputs).toEqual({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    const deployKey = run.one("github:index/repositoryDeployKey:RepositoryDeployKey");
    expect(deployKey.parent).toBe(`${urnPrefix}gitops:github:DeployKey::flux-deploy-key`);
    expect(deployKey.provider).toBe(`${urnPrefix}pulumi:providers:github::github::github-id`);
    expect(deployKey.inputs).toEqual({ repository: "fleet", title: "flux-staging-v3", key: "ecdsa-sha2-nistp256 AAAAmockflux-deploy-key-v3", readOnly: true });
    expect(deployKey.dependencies).toEqual([privateKey.urn]);
    expect(run.outputs.privateKey.secret).toBe(true);
  });

  it("asks for write access only when told to", async () => {
    const run = await runComponent(() => {
      const githubProvider = new github.Provider("github", { owner: "acme" });
      void new DeployKey("key", { repository: "fleet", algorithm: "ED25519", readWrite: true, generation: 1, title: "t", githubProvider });
    });
    expect(run.one("tls:index/privateKey:PrivateKey").inputs).toEqual({ algorithm: "ED25519" });
    expect(run.one("github:index/repositoryDeployKey:RepositoryDeployKey").inputs.readOnly).toBe(false);
  });
});
