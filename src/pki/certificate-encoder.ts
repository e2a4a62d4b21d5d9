/**
 * The one X.509 certificate encoder: TBSCertificate from parts, signed, wrapped. Self-signed, CA
 * and leaf certificates all come through here; callers precompute what does not change (issuer
 * name, signer, AuthorityKeyIdentifier) so the per-certificate work is a few copies and one
 * signature.
 */
import { randomFillSync } from 'node:crypto';
import { bitString, sequence, tlv, time, unsignedInteger } from './der.js';
import { PkiError } from './errors.js';
import type { Signer } from './signature.js';

export interface CertificateParts {
  /** Unsigned big-endian serial number (16 random bytes for Kuma certificates). */
  serial: Uint8Array;
  issuerName: Uint8Array;
  subjectName: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** The subject's SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Encoded Extension elements, in the order they should appear. */
  extensions: readonly Uint8Array[];
}

const VERSION_3 = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]);

export function encodeCertificate(parts: CertificateParts, signer: Signer): Buffer {
  if (!(parts.notAfter.getTime() > parts.notBefore.getTime())) {
    throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `certificate validity is empty: notAfter (${parts.notAfter.toISOString()}) must be after notBefore (${parts.notBefore.toISOString()})`);
  }
  const tbs = sequence(
    VERSION_3,
    unsignedInteger(parts.serial),
    signer.algorithmIdentifier,
    parts.issuerName,
    sequence(time(parts.notBefore), time(parts.notAfter)),
    parts.subjectName,
    parts.spki,
    ...(parts.extensions.length > 0 ? [tlv(0xa3, sequence(...parts.extensions))] : []),
  );
  return sequence(tbs, signer.algorithmIdentifier, bitString(signer.sign(tbs)));
}

// Serial numbers come from a pooled random buffer: one randomFillSync per 256 certificates instead
// of one per certificate keeps issuance cheap without weakening the randomness.
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

/** A random positive 128-bit serial number (never zero), as Kuma's issuer uses. */
export function randomSerial(): Buffer {
  for (;;) {
    if (poolOffset + 16 > POOL.length) {
      randomFillSync(POOL);
      poolOffset = 0;
    }
    const serial = Buffer.from(POOL.subarray(poolOffset, poolOffset + 16));
    POOL.fill(0, poolOffset, poolOffset + 16);
    poolOffset += 16;
    if (serial.some((b) => b !== 0)) return serial;
  }
}
