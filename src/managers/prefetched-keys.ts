import { defaultSigningKeyFactory, type SigningKeyFactory } from './signing-keys.js';

/**
 * A signing-key factory that starts generating `count` keys at once, in the thread pool, and hands
 * them out first; later calls generate fresh keys. kuma-cp creates it before anything else at start,
 * so the RSA work of the default signing keys overlaps with loading certificates and binding ports
 * instead of running after them. Unused keys are simply dropped.
 */
export function prefetchedSigningKeys(count: number, generate: SigningKeyFactory = defaultSigningKeyFactory): SigningKeyFactory {
  const ready: Promise<Uint8Array>[] = [];
  for (let i = 0; i < count; i++) {
    const key = generate();
    key.catch(() => undefined); // a failure surfaces when the key is taken, not as an unhandled rejection
    ready.push(key);
  }
  return () => ready.shift() ?? generate();
}
