/** Validation of the global KDS server (mode global) and the zone settings (mode zone). */

import { dns1035LabelViolations } from './dns-label.js';
import { parseGoUrl } from './go-url.js';
import type { KumaCpConfig } from './kuma-cp-schema.js';
import { checkCertKeyPair, checkTlsNames, type Scope } from './validate-support.js';

export const KDS_AUTH_TYPES = ['none', 'zoneToken'] as const;

export function validateGlobalKds(s: Scope, k: KumaCpConfig['multizone']['global']['kds']): void {
  if (k.grpcPort > 65535) s.add('grpcPort', '.GrpcPort must be in the range [0, 65535]');
  if (k.refreshInterval <= 0) s.add('refreshInterval', '.RefreshInterval must be positive');
  if (k.zoneInsightFlushInterval <= 0) s.add('zoneInsightFlushInterval', '.ZoneInsightFlushInterval must be positive');
  checkCertKeyPair(s, k);
  checkTlsNames(s, k);
  if (k.requireClientCert && k.tlsCaFile === '') s.add('tlsCaFile', '.TlsCaFile cannot be empty if RequireClientCert is true');
  if (k.requireClientCert && !k.tlsEnabled) s.add('requireClientCert', '.RequireClientCert needs TlsEnabled');
  if (!(KDS_AUTH_TYPES as readonly string[]).includes(k.auth.type)) {
    s.add('auth.type', `.Auth.Type should be either none or zoneToken, got ${JSON.stringify(k.auth.type)}`);
  }
}

const GLOBAL_ADDRESS_SCHEMES = ['grpc', 'grpcs'];

/** Kuma checks the zone name always, and the KDS client only for a federated zone. */
export function validateZone(s: Scope, z: KumaCpConfig['multizone']['zone']): void {
  if (z.name === '') {
    s.add('name', 'Name is mandatory');
  } else {
    const violations = dns1035LabelViolations(z.name);
    if (violations.length > 0) s.add('name', `Zone name ${JSON.stringify(z.name)} has to be a valid RFC1035 DNS label: ${violations.join(', ')}`);
  }
  if (z.globalAddress === '') return;
  const parsed = parseGoUrl(z.globalAddress);
  if (!parsed.ok) {
    s.add('globalAddress', `unable to parse zone GlobalAddress.: ${parsed.error}`);
    return;
  }
  if (!GLOBAL_ADDRESS_SCHEMES.includes(parsed.url.scheme)) {
    s.add('globalAddress', `unsupported scheme ${JSON.stringify(parsed.url.scheme)} in zone GlobalAddress. Use one of [grpc grpcs]`);
    return;
  }
  const kds = s.scope('.KDS validation error: ', 'kds');
  checkCertKeyPair(kds, z.kds);
  if (z.kds.auth.tokenPath !== '' && z.kds.auth.tokenInline !== '') {
    kds.add('auth', '.Auth.TokenPath and .Auth.TokenInline cannot be both defined');
  }
}
