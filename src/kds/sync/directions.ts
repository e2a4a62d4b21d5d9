import { create } from '@bufbuild/protobuf';
import type { Logger } from '../../core/log.js';
import { GlobalToZones, ZoneToGlobal, hasFlag } from '../../core/resources/descriptor.js';
import { ORIGIN_LABEL, ZONE_LABEL } from '../../core/resources/labels.js';
import type { ResourceRegistry } from '../../core/resources/registry.js';
import { builtinRegistry } from '../../core/resources/registry.js';
import type { Resource, ResourceKey } from '../../core/resources/resource.js';
import { NodeSchema, type KumaResource, type Node } from '../../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceManager } from '../../managers/resource-manager.js';
import type { NewResource } from '../../store/resource-store.js';
import { GLOBAL_SECRET_TYPE, dataplaneSigningKeyPrefix, signingKeyIdOf } from '../../tokens/index.js';
import {
  DELETION_GRACE_PERIOD_LABEL,
  KEEP_NAME_TYPES,
  isGlobalOnlySecret,
  isZoneSigningKey,
  kdsDisabled,
  originatedAt,
  pinSpecZone,
  withHashedName,
  withoutLabelPrefixes,
  withoutSubscriptionGenerations,
  zoneSigningKeyToPublic,
} from './mappers.js';
import type { KdsReceiverOptions } from './receiver.js';
import type { KdsSenderOptions } from './sender.js';
import { decodeWireSpec, toKumaResource } from './wire.js';

// What crosses between global and zone control planes, in each direction (Kuma's GlobalProvidedFilter,
// ZoneProvidedFilter, the global/zone resource mappers and the two sync callbacks), as option
// factories for runKdsSender / runKdsReceiver.

function typesWith(flag: number, registry: ResourceRegistry): string[] {
  const names = registry.all().filter((d) => hasFlag(d.kdsFlags, flag)).map((d) => d.name);
  // Mesh first: every mesh-scoped resource needs its Mesh on the receiving side.
  return [...names.filter((n) => n === 'Mesh'), ...names.filter((n) => n !== 'Mesh')];
}

/** Types the global sends to zones, in subscription order (Mesh, Secret, GlobalSecret, MeshTrafficPermission). */
export const KDS_GLOBAL_TO_ZONE_TYPES: readonly string[] = typesWith(GlobalToZones, builtinRegistry);
/** Types zones send to the global (Dataplane, DataplaneInsight, MeshTrafficPermission). */
export const KDS_ZONE_TO_GLOBAL_TYPES: readonly string[] = typesWith(ZoneToGlobal, builtinRegistry);

interface Common {
  log: Logger;
  registry?: ResourceRegistry;
  /** Label key prefixes not synced (`multizone.*.kds.labels.skipPrefixes`). */
  skipLabelPrefixes?: readonly string[];
}

/**
 * On global, toward zone `zone`: resources originated on global (origin label absent or `global`)
 * of GlobalToZones types, minus KDS-disabled ones and global-only GlobalSecrets; zone-token signing
 * keys leave as their public keys. Mapped: `kuma.io/origin: global`, policies renamed with the hash
 * suffix and `kuma.io/display-name` (Mesh, Secret and GlobalSecret keep their names).
 * Not implemented: Kuma's cross-zone sync (SyncedAcrossZones) — in kuma-ts's types it concerns only
 * producer-role policies, which need Kubernetes namespaces.
 */
export function globalToZoneSender(p: { resources: ResourceManager; zone: string } & Common): KdsSenderOptions {
  const registry = p.registry ?? builtinRegistry;
  const skip = p.skipLabelPrefixes ?? [];
  const toWire = (r: Resource): KumaResource | undefined => {
    const desc = registry.find(r.type);
    if (!desc || !hasFlag(desc.kdsFlags, GlobalToZones)) return undefined;
    if (kdsDisabled(desc, r.meta.labels) || !originatedAt(r.meta.labels, 'global')) return undefined;
    let name = r.meta.name;
    let spec = r.spec;
    if (r.type === GLOBAL_SECRET_TYPE) {
      if (isGlobalOnlySecret(name)) return undefined;
      if (isZoneSigningKey(name)) ({ name, spec } = zoneSigningKeyToPublic(name, spec));
    }
    const labels: Record<string, string> = { ...r.meta.labels, [ORIGIN_LABEL]: 'global' };
    withoutLabelPrefixes(labels, skip);
    if (!KEEP_NAME_TYPES.has(r.type)) name = withHashedName(name, r.meta.mesh, labels);
    return toKumaResource({ name, mesh: r.meta.mesh, labels, spec });
  };
  return { source: p.resources, types: KDS_GLOBAL_TO_ZONE_TYPES, toWire, log: p.log.child({ kdsStream: 'global-to-zone', zone: p.zone }) };
}

/** Decode a wire resource of `type` into what the manager creates; rejects unknown types and bad specs. */
function decode(registry: ResourceRegistry, type: string, w: KumaResource): NewResource | { rejected: string } {
  const desc = registry.find(type);
  if (!desc) return { rejected: `unknown resource type ${JSON.stringify(type)}` };
  const decoded = decodeWireSpec(desc, w.specJson);
  if ('error' in decoded) return { rejected: decoded.error };
  return { type, meta: { name: w.name, mesh: w.mesh, labels: { ...w.labels } }, spec: decoded.spec };
}

