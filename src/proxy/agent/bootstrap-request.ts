/**
 * The body of `POST /bootstrap` as kuma-dp sends it (Kuma's types.BootstrapRequest, spec mtls-dp
 * §2.3): the same keys in the same order, indented with one space (Go's MarshalIndent "", " "), and
 * the same omissions (empty token, token path and template; zero ports). Fields that only mean
 * something to Envoy keep their zero values, so a Kuma control plane reads our request unchanged.
 */
import { networkInterfaces } from 'node:os';
import { VERSION } from '../../core/version.js';

export interface KumaDpBuildInfo {
  version: string;
  gitTag: string;
  gitCommit: string;
  buildDate: string;
}

export interface BootstrapRequestInput {
  mesh: string;
  name: string;
  /** The token text (already trimmed); undefined or '' when none. */
  token: string | undefined;
  /** `--dataplane-token-file`; '' when the token is inline or absent. */
  tokenPath: string;
  /** The rendered Dataplane template as JSON; '' for a pre-created Dataplane. */
  dataplaneJson: string;
  /** The CA the proxy verifies the control plane with (`--ca-cert-file` / KUMA_CONTROL_PLANE_CA_CERT). */
  caCertPem: string;
  /** Kuma's dynamicMetadata (HOST_IP); null when empty, as Go marshals a nil map. */
  dynamicMetadata: Readonly<Record<string, string>>;
  readinessPort: number;
  workDir: string;
  ipv6Enabled: boolean;
  /** Defaults: this process's platform and version (tests pin them). */
  operatingSystem?: string;
  build?: KumaDpBuildInfo;
}

export const KUMA_DP_BUILD: KumaDpBuildInfo = { version: VERSION, gitTag: `v${VERSION}`, gitCommit: '', buildDate: '' };

/** Kuma's HasLocalIPv6: some interface holds a non-loopback IPv6 address. */
export function hasLocalIpv6(): boolean {
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((a) => a.family === 'IPv6' && !a.internal));
}

/** The JSON text of the request. */
export function bootstrapRequestJson(i: BootstrapRequestInput): string {
  const body: Record<string, unknown> = { mesh: i.mesh, name: i.name, proxyType: 'dataplane' };
  if (i.token !== undefined && i.token !== '') body['dataplaneToken'] = i.token;
  if (i.tokenPath !== '') body['dataplaneTokenPath'] = i.tokenPath;
  if (i.dataplaneJson !== '') body['dataplaneResource'] = i.dataplaneJson;
  const build = i.build ?? KUMA_DP_BUILD;
  body['version'] = {
    kumaDp: { version: build.version, gitTag: build.gitTag, gitCommit: build.gitCommit, buildDate: build.buildDate },
    // No Envoy: the proxy is this process. Zero values, as Kuma's CP would read an absent block.
    envoy: { version: '', build: '', kumaDpCompatible: false },
  };
  body['caCert'] = i.caCertPem;
  body['dynamicMetadata'] = Object.keys(i.dynamicMetadata).length === 0 ? null : { ...i.dynamicMetadata };
  if (i.readinessPort !== 0) body['readinessPort'] = i.readinessPort;
  body['operatingSystem'] = i.operatingSystem ?? process.platform;
  // Kuma's features name Envoy-side capabilities (access logs over a named pipe, ...); we have none.
  body['features'] = [];
  body['resources'] = { maxHeapSizeBytes: 0 };
  body['workdir'] = i.workDir;
  body['metricsResources'] = { certPath: '', keyPath: '' };
  body['systemCaPath'] = '';
  body['ipv6Enabled'] = i.ipv6Enabled;
  body['spireResources'] = { socketPath: '' };
  return JSON.stringify(body, null, 1);
}
