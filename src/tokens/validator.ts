import { createHash } from 'node:crypto';
import { compactVerify, errors as joseErrors } from 'jose';
import { messageOf } from '../core/errors.js';
import { decodeCustomClaims, decodeRegisteredClaims, timeClaimProblems, type ClaimValue, type ClaimsSchema, type RegisteredClaims } from './claims.js';
import { SigningKeyNotFoundError, TokenError } from './errors.js';
import { checkHeader, decodeJwt } from './jwt-segments.js';
import type { KeyLookup, SigningKeyAccessor } from './key-accessors.js';
import type { RevocationList } from './revocations.js';

export interface ValidatedToken {
  /** The kind-specific claims (frozen). */
  claims: Readonly<Record<string, ClaimValue>>;
  registered: Readonly<RegisteredClaims>;
  kid: string;
}

export interface TokenValidatorOptions {
  /** Tried in order; the first that has the kid wins (Kuma: static config keys, then secrets). */
  accessors: readonly SigningKeyAccessor[];
  revocations?: RevocationList;
  /** kuma-cp runs on the memory store: parse errors carry Kuma's restart hint. */
  inMemoryStore?: boolean;
  /** Wall clock in milliseconds. */
  now?: () => number;
  /** Tokens whose signature was verified, remembered by SHA-256 so repeats skip the RSA check. */
  verifiedCacheSize?: number;
}

const MEMORY_HINT =
  "could not parse token. kuma-cp runs with an in-memory database and its state isn't preserved between restarts. Keep in mind that an in-memory database cannot be used with multiple instances of the control plane";
const VALID_FROM_HINT =
  "token is not yet valid: 'valid_from' date is in the future. Check if the system clock on the instance that issued the token is set correctly";

interface Verified {
  claims: Readonly<Record<string, ClaimValue>>;
  registered: Readonly<RegisteredClaims>;
  kid: string;
  key: KeyLookup;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
}

/**
 * Kuma's jwtTokenValidator for one claims schema: RS256 only, kid required, key by kid from the
 * accessors, golang-jwt v5 claim checks without leeway, then revocation. Messages are Kuma's.
 */
export class TokenValidator {
  private readonly verified = new Map<string, Verified>();
  private readonly now: () => number;
  private readonly verifiedCacheSize: number;

  constructor(
    private readonly schema: ClaimsSchema,
    private readonly opts: TokenValidatorOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.verifiedCacheSize = opts.verifiedCacheSize ?? 10_000;
  }

  private parseFailure(err: TokenError): TokenError {
    const prefix = this.opts.inMemoryStore ? MEMORY_HINT : 'could not parse token';
    return new TokenError(err.code, `${prefix}: ${err.message}`, { cause: err });
  }

  private async findKey(kid: string): Promise<KeyLookup> {
    let last: unknown = new SigningKeyNotFoundError(kid, { kind: 'static' });
    for (const accessor of this.opts.accessors) {
      try {
        return await accessor.lookup(kid);
      } catch (err) {
        last = err;
      }
    }
    if (last instanceof SigningKeyNotFoundError) throw last;
    const code = last instanceof TokenError ? last.code : 'ERR_TOKEN_STORE';
    throw this.parseFailure(new TokenError(code, `token is unverifiable: error while executing keyfunc: ${messageOf(last)}`, { cause: last }));
  }

  /** Decode, check the header, find the key and verify the signature (steps 1-4 before claims). */
  private async verify(raw: string): Promise<Verified> {
    let decoded;
    let kid;
    let claims;
    let registered;
    try {
      decoded = decodeJwt(raw);
      claims = decodeCustomClaims(this.schema, decoded.payload);
      registered = decodeRegisteredClaims(this.schema.structName, decoded.payload);
      kid = checkHeader(decoded.header);
    } catch (err) {
      throw err instanceof TokenError ? this.parseFailure(err) : err;
    }
    const key = await this.findKey(kid);
    try {
      const result = await compactVerify(decoded.compact, key.key, { algorithms: ['RS256'] });
      // jose and our decoder must agree on what was signed (a "b64": false header would not).
      const ours = Buffer.from(decoded.compact.split('.')[1] ?? '', 'base64url');
      if (!Buffer.from(result.payload).equals(ours)) throw new joseErrors.JWSInvalid('payload mismatch');
    } catch (err) {
      const text =
        err instanceof joseErrors.JWSSignatureVerificationFailed
          ? 'token signature is invalid: crypto/rsa: verification error'
          : `token is unverifiable: ${messageOf(err)}`;
      throw this.parseFailure(new TokenError(err instanceof joseErrors.JWSSignatureVerificationFailed ? 'ERR_TOKEN_BAD_SIGNATURE' : 'ERR_TOKEN_UNVERIFIABLE', text, { cause: err }));
    }
    return { claims: deepFreeze(claims), registered: deepFreeze(registered), kid, key };
  }

  private remember(digest: string, v: Verified): void {
    if (this.verified.size >= this.verifiedCacheSize) this.verified.clear();
    this.verified.set(digest, v);
  }

  /** The token's claims, or a TokenError with Kuma's message. */
  async validate(raw: string): Promise<ValidatedToken> {
    if (typeof raw !== 'string') throw this.parseFailure(new TokenError('ERR_TOKEN_MALFORMED', 'token is malformed: token contains an invalid number of segments'));
    const digest = createHash('sha256').update(raw).digest('base64');
    let v = this.verified.get(digest);
    if (v && !v.key.isCurrent()) {
      this.verified.delete(digest);
      v = undefined;
    }
    if (!v) {
      v = await this.verify(raw);
      this.remember(digest, v);
    }
    const problems = timeClaimProblems(v.registered, this.now() / 1000);
    if (problems.expired || problems.notYetValid) {
      const parts = [problems.expired ? 'token is expired' : '', problems.notYetValid ? 'token is not valid yet' : ''].filter(Boolean);
      const jwtText = `token has invalid claims: ${parts.join(', ')}`;
      if (problems.notYetValid) throw new TokenError('ERR_TOKEN_NOT_YET_VALID', `${VALID_FROM_HINT}: ${jwtText}`);
      throw this.parseFailure(new TokenError('ERR_TOKEN_EXPIRED', jwtText));
    }
    if (this.opts.revocations) {
      let revoked;
      try {
        revoked = await this.opts.revocations.isRevoked(v.registered.jti);
      } catch (err) {
        throw new TokenError('ERR_TOKEN_REVOCATION_CHECK', `could not check if the token is revoked: ${messageOf(err)}`, { cause: err });
      }
      if (revoked) throw new TokenError('ERR_TOKEN_REVOKED', 'token is revoked');
    }
    return { claims: v.claims, registered: v.registered, kid: v.kid };
  }
}
