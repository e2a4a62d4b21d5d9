import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { messageOf } from '../core/errors.js';
import { SigningKeyNotFoundError, TokenError, type SigningKeyLocation } from './errors.js';
import { DEFAULT_KEY_ID } from './names.js';
import { GLOBAL_SECRET_TYPE, SECRET_TYPE, dataOf, type SecretSource } from './secret-source.js';
import { latestSigningKeyName, parseSigningKey } from './signing-keys.js';

/** Kuma back-dates tokens by 5 s so a verifier whose clock is slightly behind accepts them. */
export const ISSUE_CLOCK_SKEW_MS = 5000;

export interface TokenIssuerOptions {
  /** Wall clock in milliseconds. */
  now?: () => number;
}

function checkValidFor(validForMs: number): void {
  if (!Number.isFinite(validForMs) || validForMs <= 0) {
    throw new TokenError('ERR_TOKEN_INVALID_REQUEST', `validFor must be a positive duration, got ${validForMs} ms`);
  }
}

export interface SignTokenInput {
  /** PEM of the RSA private key (PKCS#1 or PKCS#8). */
  key: Uint8Array | string;
  /** Names the key in errors (never its content), e.g. `the signing key file /keys/k.pem`. */
  keyDescription?: string;
  /** The `kid` header, as given: Kuma's offline issuer accepts any string. */
  kid: string;
  /** Kind-specific claims, in the order given; the registered claims follow. */
  claims: Record<string, unknown>;
  validForMs: number;
  /** Wall clock in milliseconds. */
  now?: () => number;
}

/**
 * Signs `claims` with one given key (RS256, header kid/typ) with the time rules of every Kuma
 * token: jti (UUID v4), iat = nbf = now - 5 s, exp = now + validFor (seconds precision). The
 * control plane's issuers pick the latest stored key and call this; offline issuance (kumactl
 * `--signing-key-path --kid`) calls it with the file's key.
 */
export async function signTokenWithKey(input: SignTokenInput): Promise<string> {
  checkValidFor(input.validForMs);
  const pem = typeof input.key === 'string' ? new TextEncoder().encode(input.key) : input.key;
  const key = parseSigningKey(pem, input.keyDescription ?? 'the signing key');
  const start = (input.now ?? Date.now)() - ISSUE_CLOCK_SKEW_MS;
  const iat = Math.floor(start / 1000);
  const exp = Math.floor((start + input.validForMs + ISSUE_CLOCK_SKEW_MS) / 1000);
  const payload = { ...input.claims, exp, nbf: iat, iat, jti: randomUUID() };
  try {
    return await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: input.kid, typ: 'JWT' }).sign(key);
  } catch (err) {
    throw new TokenError('ERR_TOKEN_BAD_SIGNING_KEY', `could not sign a token: ${messageOf(err)}`, { cause: err });
  }
}

/**
 * Kuma's jwtTokenIssuer: signs with the latest signing key (highest serial) of one location and
 * sets jti (UUID v4), iat = nbf = now - 5 s, exp = now + validFor (seconds precision).
 */
export class TokenIssuer {
  private readonly now: () => number;
  private readonly location: SigningKeyLocation;

  constructor(
    private readonly source: Pick<SecretSource, 'list'>,
    private readonly prefix: string,
    private readonly mesh = '',
    opts: TokenIssuerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.location = mesh === '' ? { kind: 'global', prefix } : { kind: 'mesh', prefix, mesh };
  }

  /** The kid and resource name that new tokens are signed with; SigningKeyNotFoundError when none. */
  async latestKey(): Promise<{ kid: string; name: string; pem: Uint8Array }> {
    let items;
    try {
      const type = this.mesh === '' ? GLOBAL_SECRET_TYPE : SECRET_TYPE;
      items = (await this.source.list(type, this.mesh === '' ? {} : { mesh: this.mesh })).items;
    } catch (err) {
      throw new TokenError('ERR_TOKEN_STORE', `could not retrieve signing key from secret manager: ${messageOf(err)}`, { cause: err });
    }
    const latest = latestSigningKeyName(
      items.map((r) => r.meta.name),
      this.prefix,
    );
    const secret = latest && items.find((r) => r.meta.name === latest.name);
    if (!latest || !secret) throw new SigningKeyNotFoundError(DEFAULT_KEY_ID, this.location);
    return { kid: latest.kid, name: latest.name, pem: dataOf(secret) };
  }

  /** A signed token carrying `claims` (kind-specific, in the order given) plus the registered claims. */
  async issue(claims: Record<string, unknown>, validForMs: number): Promise<string> {
    checkValidFor(validForMs);
    const { kid, name, pem } = await this.latestKey();
    const what = this.mesh === '' ? `GlobalSecret "${name}"` : `Secret "${name}" in mesh "${this.mesh}"`;
    return signTokenWithKey({ key: pem, keyDescription: what, kid, claims, validForMs, now: this.now });
  }
}
