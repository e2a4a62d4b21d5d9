import type { SigningKeyAccessor } from './key-accessors.js';
import { StaticKeyAccessor } from './key-accessors.js';
import type { StaticPublicKey } from './static-keys.js';

/** What every kind's validator is configured with (Kuma `…validator.{useSecrets,publicKeys}` + store type). */
export interface TokenValidatorConfig {
  /** Keys stored as secrets are trusted too (default true). */
  useSecrets?: boolean;
  /** Loaded with loadStaticPublicKeys; checked before the secrets. */
  publicKeys?: readonly StaticPublicKey[];
  /** The store is `memory`: parse errors carry Kuma's in-memory hint. */
  inMemoryStore?: boolean;
  /** Wall clock in milliseconds. */
  now?: () => number;
}

/** Static keys first (here: those of `meshes`), then the secret accessor if enabled. */
export function accessorsFor(cfg: TokenValidatorConfig, secrets: SigningKeyAccessor, meshes: readonly string[] = ['']): SigningKeyAccessor[] {
  const statics = (cfg.publicKeys ?? []).filter((k) => meshes.includes(k.mesh));
  const out: SigningKeyAccessor[] = [new StaticKeyAccessor(statics)];
  if (cfg.useSecrets ?? true) out.push(secrets);
  return out;
}

/** Only the options TokenValidator takes, without undefined values (exactOptionalPropertyTypes). */
export function commonValidatorOptions(cfg: TokenValidatorConfig): { inMemoryStore?: boolean; now?: () => number } {
  const out: { inMemoryStore?: boolean; now?: () => number } = {};
  if (cfg.inMemoryStore !== undefined) out.inMemoryStore = cfg.inMemoryStore;
  if (cfg.now !== undefined) out.now = cfg.now;
  return out;
}
