/**
 * SubjectPublicKeyInfo DER of a key. Built from the key's JWK form for RSA, EC and Ed25519 keys:
 * on Node 20 / OpenSSL 3, `export({ type: 'spki', format: 'der' })` goes through OpenSSL's encoder
 * framework and costs ~100 µs (more than signing a certificate), while the JWK export costs ~5 µs.
 * Tests check that both encodings are byte-identical.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { NULL, bitString, oid, sequence, unsignedInteger } from './der.js';
import { PkiError } from './errors.js';
import { OID } from './oids.js';

const CURVE_OIDS: Readonly<Record<string, string>> = {
  'P-256': '1.2.840.10045.3.1.7',
  'P-384': '1.3.132.0.34',
  'P-521': '1.3.132.0.35',
};

const EC_ALGORITHMS = new Map(Object.entries(CURVE_OIDS).map(([crv, curveOid]) => [crv, sequence(oid(OID.ecPublicKey), oid(curveOid))]));
const RSA_ALGORITHM = sequence(oid(OID.rsaEncryption), NULL);
const ED25519_ALGORITHM = sequence(oid(OID.ed25519));

const b64u = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');

function fromJwk(jwk: JsonWebKey): Buffer | undefined {
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string') {
    const alg = EC_ALGORITHMS.get(jwk.crv);
    const x = b64u(jwk.x);
    const y = b64u(jwk.y);
    if (!alg || x.length === 0 || x.length !== y.length) return undefined;
    return sequence(alg, bitString(Buffer.concat([Buffer.from([0x04]), x, y])));
  }
  if (jwk.kty === 'RSA') return sequence(RSA_ALGORITHM, bitString(sequence(unsignedInteger(b64u(jwk.n)), unsignedInteger(b64u(jwk.e)))));
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return sequence(ED25519_ALGORITHM, bitString(b64u(jwk.x)));
  return undefined;
}

/** SubjectPublicKeyInfo DER of a public key (or of the public half of a private key). */
export function spkiOf(key: KeyObject): Buffer {
  if (key.type === 'secret') throw new PkiError('ERR_PKI_INVALID_ARGUMENT', 'expected an asymmetric key, got a secret key');
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const type = pub.asymmetricKeyType;
  if (type === 'rsa' || type === 'ec' || type === 'ed25519') {
    const built = fromJwk(pub.export({ format: 'jwk' }));
    if (built) return built;
  }
  return pub.export({ type: 'spki', format: 'der' });
}
