/**
 * Key generation, always asynchronous: crypto.generateKeyPair runs in libuv's thread pool, so an
 * RSA-2048 key (tens to hundreds of milliseconds of CPU) never blocks the event loop.
 */
import { generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { PkiError } from './errors.js';

export type KeyType = 'rsa' | 'ecdsa';

export const KEY_TYPES: readonly KeyType[] = ['rsa', 'ecdsa'];

/** Kuma's defaults: RSA 2048 (pkg/util/rsa DefaultKeySize), ECDSA on P-256. */
export const DEFAULT_RSA_BITS = 2048;
export const DEFAULT_EC_CURVE = 'prime256v1';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const invalidKeyType = (text: string): PkiError =>
  new PkiError('ERR_PKI_INVALID_KEY_TYPE', `invalid key type "${text}": use "rsa" or "ecdsa"`);

/** A key type from user input (kumactl --key-type); Kuma's error text for anything else. */
export function parseKeyType(text: string): KeyType {
  if (text === 'rsa' || text === 'ecdsa') return text;
  throw invalidKeyType(text);
}

function checkRsaBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2048 || bits > 16384 || bits % 8 !== 0) {
    throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `invalid RSA key size ${bits}: use a multiple of 8 between 2048 and 16384 (default 2048)`);
  }
}

function generate(type: 'rsa' | 'ec' | 'ed25519', options: object): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (err) reject(new PkiError('ERR_PKI_KEYGEN', `could not generate a ${type} key: ${err.message}`, { cause: err }));
      else resolve({ privateKey, publicKey });
    };
    // The overloads of generateKeyPair are per literal type; the options were built for `type`.
    (generateKeyPairCallback as unknown as (t: string, o: object, cb: typeof done) => void)(type, options, done);
  });
}

/** A new key pair as KeyObjects: RSA (default 2048 bits, e=65537) or ECDSA P-256. */
export async function generateKeyPair(type: KeyType, opts: { rsaBits?: number } = {}): Promise<KeyPair> {
  if (type === 'rsa') {
    const bits = opts.rsaBits ?? DEFAULT_RSA_BITS;
    checkRsaBits(bits);
    return generate('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  }
  if (type === 'ecdsa') return generate('ec', { namedCurve: DEFAULT_EC_CURVE });
  throw invalidKeyType(String(type));
}

/**
 * A new key pair of the same kind as `like` (RSA of the same size, EC on the same curve, Ed25519):
 * Kuma 3.x workload keys follow the CA's key type.
 */
export async function generateKeyPairLike(like: KeyObject): Promise<KeyPair> {
  const details = like.asymmetricKeyDetails ?? {};
  switch (like.asymmetricKeyType) {
    case 'rsa':
      return generateKeyPair('rsa', { rsaBits: details.modulusLength ?? DEFAULT_RSA_BITS });
    case 'ec':
      return generate('ec', { namedCurve: details.namedCurve ?? DEFAULT_EC_CURVE });
    case 'ed25519':
      return generate('ed25519', {});
    default:
      throw new PkiError('ERR_PKI_UNSUPPORTED_KEY', `cannot generate a key like a ${like.asymmetricKeyType ?? 'secret'} key: use an RSA, ECDSA or Ed25519 key`);
  }
}
