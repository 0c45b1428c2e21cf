/**
 * Version facts the program depends on, each with its upstream source. Config validation reads them
 * from here (validation.ts); update them together with a version pin.
 */

/**
 * The first flux-operator release whose image bundles each Flux version, by Flux version. Source:
 * controlplaneio-fluxcd/flux-operator, `config/data/flux/v<flux>/` at tag `v<operator>`
 * (`git ls-tree v0.58.1 config/data/flux/`). Every release bundles 2.2.3 up to its newest Flux, with
 * no gaps, so a release bundles a version iff it is at least that version's first release. There
 * never was a Flux 2.8.4 in the bundles. The chart version equals the operator release (chart
 * README: "Version: 0.24.1 … AppVersion: v0.24.1").
 */
export const fluxFirstBundledBy: Readonly<Record<string, string>> = {
  "2.2.3": "0.1.0",
  "2.3.0": "0.1.0",
  "2.4.0": "0.10.0",
  "2.5.0": "0.15.0",
  "2.5.1": "0.16.0",
  "2.6.0": "0.21.0",
  "2.6.1": "0.22.0",
  "2.6.2": "0.23.0",
  "2.6.3": "0.24.0",
  "2.6.4": "0.24.0",
  "2.7.0": "0.30.0",
  "2.7.1": "0.31.0",
  "2.7.2": "0.32.0",
  "2.7.3": "0.33.0",
  "2.7.4": "0.34.0",
  "2.7.5": "0.35.0",
  "2.8.0": "0.42.0",
  "2.8.1": "0.43.0",
  "2.8.2": "0.44.0",
  "2.8.3": "0.45.0",
  "2.8.5": "0.46.0",
  "2.8.6": "0.48.0",
  "2.8.7": "0.49.0",
  "2.8.8": "0.50.0",
  "2.9.0": "0.53.0",
  "2.9.1": "0.54.0",
  "2.9.2": "0.55.0",
  "2.9.3": "0.56.0",
  "2.9.4": "0.58.0",
};

/** The newest flux-operator release the table above was checked against. */
export const newestCheckedFluxOperator = "0.58.1";

/**
 * The External Secrets API version the program writes (ExternalSecret, ClusterSecretStore), and the
 * first ESO chart that serves it. Source: external-secrets/external-secrets,
 * config/crds/bases/external-secrets.io_externalsecrets.yaml at tag helm-chart-<version>: `v1` is
 * served from 0.16.0; `v1beta1` stopped being served in 0.17.0 (#4633, #4901). The chart version
 * equals the ESO release (deploy/charts/external-secrets/Chart.yaml: version 2.9.0, appVersion v2.9.0).
 */
export const externalSecretsApi = { apiVersion: "external-secrets.io/v1", firstServedByChart: "0.16.0" } as const;

/**
 * The Vault version each hashicorp/vault chart installs. Source: hashicorp/vault-helm, Chart.yaml
 * `appVersion` and values.yaml `server.image.tag` at tag `v<chart>`.
 */
export const vaultChartAppVersions: Readonly<Record<string, string>> = {
  "0.30.0": "1.19.0",
  "0.30.1": "1.20.1",
  "0.31.0": "1.20.4",
  "0.32.0": "1.21.2",
  "0.33.0": "2.0.2",
  "0.34.0": "2.0.3",
  "0.34.1": "2.0.4",
};

type Version = readonly [number, number, number];

/** "1.2.3" → [1, 2, 3]; undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `version` satisfies a FluxInstance `distribution.version` of the forms config accepts:
 * exact ("2.8.1") or with wildcards ("2.8.x", "2.x.x"); after the first "x" everything matches,
 * as Masterminds/semver (the operator's matcher) reads it.
 */
export function matchesFluxVersion(range: string, version: string): boolean {
  const wanted = range.split(".");
  const actual = version.split(".");
  for (let index = 0; index < wanted.length; index++) {
    if (wanted[index] === "x" || wanted[index] === "X" || wanted[index] === "*") return true;
    if (wanted[index] !== actual[index]) return false;
  }
  return true;
}

/** The Flux versions a flux-operator release bundles, oldest first (by the table above). */
export function fluxBundledBy(operatorVersion: string): string[] {
  const operator = parseVersion(operatorVersion);
  if (operator === undefined) return [];
  return Object.entries(fluxFirstBundledBy)
    .filter(([, first]) => compareVersions(operator, parseVersion(first) as Version) >= 0)
    .map(([flux]) => flux);
}
