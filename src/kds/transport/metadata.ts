/**
 * The gRPC metadata a zone control plane sends on every KDS stream (Kuma's names): `client-id` is the
 * zone name and the ONLY place the global reads it from; `authorization` carries the zone token.
 * Values are read from the raw header list because Node joins repeated headers into one string, and
 * "exactly one value" is part of the rules.
 */
export const CLIENT_ID_HEADER = 'client-id';
export const AUTHORIZATION_HEADER = 'authorization';
export const KDS_VERSION_HEADER = 'kds-version';
export const VERSION_HEADER = 'version';
export const KDS_VERSION = 'v3';

export interface KdsRequestMetadata {
  /** Every `client-id` value, in order. */
  clientIds: string[];
  /** Every `authorization` value, in order. */
  authorizations: string[];
  /** The zone's kuma-ts (or Kuma) version, '' when absent. */
  version: string;
  kdsVersion: string;
}

/** Reads the KDS metadata from `rawHeaders` ([name, value, name, value, ...] as Node gives them). */
export function readKdsMetadata(rawHeaders: readonly string[]): KdsRequestMetadata {
  const out: KdsRequestMetadata = { clientIds: [], authorizations: [], version: '', kdsVersion: '' };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    if (name === CLIENT_ID_HEADER) out.clientIds.push(value);
    else if (name === AUTHORIZATION_HEADER) out.authorizations.push(value);
    else if (name === VERSION_HEADER && out.version === '') out.version = value;
    else if (name === KDS_VERSION_HEADER && out.kdsVersion === '') out.kdsVersion = value;
  }
  return out;
}

/** A zone token travels as the raw JWT (as Kuma's proxies send theirs); `Bearer <jwt>` is accepted too. */
export function tokenOf(authorization: string): string {
  const v = authorization.trim();
  return /^bearer\s+/i.test(v) ? v.replace(/^bearer\s+/i, '') : v;
}

/** Printable and short, for logs and statuses: a hostile client id cannot forge or flood log lines. */
export function printableId(value: string): string {
  if (/^[\x21-\x7e]{1,80}$/.test(value)) return value;
  return value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}...` : JSON.stringify(value);
}
