// Resource names across KDS (Kuma pkg/kds/hash/hash.go and the `<name>.<mesh>` keys of its xDS cache).

/** k8s.io/apimachinery rand.SafeEncodeString's alphabet: no vowels, so hashes never spell words. */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
/** A k8s name is at most 253 characters; the suffix is a dash and 16 encoded hex digits. */
const MAX_NAME = 253;
const SUFFIX_LENGTH = 1 + 16;

const encoder = new TextEncoder();

/**
 * FNV-1a 64 over bytes, as 16 lowercase hex digits. The 64-bit state is kept in two 32-bit halves:
 * multiplying by the FNV prime 2^40 + 0x1b3 is `h * 0x1b3 + (h << 40)`, and every partial product
 * stays below 2^53, so plain numbers are exact (10x faster than BigInt on the KDS hot path).
 */
export function fnv64aHex(bytes: Uint8Array): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const b of bytes) {
    lo = (lo ^ b) >>> 0;
    const loProduct = lo * 0x1b3;
    const carry = Math.floor(loProduct / 0x1_0000_0000);
    const newLo = loProduct >>> 0;
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % 0x1_0000_0000;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** rand.SafeEncodeString: each character becomes SAFE_ALPHANUMS[codePoint % 27]. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[(ch.codePointAt(0) ?? 0) % SAFE_ALPHANUMS.length];
  return out;
}

/**
 * The name a resource gets on the other side of KDS (Kuma HashedName): the display name cut to 236
 * characters, a dash, and the safe-encoded FNV-1a 64 of mesh + display name + zone + namespace
 * (empty values contribute nothing, exactly as Kuma skips absent labels). Unique per
 * (mesh, name, zone, namespace), so resources of different zones never collide on global.
 */
export function hashedName(displayName: string, mesh: string, zone: string, namespace?: string): string {
  const hex = fnv64aHex(encoder.encode(mesh + displayName + zone + (namespace ?? '')));
  // k8s ShortenString cuts bytes; names are RFC 1123 (ASCII), so characters and bytes agree.
  const short = displayName.length > MAX_NAME - SUFFIX_LENGTH ? displayName.slice(0, MAX_NAME - SUFFIX_LENGTH) : displayName;
  return `${short}-${safeEncodeString(hex)}`;
}

/** `<name>.<mesh>`: the resource key on the wire (`<name>.` for global-scoped types). */
export function wireName(name: string, mesh: string): string {
  return `${name}.${mesh}`;
}

/** The inverse of wireName: split at the LAST dot (names may contain dots, meshes may not). */
export function splitWireName(n: string): { name: string; mesh: string } {
  const i = n.lastIndexOf('.');
  if (i < 0) return { name: n, mesh: '' };
  return { name: n.slice(0, i), mesh: n.slice(i + 1) };
}
