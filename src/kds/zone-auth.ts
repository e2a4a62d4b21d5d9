/**
 * Who may speak for a zone on the global's KDS port. Kuma OSS trusts the `client-id` a zone claims
 * (pain point P-K16: anyone reaching the port joins as any zone). kuma-ts adds two optional checks,
 * each bound to the claimed zone name:
 *  - `multizone.global.kds.auth.type: zoneToken`: exactly one `authorization` value holding a zone
 *    token issued by this global (signature, expiry, revocation), with scope `cp` (or no scope, which
 *    means every scope, as kumactl's default), issued for the zone named in `client-id`;
 *  - mutual TLS (`requireClientCert` + `tlsCaFile`): the handshake already proved the certificate
 *    chains to tlsCaFile; here its names must include the zone: a DNS SAN equal to the zone name, or,
 *    for a certificate without DNS SANs, the subject CN. So one zone's certificate cannot be used to
 *    join as another zone (`kumactl generate tls-certificate --type=client --hostname=<zone>` makes one;
 *    for a CA-issued one put the zone name in the SAN).
 * Every refusal is a KdsStatusError whose message tells the zone's operator what to change.
 */
import type { PeerCertificate } from 'node:tls';
import { Code } from '@connectrpc/connect';
import { KDS_AUTH_TYPES } from '../config/validate-multizone.js';
import { KumaError, messageOf } from '../core/errors.js';
import type { ZoneTokenValidator } from '../tokens/index.js';
import { KdsError, KdsStatusError } from './transport/kds-errors.js';
import { printableId, tokenOf } from './transport/metadata.js';

export type KdsAuthType = (typeof KDS_AUTH_TYPES)[number];

/** The scope a zone token needs to act as a zone control plane on KDS. */
export const ZONE_CP_SCOPE = 'cp';

export interface ZoneCredentials {
  /** Every `authorization` value of the stream. */
  authorizations: readonly string[];
  /** The verified client certificate when mutual TLS is on. */
  peerCertificate?: PeerCertificate | undefined;
}

export interface ZoneAuthenticator {
  readonly type: KdsAuthType;
  readonly requireClientCert: boolean;
  /** Resolves when these credentials may speak for `zone`; throws KdsStatusError otherwise. */
  authenticate(zone: string, credentials: ZoneCredentials): Promise<void>;
}

export interface ZoneAuthOptions {
  type: string;
  /** Needed for zoneToken: createZoneTokenValidator(secretCache) on the global. */
  validator?: ZoneTokenValidator | undefined;
  requireClientCert?: boolean | undefined;
}

const TOKEN_HOW_TO = (zone: string): string =>
  `generate one on the global control plane (kumactl generate zone-token --zone=${zone} --scope=cp --valid-for=...) and point the zone control plane at it with multizone.zone.kds.auth.tokenPath (KUMA_MULTIZONE_ZONE_KDS_AUTH_TOKEN_PATH)`;

/** What to do about each validator failure (the validator's own text says what is wrong). */
function tokenHint(code: string | undefined, zone: string): string {
  switch (code) {
    case 'ERR_TOKEN_EXPIRED':
      return `the token expired: ${TOKEN_HOW_TO(zone)}`;
    case 'ERR_TOKEN_NOT_YET_VALID':
      return "the token is not valid yet: check the clocks of both control planes";
    case 'ERR_TOKEN_REVOKED':
      return `the token was revoked (GlobalSecret zone-token-revocations): ${TOKEN_HOW_TO(zone)}`;
    case 'ERR_TOKEN_BAD_SIGNATURE':
      return `the token was not signed by this global's zone token signing key (altered, or issued by another control plane): ${TOKEN_HOW_TO(zone)}`;
    case 'ERR_TOKEN_MALFORMED':
    case 'ERR_TOKEN_UNVERIFIABLE':
      return `the authorization value is not a zone token (check the token file for stray text): ${TOKEN_HOW_TO(zone)}`;
    default:
      return TOKEN_HOW_TO(zone);
  }
}

/** No scope (Go nil / empty) means every scope, as `kumactl generate zone-token` issues by default. */
export function zoneTokenAllowsCp(scope: readonly string[] | null): boolean {
  return scope === null || scope.length === 0 || scope.includes(ZONE_CP_SCOPE);
}

/** DNS SANs of a peer certificate, lower-cased. */
function dnsNames(cert: PeerCertificate): string[] {
  return (cert.subjectaltname ?? '')
    .split(', ')
    .filter((e) => e.startsWith('DNS:'))
    .map((e) => e.slice(4).toLowerCase());
}

function commonName(cert: PeerCertificate): string {
  const cn = (cert.subject as unknown as Record<string, unknown> | undefined)?.['CN'];
  return Array.isArray(cn) ? String(cn[0] ?? '') : typeof cn === 'string' ? cn : '';
}

