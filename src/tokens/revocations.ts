import type { ResourceKey } from '../core/resources/resource.js';
import type { SecretCache } from './secret-cache.js';
import { dataOf } from './secret-source.js';

/** The token IDs (jti) in a revocation secret: comma-separated, one trailing newline ignored. */
export function parseRevokedIds(data: Uint8Array): Set<string> {
  if (data.length === 0) return new Set();
  let text = Buffer.from(data).toString('utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  return new Set(text.split(','));
}

/**
 * Revoked token IDs read from one or more secrets (a token is revoked if any lists it). Dataplane
 * tokens use both the mesh Secret `dataplane-token-revocations-<mesh>` (the documented 2.x form) and
 * the GlobalSecret of that name (what Kuma HEAD reads).
 */
export class RevocationList {
  constructor(
    private readonly cache: SecretCache,
    private readonly keys: readonly ResourceKey[],
  ) {}

  async isRevoked(jti: string): Promise<boolean> {
    for (const key of this.keys) {
      const ids = await this.cache.read(key, 'revocations', (secret) => parseRevokedIds(dataOf(secret)));
      if (ids.value?.has(jti)) return true;
    }
    return false;
  }
}