/**
 * On a zone, from global: everything lands with `kuma.io/origin: global`; only such resources are
 * updated or deleted by the sync, so resources made on the zone are never touched by global data.
 */
export function globalToZoneReceiver(p: { resources: ResourceManager; zone: string; node: Node } & Common): KdsReceiverOptions {
  const registry = p.registry ?? builtinRegistry;
  const log = p.log.child({ kdsStream: 'global-to-zone', zone: p.zone });
  return {
    target: p.resources,
    types: KDS_GLOBAL_TO_ZONE_TYPES,
    node: p.node,
    log,
    fromWire: (type, w) => {
      const r = decode(registry, type, w);
      if ('rejected' in r) return r;
      r.meta.labels = { ...r.meta.labels, [ORIGIN_LABEL]: 'global' };
      return { resource: r };
    },
    owns: (r) => r.meta.labels[ORIGIN_LABEL] === 'global',
    // The ResourceManager gives every new Mesh a Dataplane-token signing key; for a Mesh that came
    // from global, global's key of that name replaces it (Kuma's zone never makes one).
    adopt: async (local) => {
      if (local.type !== 'Secret' || local.meta.labels[ORIGIN_LABEL] !== undefined) return false;
      if (!signingKeyIdOf(local.meta.name, dataplaneSigningKeyPrefix(local.meta.mesh))) return false;
      try {
        const mesh = await p.resources.get({ type: 'Mesh', mesh: '', name: local.meta.mesh });
        return mesh.meta.labels[ORIGIN_LABEL] === 'global';
      } catch {
        return false;
      }
    },
  };
}

/**
 * On a zone, toward global: resources of ZoneToGlobal types originated on this zone (origin label
 * absent or `zone`), minus KDS-disabled ones. Mapped: `kuma.io/origin: zone`, `kuma.io/zone: <zone>`,
 * no `kuma.io/deletion-grace-period-started-at`, insight subscription generations zeroed, renamed with
 * the hash suffix (over mesh, name, zone, namespace) and `kuma.io/display-name`.
 */
export function zoneToGlobalSender(p: { resources: ResourceManager; zone: string } & Common): KdsSenderOptions {
  const registry = p.registry ?? builtinRegistry;
  const skip = p.skipLabelPrefixes ?? [];
  const toWire = (r: Resource): KumaResource | undefined => {
    const desc = registry.find(r.type);
    if (!desc || !hasFlag(desc.kdsFlags, ZoneToGlobal)) return undefined;
    if (kdsDisabled(desc, r.meta.labels) || !originatedAt(r.meta.labels, 'zone')) return undefined;
    const labels: Record<string, string> = { ...r.meta.labels, [ORIGIN_LABEL]: 'zone', [ZONE_LABEL]: p.zone };
    delete labels[DELETION_GRACE_PERIOD_LABEL];
    withoutLabelPrefixes(labels, skip);
    const name = withHashedName(r.meta.name, r.meta.mesh, labels);
    return toKumaResource({ name, mesh: r.meta.mesh, labels, spec: withoutSubscriptionGenerations(r.spec) });
  };
  return { source: p.resources, types: KDS_ZONE_TO_GLOBAL_TYPES, toWire, log: p.log.child({ kdsStream: 'zone-to-global', zone: p.zone }) };
}

/**
 * On global, from zone `zone` (the AUTHENTICATED client-id): `kuma.io/zone` and `kuma.io/origin: zone`
 * are forced, as is the zone named inside specs (a payload claiming another zone is rewritten and a
 * warning logged, as Kuma). Resources are created owned by `Zone/<zone>` (deleting the Zone deletes
 * them); the stream only updates or deletes resources labelled with that zone and origin zone.
 */
export function zoneToGlobalReceiver(p: { resources: ResourceManager; zone: string; node?: Node } & Common): KdsReceiverOptions {
  const registry = p.registry ?? builtinRegistry;
  const log = p.log.child({ kdsStream: 'zone-to-global', zone: p.zone });
  const owner: ResourceKey = { type: 'Zone', mesh: '', name: p.zone };
  return {
    target: p.resources,
    types: KDS_ZONE_TO_GLOBAL_TYPES,
    node: p.node ?? create(NodeSchema, { id: 'global' }),
    log,
    ownedLabels: { [ZONE_LABEL]: p.zone, [ORIGIN_LABEL]: 'zone' },
    owns: (r) => r.meta.labels[ZONE_LABEL] === p.zone && r.meta.labels[ORIGIN_LABEL] === 'zone',
    fromWire: (type, w) => {
      const r = decode(registry, type, w);
      if ('rejected' in r) return r;
      const labels = r.meta.labels ?? {};
      const replaced: string[] = [];
      const claimed = labels[ZONE_LABEL];
      if (claimed !== undefined && claimed !== '' && claimed !== p.zone) replaced.push(claimed);
      labels[ZONE_LABEL] = p.zone;
      labels[ORIGIN_LABEL] = 'zone';
      r.meta.labels = labels;
      replaced.push(...pinSpecZone(type, r.spec, p.zone));
      if (replaced.length > 0) {
        log.warn(
          { type, name: w.name, mesh: w.mesh, clientID: p.zone, replacedValues: [...new Set(replaced)] },
          "[WARNING] rewrote synced resource zone attribution to the connecting zone's client-id because a payload value differed",
        );
      }
      return { resource: r, owner };
    },
  };
}
