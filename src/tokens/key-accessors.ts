import { createPublicKey, type KeyObject } from 'node:crypto';
import { messageOf } from '../core/errors.js';
import { SigningKeyNotFoundError, TokenError, type SigningKeyLocation } from './errors.js';
import { signingKeyName } from './names.js';
import type { SecretCache } from './secret-cache.js';
import { GLOBAL_SECRET_TYPE, SECRET_TYPE, dataOf } from './secret-source.js';
import { parseSigningKey, parseVerificationKey } from './signing-keys.js';

/** A verification key and whether it is still the one stored (static keys always are). */
export interface KeyLookup {
  key: KeyObject;
  isCurrent(): boolean;
}

/** Where a validator finds the public key for a kid (Kuma's SigningKeyAccessor). */
export interface SigningKeyAccessor {
  /** Rejects with SigningKeyNotFoundError when this accessor has no key for `kid`. */
  lookup(kid: string): Promise<KeyLookup>;
}

const always = (): boolean => true;

/** Keys from the validator's `publicKeys` config, by kid. */
export class StaticKeyAccessor implements SigningKeyAccessor {
  private readonly keys = new Map<string, KeyLookup>();

  constructor(keys: readonly { kid: string; key: KeyObject }[]) {
    for (const k of keys) if (!this.keys.has(k.kid)) this.keys.set(k.kid, { key: k.key, isCurrent: always });
  }

  get size(): number {
    return this.keys.size;
  }

  async lookup(kid: string): Promise<KeyLookup> {
    const found = this.keys.get(kid);
    if (!found) throw new SigningKeyNotFoundError(kid, { kind: 'static' });
    return found;
  }
}

/** Signing keys are always named `<prefix>-<digits>` (or the bare prefix for kid 0). */
const NUMERIC_KID = /^[0-9]{1,15}$/;

/**
 * Keys stored in Secrets (mesh-scoped, dataplane tokens) or GlobalSecrets (user and zone tokens),
 * holding the private key (the CP that issues) or only the public key (zones for zone tokens).
 */
export class SecretKeyAccessor implements SigningKeyAccessor {
  private readonly location: SigningKeyLocation;
  private readonly type: string;
  private readonly mesh: string;
  private readonly material: 'private' | 'public';

  constructor(
    private readonly cache: SecretCache,
    private readonly prefix: string,
    opts: { mesh?: string; material?: 'private' | 'public' } = {},
  ) {
    this.mesh = opts.mesh ?? '';
    this.type = this.mesh === '' ? GLOBAL_SECRET_TYPE : SECRET_TYPE;
    this.location = this.mesh === '' ? { kind: 'global', prefix } : { kind: 'mesh', prefix, mesh: this.mesh };
    this.material = opts.material ?? 'private';
  }

  async lookup(kid: string): Promise<KeyLookup> {
    // A kid that cannot name a signing key is not looked up (and not cached): it is simply unknown.
    if (!NUMERIC_KID.test(kid)) throw new SigningKeyNotFoundError(kid, this.location);
    const name = signingKeyName(this.prefix, kid);
    const what = this.mesh === '' ? `GlobalSecret "${name}"` : `Secret "${name}" in mesh "${this.mesh}"`;
    let cached;
    try {
      cached = await this.cache.read({ type: this.type, mesh: this.mesh, name }, `${this.material}-key`, (secret) =>
        this.material === 'private' ? createPublicKey(parseSigningKey(dataOf(secret), what)) : parseVerificationKey(dataOf(secret), what),
      );
    } catch (err) {
      if (err instanceof TokenError) throw err;
      throw new TokenError('ERR_TOKEN_STORE', `could not retrieve signing key: ${messageOf(err)}`, { cause: err });
    }
    if (cached.value === undefined) throw new SigningKeyNotFoundError(kid, this.location);
    return { key: cached.value, isCurrent: () => cached.isCurrent() };
  }
}
