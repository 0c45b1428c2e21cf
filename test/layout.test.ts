/** Names and paths of rotated credentials, written once in components/layout.ts. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../components/config";
import { generationSuffixPattern, vaultLayout } from "../components/layout";
import { stackSource } from "./support/configFixtures";

describe("vault layout", () => {
  it("versions the deploy key's and the webhook token's names and paths with their rotation, past one digit", () => {
    const config = parseConfig(
      stackSource("staging", {
        github: { owner: "acme-platform", repository: "fleet", path: "clusters/staging", deployKey: { rotation: 12 } },
        webhook: { host: "flux-webhook.staging.acme.example", certManagerIssuer: "letsencrypt", rotation: 10 },
      }),
    );
    const layout = vaultLayout(config);
    expect(layout.secretNames).toEqual({ gitAuth: "flux-git-auth-v12", webhookToken: "webhook-token-v10" });
    expect([layout.gitAuth, layout.webhookToken]).toEqual(["clusters/staging/flux/git-auth-v12", "clusters/staging/flux/webhook-token-v10"]);
    expect(layout.readByNamespace["flux-system"]).toEqual(["clusters/staging/flux/git-auth-v12", "clusters/staging/flux/webhook-token-v10"]);
  });

  it("finds the generation in a resource name, whole", () => {
    expect("flux-git-auth-v12".match(generationSuffixPattern)?.[1]).toBe("12");
    expect("flux-webhook-v10-alert".match(generationSuffixPattern)?.[1]).toBe("10");
    expect("flux-v2beta".match(generationSuffixPattern)).toBeNull();
  });
});
