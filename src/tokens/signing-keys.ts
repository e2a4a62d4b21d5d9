import { createPublicKey, type KeyObject } from 'node:crypto';
import { messageOf } from '../core/errors.js';
import { generateKeyPair, parsePrivateKeyPem, parsePublicKeyPem, privateKeyToPem } from '../pki/index.js';
import { TokenError } from './errors.js';
import { signingKeyIdOf } from './names.js';

// Signing keys are RSA-2048 private keys stored as PKCS#1 PEM ("RSA PRIVATE KEY") in a Secret or
// GlobalSecret; Kuma also reads raw DER PKCS#1 (older releases stored that).

/** A fresh signing key as PEM bytes; generated off the event loop. */
export async function newSigningKeyPem(): Promise<Uint8Array> {
  const { privateKey } = await generateKeyPair('rsa', { rsaBits: 2048 });
  return new TextEncoder().encode(privateKeyToPem(privateKey));
}

function requireRsa(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TokenError('ERR_TOKEN_BAD_SIGNING_KEY', `${what} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key: token signing keys must be RSA (RS256)`);
  }
  return key;
}

/** The private key held by a signing-key secret; ERR_TOKEN_BAD_SIGNING_KEY when unusable. */
export function parseSigningKey(bytes: Uint8Array, what: string): KeyObject {
  try {
    return requireRsa(parsePrivateKeyPem(bytes, what), what);
  } catch (err) {
    if (err instanceof TokenError) throw err;
    throw new TokenError('ERR_TOKEN_BAD_SIGNING_KEY', `${what} does not hold a usable RSA private key: ${messageOf(err)}`, { cause: err });
  }
}

/** A public key from PEM ("RSA PUBLIC KEY" or "PUBLIC KEY") or legacy DER PKCS#1; RSA only. */
export function parseVerificationKey(bytes: Uint8Array | string, what: string): KeyObject {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  try {
    if (!text.includes('-----BEGIN ')) {
      const der = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
      return requireRsa(createPublicKey({ key: der, format: 'der', type: 'pkcs1' }), what);
    }
    return requireRsa(parsePublicKeyPem(text, what), what);
  } catch (err) {
    if (err instanceof TokenError) throw err;
    throw new TokenError('ERR_TOKEN_BAD_SIGNING_KEY', `${what} does not hold a usable RSA public key: ${messageOf(err)}`, { cause: err });
  }
}

/** The signing key among `names` with the highest serial (ties: the first in list order). */
export function latestSigningKeyName(names: readonly string[], prefix: string): { name: string; kid: string } | undefined {
  let best: { name: string; kid: string; serial: number } | undefined;
  for (const name of names) {
    const id = signingKeyIdOf(name, prefix);
    if (id && (!best || id.serial > best.serial)) best = { name, ...id };
  }
  return best && { name: best.name, kid: best.kid };
}

/** The "RSA PUBLIC KEY" PEM of a signing key (what global syncs to zones as `zone-token-signing-public-key-N`). */
export function publicKeyPemOf(signingKey: Uint8Array, what = 'the signing key'): Uint8Array {
  const pub = createPublicKey(parseSigningKey(signingKey, what));
  return new TextEncoder().encode(pub.export({ type: 'pkcs1', format: 'pem' }) as string);
}
