/**
 * Checks on certificates: key/certificate match, validity window, "may this certificate issue
 * others", and chain verification to a set of trusted roots. Errors name the certificate (subject,
 * else SANs) and the dates, and say what to do.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { describeCertificate, readCertificateInfo } from './certificate-info.js';
import { PkiError, inSource } from './errors.js';
import { spkiOf } from './spki.js';

/** Throws ERR_PKI_KEY_MISMATCH unless `key` (private or public) belongs to the certificate. */
export function checkKeyMatchesCertificate(cert: X509Certificate, key: KeyObject, source?: string): void {
  let matches = false;
  try {
    if (key.type === 'private') matches = cert.checkPrivateKey(key);
    else if (key.type === 'public') matches = spkiOf(cert.publicKey).equals(spkiOf(key));
  } catch {
    matches = false; // e.g. an EC key against an RSA certificate
  }
  if (!matches) {
    throw new PkiError(
      'ERR_PKI_KEY_MISMATCH',
      `the private key${inSource(source)} does not match the certificate ${describeCertificate(cert)}: use the key file that was generated together with this certificate, or issue a new certificate for this key`,
    );
  }
}

/** Throws ERR_PKI_EXPIRED / ERR_PKI_NOT_YET_VALID when `now` is outside the certificate's validity. */
export function checkValidity(cert: X509Certificate, now: Date = new Date(), source?: string): void {
  const { notBefore, notAfter } = readCertificateInfo(cert);
  const t = now.getTime();
  if (t > notAfter.getTime()) {
    throw new PkiError(
      'ERR_PKI_EXPIRED',
      `certificate ${describeCertificate(cert)}${inSource(source)} expired at ${notAfter.toISOString()} (now is ${now.toISOString()}): renew it or replace it with a valid one`,
    );
  }
  if (t < notBefore.getTime()) {
    throw new PkiError(
      'ERR_PKI_NOT_YET_VALID',
      `certificate ${describeCertificate(cert)}${inSource(source)} is not valid before ${notBefore.toISOString()} (now is ${now.toISOString()}): check this machine's clock, or wait until then`,
    );
  }
}

/** Throws ERR_PKI_NOT_CA unless the certificate is a CA allowed to sign certificates. */
export function checkCanIssue(cert: X509Certificate, source?: string): void {
  const info = readCertificateInfo(cert);
  if (info.basicConstraints?.isCa !== true) {
    throw new PkiError('ERR_PKI_NOT_CA', `certificate ${describeCertificate(cert)}${inSource(source)} is not a CA (basic constraint CA is not true), so it cannot issue certificates: use a CA certificate`);
  }
  if (info.keyUsage !== undefined && !info.keyUsage.includes('keyCertSign')) {
    throw new PkiError('ERR_PKI_NOT_CA', `certificate ${describeCertificate(cert)}${inSource(source)} lacks the keyCertSign key usage, so it cannot issue certificates: use a CA certificate with keyCertSign`);
  }
}

const MAX_DEPTH = 10;

/**
 * Verifies `leaf` up to one of `roots` through `intermediates`: each issuer must match by name and
 * key identifier, sign its child, be a CA and be valid at `now`. Returns the chain, leaf first.
 */
export function verifyChain(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  opts: { now?: Date } = {},
): X509Certificate[] {
  const now = opts.now ?? new Date();
  const isRoot = (c: X509Certificate): boolean => roots.some((r) => r.raw.equals(c.raw));
  const chain: X509Certificate[] = [leaf];
  checkValidity(leaf, now);
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (isRoot(current)) return chain;
    const candidates = [...roots, ...intermediates].filter((c) => !c.raw.equals(current.raw) && current.checkIssued(c));
    if (candidates.length === 0) {
      const issuer = readCertificateInfo(current).issuer.map((a) => `${a.type}=${a.value}`).join(', ');
      throw new PkiError(
        'ERR_PKI_UNKNOWN_ISSUER',
        `certificate ${describeCertificate(current)} was issued by ${issuer === '' ? 'an issuer with an empty name' : `"${issuer}"`}, which is not among the trusted CA certificates: add that CA certificate to the trusted bundle (or the missing intermediate to the chain)`,
      );
    }
    const issuer = candidates.find((c) => current.verify(c.publicKey));
    if (!issuer) {
      throw new PkiError(
        'ERR_PKI_BAD_SIGNATURE',
        `the signature of certificate ${describeCertificate(current)} does not verify with the key of its issuer ${describeCertificate(candidates[0] as X509Certificate)}: the certificate was not signed by this CA (a different CA with the same name?) or was altered`,
      );
    }
    checkCanIssue(issuer);
    checkValidity(issuer, now);
    chain.push(issuer);
    current = issuer;
  }
  if (isRoot(current)) return chain;
  throw new PkiError('ERR_PKI_UNKNOWN_ISSUER', `certificate chain of ${describeCertificate(leaf)} is longer than ${MAX_DEPTH} certificates without reaching a trusted CA`);
}
