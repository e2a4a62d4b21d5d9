import type { ClaimsSchema } from './claims.js';
import { TokenIssuerDisabledError } from './errors.js';
import { TokenIssuer, type TokenIssuerOptions } from './issuer.js';
import { SecretKeyAccessor } from './key-accessors.js';
import { ZONE_TOKEN_REVOCATIONS, ZONE_TOKEN_SIGNING_KEY_PREFIX, ZONE_TOKEN_SIGNING_PUBLIC_KEY_PREFIX } from './names.js';
import { RevocationList } from './revocations.js';
import type { SecretCache } from './secret-cache.js';
import { GLOBAL_SECRET_TYPE, type SecretSource } from './secret-source.js';
import { TokenValidator } from './validator.js';
import { accessorsFor, commonValidatorOptions, type TokenValidatorConfig } from './validator-config.js';

export const ZONE_TOKEN_CLAIMS: ClaimsSchema = { structName: 'ZoneClaims', fields: { Zone: 'string', Scope: 'strings' } };

export interface ZoneIdentity {
  zone: string;
  /** null when the token carries no scope (Go nil slice). */
  scope: string[] | null;
}

export interface ZoneTokenIssuer {
  issue(identity: ZoneIdentity, validForMs: number): Promise<string>;
}

/** Signs with the latest `zone-token-signing-key-N` (global or non-federated zone CP). */
export function createZoneTokenIssuer(source: Pick<SecretSource, 'list'>, opts: TokenIssuerOptions & { enabled?: boolean } = {}): ZoneTokenIssuer {
  if (opts.enabled === false) return { issue: () => Promise.reject(new TokenIssuerDisabledError()) };
  const issuer = new TokenIssuer(source, ZONE_TOKEN_SIGNING_KEY_PREFIX, '', opts);
  return { issue: (id, validForMs) => issuer.issue({ Zone: id.zone, Scope: id.scope }, validForMs) };
}

export interface ZoneTokenValidator {
  validate(token: string): Promise<ZoneIdentity>;
}

/**
 * Static keys, then the stored key: on global the private `zone-token-signing-key-<kid>`, on a zone
 * (`publicKeysOnly`) the synced `zone-token-signing-public-key-<kid>`. Revocations: `zone-token-revocations`.
 */
export function createZoneTokenValidator(cache: SecretCache, cfg: TokenValidatorConfig & { publicKeysOnly?: boolean } = {}): ZoneTokenValidator {
  const secrets = cfg.publicKeysOnly
    ? new SecretKeyAccessor(cache, ZONE_TOKEN_SIGNING_PUBLIC_KEY_PREFIX, { material: 'public' })
    : new SecretKeyAccessor(cache, ZONE_TOKEN_SIGNING_KEY_PREFIX);
  const validator = new TokenValidator(ZONE_TOKEN_CLAIMS, {
    accessors: accessorsFor(cfg, secrets),
    revocations: new RevocationList(cache, [{ type: GLOBAL_SECRET_TYPE, mesh: '', name: ZONE_TOKEN_REVOCATIONS }]),
    ...commonValidatorOptions(cfg),
  });
  return {
    async validate(token) {
      const { claims } = await validator.validate(token);
      const scope = claims['Scope'] as string[] | null;
      return { zone: claims['Zone'] as string, scope: scope === null ? null : [...scope] };
    },
  };
}