/** The names a zone certificate vouches for: its DNS SANs, else its CN. */
export function certificateZoneNames(cert: PeerCertificate): string[] {
  const dns = dnsNames(cert);
  if (dns.length > 0) return dns;
  const cn = commonName(cert);
  return cn === '' ? [] : [cn.toLowerCase()];
}

export function createZoneAuthenticator(opts: ZoneAuthOptions): ZoneAuthenticator {
  if (!(KDS_AUTH_TYPES as readonly string[]).includes(opts.type)) {
    throw new KdsError('ERR_KDS_AUTH_TYPE', `multizone.global.kds.auth.type should be either none or zoneToken, got ${JSON.stringify(opts.type)}`);
  }
  const type = opts.type as KdsAuthType;
  const validator = opts.validator;
  if (type === 'zoneToken' && validator === undefined) {
    throw new KdsError('ERR_KDS_AUTH_TYPE', 'multizone.global.kds.auth.type is zoneToken but no zone token validator was given to the KDS server');
  }
  const requireClientCert = opts.requireClientCert ?? false;

  function checkCertificate(zone: string, cert: PeerCertificate | undefined): void {
    if (!requireClientCert) return;
    if (cert === undefined || Object.keys(cert).length === 0) {
      throw new KdsStatusError(
        Code.Unauthenticated,
        'ERR_KDS_CLIENT_CERT',
        'the global control plane requires a client certificate (multizone.global.kds.requireClientCert) and none was presented; set multizone.zone.kds.tlsCertFile and tlsKeyFile on the zone control plane',
      );
    }
    const names = certificateZoneNames(cert);
    if (!names.includes(zone.toLowerCase())) {
      throw new KdsStatusError(
        Code.PermissionDenied,
        'ERR_KDS_CLIENT_CERT_ZONE',
        `the client certificate is valid for [${names.map(printableId).join(' ')}], not for zone ${JSON.stringify(zone)}: a zone's KDS client certificate must carry its zone name as a DNS SAN (kumactl generate tls-certificate --type=client --hostname=${zone}, or have your CA issue one with that SAN)`,
      );
    }
  }

  async function checkToken(zone: string, authorizations: readonly string[]): Promise<void> {
    if (type !== 'zoneToken' || validator === undefined) return;
    if (authorizations.length === 0) {
      throw new KdsStatusError(
        Code.Unauthenticated,
        'ERR_KDS_TOKEN_MISSING',
        `zone token required: the global control plane runs with multizone.global.kds.auth.type=zoneToken but zone ${JSON.stringify(zone)} sent no token; ${TOKEN_HOW_TO(zone)}`,
      );
    }
    if (authorizations.length > 1) {
      throw new KdsStatusError(
        Code.Unauthenticated,
        'ERR_KDS_TOKEN_COUNT',
        `request must have exactly 1 "authorization" metadata value, got ${authorizations.length}`,
      );
    }
    let identity;
    try {
      identity = await validator.validate(tokenOf(authorizations[0] as string));
    } catch (err) {
      const code = err instanceof KumaError ? err.code : undefined;
      // The store could not be read: the token may be fine, so the zone should simply retry.
      if (code === 'ERR_TOKEN_STORE' || code === 'ERR_TOKEN_REVOCATION_CHECK') {
        throw new KdsStatusError(Code.Unavailable, code, `could not check the zone token now (${messageOf(err)}); the zone retries`);
      }
      throw new KdsStatusError(Code.Unauthenticated, code ?? 'ERR_KDS_TOKEN_INVALID', `zone token rejected: ${messageOf(err)}; ${tokenHint(code, zone)}`);
    }
    if (identity.zone !== zone) {
      throw new KdsStatusError(
        Code.PermissionDenied,
        'ERR_KDS_TOKEN_ZONE',
        `the zone token was issued for zone ${JSON.stringify(identity.zone)} but this control plane connects as zone ${JSON.stringify(zone)} (multizone.zone.name); use a token generated with --zone=${zone}, or fix KUMA_MULTIZONE_ZONE_NAME`,
      );
    }
    if (!zoneTokenAllowsCp(identity.scope)) {
      throw new KdsStatusError(
        Code.PermissionDenied,
        'ERR_KDS_TOKEN_SCOPE',
        `the zone token's scope [${(identity.scope ?? []).join(' ')}] does not include "cp", which a zone control plane needs; generate one with --scope=cp (kumactl generate zone-token --zone=${zone} --scope=cp --valid-for=...)`,
      );
    }
  }

  return {
    type,
    requireClientCert,
    async authenticate(zone, credentials) {
      checkCertificate(zone, credentials.peerCertificate);
      await checkToken(zone, credentials.authorizations);
    },
  };
}
