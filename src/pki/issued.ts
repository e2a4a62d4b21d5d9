/** The shape every certificate-producing function returns, and helpers they share. */
import { X509Certificate } from 'node:crypto';
import { PkiError } from './errors.js';
import { pemEncode } from './pem.js';

export interface IssuedCertificate {
  certPem: string;
  certDer: Buffer;
  /** Parsed lazily (parsing costs about as much as issuing), then kept. */
  readonly certificate: X509Certificate;
}

export function issued(certDer: Buffer): IssuedCertificate {
  let parsed: X509Certificate | undefined;
  return {
    certPem: pemEncode('CERTIFICATE', certDer),
    certDer,
    get certificate(): X509Certificate {
      parsed ??= new X509Certificate(certDer);
      return parsed;
    },
  };
}


export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
/** Kuma's DefaultValidityPeriod / DefaultCACertValidityPeriod: 10 × 365 days. */
export const TEN_YEARS_MS = 10 * 365 * DAY_MS;
/** Kuma's DefaultAllowedClockSkew for self-signed and generated CA certificates. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * MINUTE_MS;

export function checkDuration(ms: number, what: string): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `${what} must be a positive number of milliseconds (got ${ms})`);
}
