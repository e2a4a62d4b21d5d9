/**
 * Loading a certificate (chain) and its key from PEM with every check a server needs before it
 * serves them: parseable, a certificate present, the key matching the leaf, every certificate
 * currently valid. Each failure is a PkiError with its own code and a message naming the file.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { parseCertificatesPem, parsePrivateKeyPem } from './pem.js';
import { checkKeyMatchesCertificate, checkValidity } from './verify.js';

export interface LoadKeyPairOptions {
  certPem: string | Uint8Array;
  keyPem: string | Uint8Array;
  /** File names for messages. */
  certSource?: string;
  keySource?: string;
  now?: Date;
}

export interface LoadedKeyPair {
  /** Leaf first, then the rest of the chain as written. */
  certificates: X509Certificate[];
  privateKey: KeyObject;
  certPem: string;
  keyPem: string;
}

const text = (v: string | Uint8Array): string => (typeof v === 'string' ? v : Buffer.from(v).toString('utf8'));

export function loadKeyPair(opts: LoadKeyPairOptions): LoadedKeyPair {
  const certificates = parseCertificatesPem(opts.certPem, opts.certSource);
  const privateKey = parsePrivateKeyPem(opts.keyPem, opts.keySource);
  const leaf = certificates[0] as X509Certificate;
  checkKeyMatchesCertificate(leaf, privateKey, opts.keySource);
  const now = opts.now ?? new Date();
  for (const cert of certificates) checkValidity(cert, now, opts.certSource);
  return { certificates, privateKey, certPem: text(opts.certPem), keyPem: text(opts.keyPem) };
}
