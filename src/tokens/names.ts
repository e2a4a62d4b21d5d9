// Resource names of Kuma's token machinery (pkg/core/resources/apis/system/constants.go), and the
// kid <-> name rule of pkg/core/tokens/signing_key.go.

export const USER_TOKEN_SIGNING_KEY_PREFIX = 'user-token-signing-key';
export const ZONE_TOKEN_SIGNING_KEY_PREFIX = 'zone-token-signing-key';
/** Zones receive only the public half of the zone signing key, under this prefix. */
export const ZONE_TOKEN_SIGNING_PUBLIC_KEY_PREFIX = 'zone-token-signing-public-key';
export const USER_TOKEN_REVOCATIONS = 'user-token-revocations';
export const ZONE_TOKEN_REVOCATIONS = 'zone-token-revocations';
export const ADMIN_USER_TOKEN = 'admin-user-token';
export const DATAPLANE_TOKEN_SIGNING_KEY_PREFIX = 'dataplane-token-signing-key-';
export const DATAPLANE_TOKEN_REVOCATIONS_PREFIX = 'dataplane-token-revocations-';

/** The kid of keys created automatically (`…-1`). */
export const DEFAULT_KEY_ID = '1';
/** kid of the 1.3.x key stored under the bare prefix (no serial suffix). */
export const LEGACY_KEY_ID = '0';

/** `dataplane-token-signing-key-<mesh>`: the per-mesh prefix (a Secret in that mesh). */
export function dataplaneSigningKeyPrefix(mesh: string): string {
  return DATAPLANE_TOKEN_SIGNING_KEY_PREFIX + mesh;
}

/** `dataplane-token-revocations-<mesh>`. */
export function dataplaneRevocationsName(mesh: string): string {
  return DATAPLANE_TOKEN_REVOCATIONS_PREFIX + mesh;
}

/** `<prefix>-<kid>`, or the bare prefix for kid "0" (1.3.x compatibility). */
export function signingKeyName(prefix: string, kid: string): string {
  return kid === LEGACY_KEY_ID ? prefix : `${prefix}-${kid}`;
}

/**
 * Which signing key a secret name is, if any: the bare prefix is kid "0"; `<prefix>-<digits>` is kid
 * `<digits>` exactly as written, ranked by its numeric value. Kuma ranks `…-0002` as 2 but then signs
 * with kid "2" and looks for `…-2` when validating ("no signing key with KID 2"); keeping the written
 * suffix as the kid makes padded names work. Other names that share the prefix are not signing keys.
 */
export function signingKeyIdOf(name: string, prefix: string): { kid: string; serial: number } | undefined {
  if (name === prefix) return { kid: LEGACY_KEY_ID, serial: 0 };
  if (!name.startsWith(`${prefix}-`)) return undefined;
  const suffix = name.slice(prefix.length + 1);
  if (!/^[0-9]{1,15}$/.test(suffix)) return undefined;
  return { kid: suffix, serial: Number(suffix) };
}
