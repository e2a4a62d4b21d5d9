/** Kuma tokens: JWT issue/validate (RS256, kid), signing keys and rotation, revocation; dataplane, user, zone. */
export * from './names.js';
export { TokenError, SigningKeyNotFoundError, TokenIssuerDisabledError, type TokenErrorCode, type SigningKeyLocation } from './errors.js';
export { type SecretSource, type SecretChange, SECRET_TYPE, GLOBAL_SECRET_TYPE } from './secret-source.js';
export { SecretCache, type SecretCacheOptions, type Cached } from './secret-cache.js';
export { newSigningKeyPem, parseSigningKey, parseVerificationKey, latestSigningKeyName, publicKeyPemOf } from './signing-keys.js';
export { loadStaticPublicKeys, type StaticPublicKeyConfig, type StaticPublicKey } from './static-keys.js';
export { StaticKeyAccessor, SecretKeyAccessor, type SigningKeyAccessor, type KeyLookup } from './key-accessors.js';
export { RevocationList, parseRevokedIds } from './revocations.js';
export { TokenIssuer, ISSUE_CLOCK_SKEW_MS, signTokenWithKey, type TokenIssuerOptions, type SignTokenInput } from './issuer.js';
export { TokenValidator, type TokenValidatorOptions, type ValidatedToken } from './validator.js';
export type { ClaimsSchema, ClaimKind, ClaimValue, RegisteredClaims } from './claims.js';
export type { TokenValidatorConfig } from './validator-config.js';
export * from './user-token.js';
export * from './zone-token.js';
export * from './dataplane-token.js';
export * from './dataplane-binding.js';
export * from './token-requests.js';
