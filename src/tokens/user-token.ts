import type { ClaimsSchema } from './claims.js';
import { TokenIssuerDisabledError } from './errors.js';
import { TokenIssuer, type TokenIssuerOptions } from './issuer.js';
import { SecretKeyAccessor } from './key-accessors.js';
import { USER_TOKEN_REVOCATIONS, USER_TOKEN_SIGNING_KEY_PREFIX } from './names.js';
import { RevocationList } from './revocations.js';
import type { SecretCache } from './secret-cache.js';
import { GLOBAL_SECRET_TYPE, type SecretSource } from './secret-source.js';
import { TokenValidator } from './validator.js';
import { accessorsFor, commonValidatorOptions, type TokenValidatorConfig } from './validator-config.js';

/** Kuma's UserClaims: the embedded user.User fields. */
export const USER_TOKEN_CLAIMS: ClaimsSchema = { structName: 'UserClaims', fields: { Name: 'string', Groups: 'strings' } };

export interface UserIdentity {
  name: string;
  groups: string[];
}

export const ADMIN_USER: Readonly<UserIdentity> = Object.freeze({ name: 'mesh-system:admin', groups: Object.freeze(['mesh-system:admin']) as string[] });

/** Kuma's user tokens for the admin token bootstrap: 10 years (24×365×10 h). */
export const ADMIN_TOKEN_VALIDITY_MS = 24 * 365 * 10 * 3600 * 1000;

export interface UserTokenIssuer {
  issue(user: UserIdentity, validForMs: number): Promise<string>;
}

/** Signs with the latest `user-token-signing-key-N`; `enabled: false` ⇒ TokenIssuerDisabledError. */
export function createUserTokenIssuer(source: Pick<SecretSource, 'list'>, opts: TokenIssuerOptions & { enabled?: boolean } = {}): UserTokenIssuer {
  if (opts.enabled === false) return { issue: () => Promise.reject(new TokenIssuerDisabledError()) };
  const issuer = new TokenIssuer(source, USER_TOKEN_SIGNING_KEY_PREFIX, '', opts);
  return { issue: (user, validForMs) => issuer.issue({ Name: user.name, Groups: user.groups }, validForMs) };
}

export interface UserTokenValidator {
  validate(token: string): Promise<UserIdentity>;
}

/** Static keys, then `user-token-signing-key-<kid>`; revocations in GlobalSecret `user-token-revocations`. */
export function createUserTokenValidator(cache: SecretCache, cfg: TokenValidatorConfig = {}): UserTokenValidator {
  const validator = new TokenValidator(USER_TOKEN_CLAIMS, {
    accessors: accessorsFor(cfg, new SecretKeyAccessor(cache, USER_TOKEN_SIGNING_KEY_PREFIX)),
    revocations: new RevocationList(cache, [{ type: GLOBAL_SECRET_TYPE, mesh: '', name: USER_TOKEN_REVOCATIONS }]),
    ...commonValidatorOptions(cfg),
  });
  return {
    async validate(token) {
      const { claims } = await validator.validate(token);
      return { name: claims['Name'] as string, groups: [...((claims['Groups'] as string[] | null) ?? [])] };
    },
  };
}
