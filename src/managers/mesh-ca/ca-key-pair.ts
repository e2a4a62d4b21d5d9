/**
 * A CA certificate (chain) and its private key as the mesh CA managers hold them, parsed from PEM
 * the way Go's tls.X509KeyPair does (so a provided CA fails with Kuma's texts), plus the checks
 * Kuma's provided-CA validator runs on every certificate (X509-SVID: CA=true, keyCertSign, no
 * keyAgreement) and a few of our own (validity window, a key able to sign identities).
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { FieldPath, Violations } from '../../core/resources/index.js';
import { certificateToPem, parsePrivateKeyPem, pemDecodeAll, readCertificateInfo, spkiOf, type PemBlock } from '../../pki/index.js';

export interface CaKeyPair {
  /** The signing certificate first, then the rest of the chain as written. */
  certificates: X509Certificate[];
  privateKey: KeyObject;
  /** One PEM per certificate, same order. */
  certPems: string[];
  /** Index of the first CERTIFICATE block that does not parse (the chain stops before it). */
  malformedIndex?: number;
}

/** Go's tls.X509KeyPair failure, text as Go prints it after `tls: ` / `x509: `. */
export class KeyPairError extends Error {}

function blocksOf(input: Uint8Array): PemBlock[] {
  try {
    return pemDecodeAll(input);
  } catch {
    return []; // Go's pem.Decode skips what it cannot parse; nothing usable then.
  }
}

const labelsOf = (blocks: readonly PemBlock[]): string => `[${blocks.map((b) => b.label).join(' ')}]`;

/** tls.X509KeyPair: the CERTIFICATE blocks of `certPem` and the first "… PRIVATE KEY" block of `keyPem`, matched. */
export function parseCaKeyPair(certPem: Uint8Array, keyPem: Uint8Array): CaKeyPair {
  const certBlocks = blocksOf(certPem);
  const certs = certBlocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) {
    if (certBlocks.length === 0) throw new KeyPairError('tls: failed to find any PEM data in certificate input');
    if (certBlocks.some((b) => b.label.endsWith('PRIVATE KEY'))) {
      throw new KeyPairError('tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched');
    }
    throw new KeyPairError(`tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: ${labelsOf(certBlocks)}`);
  }
  const keyBlocks = blocksOf(keyPem);
  const keyIndex = keyBlocks.findIndex((b) => b.label === 'PRIVATE KEY' || b.label.endsWith(' PRIVATE KEY'));
  const keyBlock = keyBlocks[keyIndex];
  if (keyBlock === undefined) {
    if (keyBlocks.length === 0) throw new KeyPairError('tls: failed to find any PEM data in key input');
    if (keyBlocks.some((b) => b.label === 'CERTIFICATE')) throw new KeyPairError('tls: found a certificate rather than a key in the PEM for the private key');
    throw new KeyPairError(`tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: ${labelsOf(keyBlocks)}`);
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate((certs[0] as PemBlock).der);
    readCertificateInfo(leaf); // our strict reader: what Go's parser would refuse, we refuse too
  } catch {
    throw new KeyPairError('x509: malformed certificate');
  }
  let privateKey: KeyObject;
  try {
    // Like Go, the DER is tried as PKCS#1, SEC1 and PKCS#8 whatever the block's label says.
    privateKey = parsePrivateKeyPem(keyBlock.der);
  } catch {
    throw new KeyPairError('tls: failed to parse private key');
  }
  const publicKey = createPublicKey(privateKey);
  if (publicKey.asymmetricKeyType !== leaf.publicKey.asymmetricKeyType) throw new KeyPairError('tls: private key type does not match public key type');
  if (!spkiOf(publicKey).equals(spkiOf(leaf.publicKey))) throw new KeyPairError('tls: private key does not match public key');
  const pair: CaKeyPair = { certificates: [leaf], privateKey, certPems: [certificateToPem((certs[0] as PemBlock).der)] };
  for (let i = 1; i < certs.length; i++) {
    const der = (certs[i] as PemBlock).der;
    try {
      const cert = new X509Certificate(der);
      readCertificateInfo(cert);
      pair.certificates.push(cert);
      pair.certPems.push(certificateToPem(der));
    } catch {
      pair.malformedIndex = i;
      break;
    }
  }
  return pair;
}

const MIN_RSA_BITS = 2048;
/** A CA made a moment ago on a machine whose clock runs a little ahead is fine. */
const NOT_BEFORE_TOLERANCE_MS = 5 * 60_000;
const SIGNING_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * Kuma's validateCaCert (field `cert[i]`, its exact messages) on every certificate, then ours:
 * each certificate valid at `now`, and a signing key we can sign identities with.
 */
export function validateCaCertificates(pair: CaKeyPair, now: Date): Violations {
  const v = new Violations();
  pair.certificates.forEach((cert, i) => {
    const at = FieldPath.at('cert').index(i);
    const info = readCertificateInfo(cert);
    if (info.basicConstraints?.isCa !== true) v.add(at, "basic constraint 'CA' must be set to 'true' (see X509-SVID: 4.1. Basic Constraints)");
    const usages = info.keyUsage ?? [];
    if (!usages.includes('keyCertSign')) v.add(at, "key usage extension 'keyCertSign' must be set (see X509-SVID: 4.3. Key Usage)");
    if (usages.includes('keyAgreement')) v.add(at, "key usage extension 'keyAgreement' must NOT be set (see X509-SVID: Appendix A. X.509 Field Reference)");
    if (now.getTime() > info.notAfter.getTime()) {
      v.add(at, `certificate expired at ${info.notAfter.toISOString()} (now is ${now.toISOString()}): provide a CA certificate that is currently valid`);
    } else if (now.getTime() + NOT_BEFORE_TOLERANCE_MS < info.notBefore.getTime()) {
      v.add(at, `certificate is not valid before ${info.notBefore.toISOString()} (now is ${now.toISOString()}): check the clock of this machine or provide a CA certificate that is valid now`);
    }
  });
  if (pair.malformedIndex !== undefined) v.add(FieldPath.at('cert').index(pair.malformedIndex), 'not a valid x509 certificate: x509: malformed certificate');
  const problem = signingKeyProblem(pair.privateKey);
  if (problem) v.add('key', problem);
  return v;
}

/** Why a CA key cannot sign identity certificates, or undefined when it can. */
export function signingKeyProblem(key: KeyObject): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return (details.modulusLength ?? 0) < MIN_RSA_BITS
        ? `the CA's RSA key has ${details.modulusLength ?? 0} bits, too weak to sign identity certificates: use a key of at least ${MIN_RSA_BITS} bits`
        : undefined;
    case 'ec':
      return SIGNING_CURVES.has(details.namedCurve ?? '') ? undefined : `the CA's EC key is on curve ${details.namedCurve ?? 'unknown'}, which cannot sign identity certificates: use P-256, P-384 or P-521`;
    case 'ed25519':
      return undefined;
    default:
      return `the CA's key is of type ${key.asymmetricKeyType ?? 'unknown'}, which cannot sign identity certificates: use an RSA, ECDSA or Ed25519 key`;
  }
}
