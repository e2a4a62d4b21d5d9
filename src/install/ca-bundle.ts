/**
 * `controlPlane.tls.general.caBundle`: base64 of the PEM CA certificate(s), put verbatim in every
 * webhook's clientConfig. Kuma's chart copies whatever it gets (its own tests pass "XYZ"), so a
 * wrong bundle surfaces only when the API server cannot call the webhooks. We check it here.
 */
import { messageOf } from '../core/errors.js';
import { pemDecodeAll, parseCertificatesPem } from '../pki/index.js';
import type { X509Certificate } from 'node:crypto';

const HOW = `pass the CA file base64-encoded on one line, e.g. --tls-general-ca-bundle="$(base64 < /tmp/ca.crt | tr -d '\\n')"`;

export interface CaBundleCheck {
  /** The bundle without whitespace (what the webhooks get). */
  normalized: string;
  certificates: X509Certificate[];
}

/** Returns what is wrong with `bundle` (a sentence that says what to fix), or the parsed bundle. */
export function checkCaBundle(bundle: string): CaBundleCheck | { problem: string } {
  // `base64` wraps at 76 columns; YAML folded scalars add spaces: whitespace is never part of base64.
  const normalized = bundle.replace(/\s+/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(normalized);
  if (bad) {
    if (normalized.includes('-----BEGIN')) return { problem: `it is PEM text, not base64 of it; ${HOW}` };
    return { problem: `it is not base64 (character "${bad[0]}" at position ${bad.index + 1}); ${HOW}` };
  }
  if (normalized.length % 4 !== 0 || /=[^=]/.test(normalized)) {
    return { problem: `it is not valid base64 (wrong length or padding: was it cut short?); ${HOW}` };
  }
  const text = Buffer.from(normalized, 'base64').toString('latin1');
  if (!text.includes('-----BEGIN ')) {
    if (/^[A-Za-z0-9+/=\s]+$/.test(text) && text.includes('LS0tLS1CRUdJTi')) return { problem: `it is base64-encoded twice; encode the PEM file only once: ${HOW}` };
    return { problem: `it does not decode to PEM text (a DER file or something else?); convert the CA to PEM first (openssl x509 -in ca.der -inform der -out ca.crt), then ${HOW}` };
  }
  let labels: string[];
  try {
    labels = pemDecodeAll(text).map((b) => b.label);
  } catch (err) {
    return { problem: `its PEM content is malformed (${messageOf(err)})` };
  }
  // Webhook configurations are readable cluster-wide: never let a key ride along.
  if (labels.some((l) => l.includes('PRIVATE KEY'))) {
    return { problem: 'it contains a private key; the CA bundle must hold only the CA certificate(s) (ca.crt), never tls.key' };
  }
  if (!labels.includes('CERTIFICATE')) return { problem: `it holds no "CERTIFICATE" PEM block (found ${labels.join(', ')}); base64-encode the CA certificate file (ca.crt)` };
  try {
    return { normalized, certificates: parseCertificatesPem(text, 'controlPlane.tls.general.caBundle') };
  } catch (err) {
    return { problem: messageOf(err) };
  }
}
