import type { SigningKeyFactory } from './signing-keys.js';

/**
 * A signing-key factory that starts generating `count` keys at once, in the thread pool, and hands
 * them out first; later calls generate fresh keys. `kuma-cp run` creates it before it even loads the
 * servers' modules, so the RSA work of the default signing keys overlaps with start-up instead of
 * running after it. Unused keys are simply dropped. (Imports nothing heavy on purpose.)
 */
export function prefetchedSigningKeys(count: number, generate: SigningKeyFactory): SigningKeyFactory {
  const ready: Promise<Uint8Array>[] = [];
  for (let i = 0; i < count; i++) {
    const key = generate();
    key.catch(() => undefined); // a failure surfaces when the key is taken, not as an unhandled rejection
    ready.push(key);
  }
  return () => ready.shift() ?? generate();
}
