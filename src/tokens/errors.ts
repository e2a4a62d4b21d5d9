import { KumaError } from '../core/errors.js';
import { signingKeyName } from './names.js';

export type TokenErrorCode =
  /** Not a JWT at all, or parts that do not decode (golang-jwt "token is malformed"). */
  | 'ERR_TOKEN_MALFORMED'
  /** Header problems: no/odd kid, alg other than RS256. */
  | 'ERR_TOKEN_UNVERIFIABLE'
  | 'ERR_TOKEN_BAD_SIGNATURE'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_TOKEN_REVOCATION_CHECK'
  | 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND'
  /** A stored signing key (or public key) that cannot be used. */
  | 'ERR_TOKEN_BAD_SIGNING_KEY'
  /** A `publicKeys` entry of the config that cannot be used (startup error). */
  | 'ERR_TOKEN_STATIC_KEY'
  | 'ERR_TOKEN_ISSUER_DISABLED'
  | 'ERR_TOKEN_INVALID_REQUEST'
  | 'ERR_TOKEN_STORE';

/** Every failure of the token library; the message is Kuma's text where Kuma has one. */
export class TokenError extends KumaError {
  declare readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Where the missing key was looked for, so the message names the resource to create. */
export type SigningKeyLocation =
  | { kind: 'global'; prefix: string }
  | { kind: 'mesh'; prefix: string; mesh: string }
  | { kind: 'static' };

/**
 * Header values (kid, alg) go into messages as Kuma prints them when they are short and printable;
 * anything else is quoted and cut, so a hostile token cannot flood or forge log lines.
 */
export function printable(value: string): string {
  if (/^[\x21-\x7e]{1,64}$/.test(value)) return value;
  return value.length > 64 ? `${JSON.stringify(value.slice(0, 64))}...` : JSON.stringify(value);
}

function notFoundText(rawKid: string, where: SigningKeyLocation): string {
  const kid = printable(rawKid);
  const tail = 'If signing key was rotated, regenerate the token';
  switch (where.kind) {
    case 'global':
      return `there is no signing key with KID ${kid}. GlobalSecret of name ${JSON.stringify(signingKeyName(where.prefix, rawKid.slice(0, 64)))} is not found. ${tail}`;
    case 'mesh':
      return `there is no signing key with KID ${kid}. Secret of name ${JSON.stringify(signingKeyName(where.prefix, rawKid.slice(0, 64)))} in mesh ${JSON.stringify(where.mesh)} is not found. ${tail}`;
    case 'static':
      // Kuma prints `GlobalSecret of name "-<kid>"` here (an empty prefix); say what is actually missing.
      return `there is no signing key with KID ${kid}. No public key with this KID is configured in the validator's publicKeys. ${tail}`;
  }
}

/** Kuma's SigningKeyNotFound: returned as is by the validator (not wrapped in "could not parse token"). */
export class SigningKeyNotFoundError extends TokenError {
  readonly kid: string;
  readonly location: SigningKeyLocation;
  constructor(kid: string, location: SigningKeyLocation) {
    super('ERR_TOKEN_SIGNING_KEY_NOT_FOUND', notFoundText(kid, location));
    this.kid = kid;
    this.location = location;
  }
}

/** `enableIssuer: false` (Kuma's tokens.IssuerDisabled). */
export class TokenIssuerDisabledError extends TokenError {
  constructor() {
    super('ERR_TOKEN_ISSUER_DISABLED', 'issuing tokens using the control plane is disabled.');
  }
}
