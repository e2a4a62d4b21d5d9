import type { ResourceTypeDescriptor } from '../../core/resources/descriptor.js';
import { KdsFlags, hasFlag } from '../../core/resources/descriptor.js';
import type { JsonObject, JsonValue } from '../../core/resources/json.js';
import { isObject } from '../../core/resources/json.js';
import { DISPLAY_NAME_LABEL, K8S_NAMESPACE_LABEL, KDS_SYNC_LABEL, ORIGIN_LABEL, ZONE_LABEL } from '../../core/resources/labels.js';
import { secretBytes, secretData } from '../../core/resources/system-types.js';
import {
  ADMIN_USER_TOKEN,
  USER_TOKEN_REVOCATIONS,
  USER_TOKEN_SIGNING_KEY_PREFIX,
  ZONE_TOKEN_SIGNING_KEY_PREFIX,
  ZONE_TOKEN_SIGNING_PUBLIC_KEY_PREFIX,
  publicKeyPemOf,
} from '../../tokens/index.js';
import { hashedName } from './naming.js';

// Kuma's KDS filters and mappers (pkg/kds/context/context.go) as plain functions.

export const DELETION_GRACE_PERIOD_LABEL = 'kuma.io/deletion-grace-period-started-at';
/** CP-internal GlobalSecrets besides the token ones (system.EnvoyAdminCA, system.InterCpCA). */
export const ENVOY_ADMIN_CA = 'envoy-admin-ca';
export const INTER_CP_CA = 'inter-cp-ca';

/** Types synced under their own name (Kuma `SkipKDSHash`): names must agree across zones. */
export const KEEP_NAME_TYPES: ReadonlySet<string> = new Set(['Mesh', 'Secret', 'GlobalSecret', 'Config']);

/** `kuma.io/kds-sync: disabled|enabled`, else the type's KDSDisabledByDefault flag. */
export function kdsDisabled(desc: ResourceTypeDescriptor, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[KDS_SYNC_LABEL];
  if (v === 'enabled') return false;
  if (v === 'disabled') return true;
  return hasFlag(desc.kdsFlags, KdsFlags.KDSDisabledByDefault);
}

/** Kuma IsLocallyOriginated: the origin label is absent or names this side's mode. */
export function originatedAt(labels: Readonly<Record<string, string>>, mode: 'global' | 'zone'): boolean {
  const origin = labels[ORIGIN_LABEL];
  return origin === undefined || origin === mode;
}

/**
 * GlobalSecrets that never leave the global: the admin token, the user-token signing keys and
 * revocations, the Envoy-admin and inter-CP CAs. A stored `zone-token-signing-public-key-*` is kept
 * back too: zones get that name only from the converted private key, never from two sources.
 */
export function isGlobalOnlySecret(name: string): boolean {
  return (
    name === ADMIN_USER_TOKEN ||
    name === ENVOY_ADMIN_CA ||
    name === INTER_CP_CA ||
    name === USER_TOKEN_REVOCATIONS ||
    name.startsWith(USER_TOKEN_SIGNING_KEY_PREFIX) ||
    name.startsWith(ZONE_TOKEN_SIGNING_PUBLIC_KEY_PREFIX)
  );
}

const publicKeys = new Map<string, string>();

/**
 * `zone-token-signing-key-N` -> `zone-token-signing-public-key-N` holding only the public key (PKCS#1
 * "RSA PUBLIC KEY" PEM, as Kuma). Throws when the private key cannot be read: the resource is then
 * not sent at all (never the private key in its place).
 */
export function zoneSigningKeyToPublic(name: string, spec: JsonObject): { name: string; spec: JsonObject } {
  const data = typeof spec['data'] === 'string' ? spec['data'] : '';
  let pub = publicKeys.get(data);
  if (pub === undefined) {
    pub = secretData(publicKeyPemOf(secretBytes(spec) ?? new Uint8Array(), `GlobalSecret ${JSON.stringify(name)}`));
    if (publicKeys.size > 256) publicKeys.clear();
    publicKeys.set(data, pub);
  }
  return { name: name.replaceAll(ZONE_TOKEN_SIGNING_KEY_PREFIX, ZONE_TOKEN_SIGNING_PUBLIC_KEY_PREFIX), spec: { data: pub } };
}

