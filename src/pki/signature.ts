/**
 * The signature algorithm for a signing key, chosen the way Go's x509.CreateCertificate does:
 * RSA → sha256WithRSAEncryption, ECDSA → ecdsa-with-SHA256/384/512 by curve, Ed25519 → Ed25519.
 * The AlgorithmIdentifier is encoded once per key.
 */
import { sign, type KeyObject } from 'node:crypto';
import { NULL, oid, sequence } from './der.js';
import { PkiError } from './errors.js';
import { OID } from './oids.js';

export interface Signer {
  /** DER AlgorithmIdentifier for the certificate/CSR `signatureAlgorithm` fields. */
  readonly algorithmIdentifier: Buffer;
  readonly name: string;
  sign(data: Uint8Array): Buffer;
}

const EC_HASH: Readonly<Record<string, { hash: string; oid: string }>> = {
  prime256v1: { hash: 'sha256', oid: OID.ecdsaWithSha256 },
  secp384r1: { hash: 'sha384', oid: OID.ecdsaWithSha384 },
  secp521r1: { hash: 'sha512', oid: OID.ecdsaWithSha512 },
};

export function signerFor(privateKey: KeyObject): Signer {
  if (privateKey.type !== 'private') throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `a signing key must be a private key, got a ${privateKey.type} key`);
  switch (privateKey.asymmetricKeyType) {
    case 'rsa':
      return {
        name: 'sha256WithRSAEncryption',
        algorithmIdentifier: sequence(oid(OID.sha256WithRsa), NULL),
        sign: (data) => sign('sha256', data, privateKey),
      };
    case 'ec': {
      const curve = privateKey.asymmetricKeyDetails?.namedCurve ?? '';
      const alg = EC_HASH[curve];
      if (!alg) throw new PkiError('ERR_PKI_UNSUPPORTED_KEY', `unsupported EC curve "${curve}" for signing: use P-256, P-384 or P-521`);
      // Node's default dsaEncoding is 'der', the X.509 form (ECDSA-Sig-Value).
      return { name: `ecdsa-with-${alg.hash.toUpperCase()}`, algorithmIdentifier: sequence(oid(alg.oid)), sign: (data) => sign(alg.hash, data, privateKey) };
    }
    case 'ed25519':
      return { name: 'Ed25519', algorithmIdentifier: sequence(oid(OID.ed25519)), sign: (data) => sign(null, data, privateKey) };
    default:
      throw new PkiError('ERR_PKI_UNSUPPORTED_KEY', `unsupported signing key type "${privateKey.asymmetricKeyType}": use an RSA, ECDSA or Ed25519 key`);
  }
}
