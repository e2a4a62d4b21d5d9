import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import {
  SecretCache,
  createDataplaneTokenIssuer,
  createUserTokenIssuer,
  createUserTokenValidator,
  createZoneTokenIssuer,
  loadStaticPublicKeys,
  type SecretSource,
} from '../tokens/index.js';
import type { ApiTokens } from './deps.js';

export interface ApiTokensHandle {
  tokens: ApiTokens;
  /** Stops the secret cache's watch. */
  close(): void;
}

/**
 * The token pieces the API needs, from the config: user-token validation through a SecretCache (so a
 * request never reads the store for keys or revocations), the user issuer (off when
 * `enableIssuer: false`), the dataplane issuer, and the zone issuer except on a federated zone.
 */
export async function createApiTokens(source: SecretSource, cfg: KumaCpConfig, opts: { now?: () => number } = {}): Promise<ApiTokensHandle> {
  const t = cfg.apiServer.authn.tokens;
  const publicKeys = await loadStaticPublicKeys(t.validator.publicKeys, 'apiServer.authn.tokens.validator.publicKeys');
  const cache = new SecretCache(source);
  const now = opts.now !== undefined ? { now: opts.now } : {};
  const federatedZone = cfg.mode === 'zone' && cfg.multizone.zone.globalAddress !== '';
  const tokens: ApiTokens = {
    userValidator: createUserTokenValidator(cache, { useSecrets: t.validator.useSecrets, publicKeys, inMemoryStore: cfg.store.type === 'memory', ...now }),
    userIssuer: createUserTokenIssuer(source, { enabled: t.enableIssuer, ...now }),
    dataplaneIssuer: createDataplaneTokenIssuer(source, now),
  };
  if (!federatedZone) tokens.zoneIssuer = createZoneTokenIssuer(source, now);
  return { tokens, close: () => cache.close() };
}