export function isZoneSigningKey(name: string): boolean {
  return name.startsWith(ZONE_TOKEN_SIGNING_KEY_PREFIX);
}

/**
 * Kuma HashSuffixMapper: rename to `<display name>-<hash>` (hash over mesh, display name and the zone
 * and namespace labels present) and keep the original in `kuma.io/display-name` if not already set.
 */
export function withHashedName(name: string, mesh: string, labels: Record<string, string>): string {
  const display = labels[DISPLAY_NAME_LABEL] || name;
  const hashed = hashedName(display, mesh, labels[ZONE_LABEL] ?? '', labels[K8S_NAMESPACE_LABEL]);
  if (!labels[DISPLAY_NAME_LABEL]) labels[DISPLAY_NAME_LABEL] = name;
  return hashed;
}

export function withoutLabelPrefixes(labels: Record<string, string>, prefixes: readonly string[]): void {
  for (const k of Object.keys(labels)) if (prefixes.some((p) => k.startsWith(p))) delete labels[k];
}

/**
 * Kuma MapInsightResourcesZeroGeneration: `generation` of insight subscriptions only matters
 * locally; zeroing it (proto-JSON: omitting it) keeps the synced copy from changing on every bump.
 */
export function withoutSubscriptionGenerations(spec: JsonObject): JsonObject {
  const subs = spec['subscriptions'];
  if (!Array.isArray(subs) || !subs.some((s) => isObject(s) && 'generation' in s)) return spec;
  return {
    ...spec,
    subscriptions: subs.map((s): JsonValue => {
      if (!isObject(s) || !('generation' in s)) return s;
      const { generation: _dropped, ...rest } = s;
      return rest;
    }),
  };
}

/** Set an existing `kuma.io/zone` tag to `zone`; returns the value it replaced, if it differed. */
function pinZoneTag(tags: JsonValue | undefined, zone: string): string | undefined {
  if (!isObject(tags)) return undefined;
  const v = tags[ZONE_LABEL];
  if (v === undefined) return undefined;
  tags[ZONE_LABEL] = zone;
  return typeof v === 'string' && v !== '' && v !== zone ? v : undefined;
}

/**
 * On global: the zone attribution INSIDE a synced spec (Dataplane inbound/gateway `kuma.io/zone` tags,
 * ZoneIngress/ZoneEgress `zone` and available-service tags) is forced to the connecting zone, as
 * Kuma's GlobalSyncCallback does. Mutates `spec`; returns the differing values it replaced.
 */
export function pinSpecZone(type: string, spec: JsonObject, zone: string): string[] {
  const replaced: string[] = [];
  const note = (v: string | undefined): void => {
    if (v !== undefined) replaced.push(v);
  };
  if (type === 'Dataplane') {
    const networking = spec['networking'];
    if (isObject(networking)) {
      const inbound = networking['inbound'];
      if (Array.isArray(inbound)) for (const i of inbound) if (isObject(i)) note(pinZoneTag(i['tags'], zone));
      const gateway = networking['gateway'];
      if (isObject(gateway)) note(pinZoneTag(gateway['tags'], zone));
    }
  } else if (type === 'ZoneIngress' || type === 'ZoneEgress') {
    const z = spec['zone'];
    if (typeof z === 'string' && z !== '' && z !== zone) replaced.push(z);
    spec['zone'] = zone;
    const services = spec['availableServices'];
    if (Array.isArray(services)) for (const s of services) if (isObject(s)) note(pinZoneTag(s['tags'], zone));
  }
  return replaced;
}
