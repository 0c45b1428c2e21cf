import { describe, expect, it } from "vitest";
import { parseConfig } from "../components/config";
import { k3sIngressProblems } from "../components/validation";
import { problemsOf, stackSource } from "./support/configFixtures";
import { readStackConfig } from "../mocks/engine";


const prodK3s = () => (readStackConfig("prod")["gitops-bootstrap:cluster"] as { k3s: Record<string, unknown> }).k3s;
const noLoadBalancer =
  'gitops-bootstrap:cluster.k3s.disable: lists "servicelb", and nothing else in a cluster this stack installs gives Traefik\'s LoadBalancer Service an address, ' +
  "so nothing answers for gitops-bootstrap:vault.address and gitops-bootstrap:webhook.host: pulumi-kubernetes waits for the Ingress's .status.loadBalancer.ingress " +
  'until it times out. Remove "servicelb" from it (k3s\'s servicelb publishes the nodes\' addresses and serves ports 80 and 443 on them)';

describe("Ingresses get an address on a k3s cluster this stack installs", () => {
  it("prod keeps Traefik and servicelb", () => {
    expect(prodK3s().disable).toEqual([]);
    expect(() => parseConfig(stackSource("prod"))).not.toThrow();
  });

  it("refuses servicelb disabled while the Vault and webhook Ingresses need an address", () => {
    const problems = problemsOf(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", k3s: { ...prodK3s(), disable: ["servicelb"] } } })));
    expect(problems).toEqual([noLoadBalancer]);
  });

  it("keeps Traefik and servicelb by default (k3s's own default), and refuses Traefik disabled while Ingresses of class traefik are needed", () => {
    const withDefaults = Object.fromEntries(Object.entries(prodK3s()).filter(([key]) => key !== "disable"));
    expect(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", k3s: withDefaults } }))).not.toThrow();
    const problems = problemsOf(() => parseConfig(stackSource("prod", { cluster: { mode: "k3s", k3s: { ...withDefaults, disable: ["traefik"] } } })));
    expect(problems).toEqual([
      'gitops-bootstrap:cluster.k3s.disable: lists "traefik", the only Ingress controller k3s ships, but gitops-bootstrap:vault.address and ' +
        'gitops-bootstrap:webhook.host need an Ingress of class "traefik" (or the default class): remove "traefik" from it',
    ]);
  });

  it("has nothing to say when the stack creates no Ingress (port-forwarded Vault, no webhook)", () => {
    expect(k3sIngressProblems(["traefik", "servicelb"], [])).toEqual([]);
    expect(() =>
      parseConfig(
        stackSource("prod", {
          cluster: { mode: "k3s", k3s: { ...prodK3s(), disable: ["traefik", "servicelb"] } },
          vault: { mode: "in-cluster", address: "http://127.0.0.1:8200", pathPrefix: "clusters/prod", chartVersion: "0.31.0" },
          webhook: {},
        }),
      ),
    ).not.toThrow();
  });

  it("checks an Ingress of another class only for the load balancer", () => {
    expect(k3sIngressProblems(["traefik"], [{ key: "gitops-bootstrap:webhook.host", className: "nginx" }])).toEqual([]);
    expect(k3sIngressProblems(["servicelb"], [{ key: "gitops-bootstrap:webhook.host", className: "nginx" }])).toHaveLength(1);
  });
});
