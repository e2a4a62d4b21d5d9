/**
 * Self-signed CA certificates: Kuma's GenerateCA (inter-cp-ca, envoy-admin-ca), the builtin mesh CA
 * (subject O=Kuma, OU=Mesh, CN=<mesh>, URI SAN spiffe://<mesh>) and MeshIdentity's bundled CA.
 */
import { encodeCertificate, randomSerial } from './certificate-encoder.js';
import { bigintToBytes } from './der.js';
import { PkiError } from './errors.js';
import { basicConstraintsExtension, keyIdentifier, keyUsageExtension, subjectAltNameExtension, subjectKeyIdExtension } from './extensions.js';
import { checkUri } from './hosts.js';
import { DEFAULT_CLOCK_SKEW_MS, TEN_YEARS_MS, checkDuration, issued } from './issued.js';
import { spkiOf } from './spki.js';
import type { KeyPair } from './keys.js';
import { encodeName, type SubjectName } from './names.js';
import { privateKeyToPem } from './pem.js';
import type { SelfSignedCertificate } from './self-signed.js';
import { signerFor } from './signature.js';

export interface CaOptions {
  subject: SubjectName;
  keyPair: KeyPair;
  /** URI SANs, e.g. the mesh trust domain `spiffe://<mesh>`. */
  uriSans?: readonly string[];
  now?: Date;
  /** notAfter = now + validityMs (default 10 × 365 days), as GenerateCA counts it. */
  validityMs?: number;
  /** notBefore = now − clockSkewMs: 5 minutes for GenerateCA (default), 10 s for the builtin mesh CA. */
  clockSkewMs?: number;
  /** 0 for GenerateCA and the builtin mesh CA (Kuma's choice, the default); 'random' for a random 128-bit one. */
  serial?: bigint | 'random';
}

export function createCaCertificate(opts: CaOptions): SelfSignedCertificate {
  const validityMs = opts.validityMs ?? TEN_YEARS_MS;
  checkDuration(validityMs, 'validityMs');
  const skew = opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  if (!Number.isFinite(skew) || skew < 0) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `clockSkewMs must be zero or positive (got ${skew})`);
  const uris = opts.uriSans ?? [];
  uris.forEach(checkUri);
  const now = (opts.now ?? new Date()).getTime();
  const name = encodeName(opts.subject);
  const spki = spkiOf(opts.keyPair.publicKey);
  const san = subjectAltNameExtension({ uris }, name.length === 2);
  const serial = opts.serial === undefined ? 0n : opts.serial;
  const der = encodeCertificate(
    {
      serial: serial === 'random' ? randomSerial() : bigintToBytes(serial),
      issuerName: name,
      subjectName: name,
      notBefore: new Date(now - skew),
      notAfter: new Date(now + validityMs),
      spki,
      extensions: [
        keyUsageExtension(['keyCertSign', 'cRLSign']),
        basicConstraintsExtension(true),
        subjectKeyIdExtension(keyIdentifier(spki)),
        ...(san ? [san] : []),
      ],
    },
    signerFor(opts.keyPair.privateKey),
  );
  return Object.assign(issued(der), { keyPem: privateKeyToPem(opts.keyPair.privateKey) });
}
