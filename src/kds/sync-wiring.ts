/**
 * Plugs the sync engine (src/kds/sync) into the transport: which roles run on which stream, with the
 * settings of `multizone.global.kds` / `multizone.zone.kds` (nackBackoff, maxMsgSize).
 *   global: GlobalToZoneSync = sender of globalToZoneSender, ZoneToGlobalSync = receiver of zoneToGlobalReceiver;
 *   zone:   GlobalToZoneSync = receiver of globalToZoneReceiver, ZoneToGlobalSync = sender of zoneToGlobalSender.
 */
import { create } from '@bufbuild/protobuf';
import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import type { Logger } from '../core/log.js';
import { VERSION } from '../core/version.js';
import { NodeSchema, type Node } from '../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceManager } from '../managers/index.js';
import {
  globalToZoneReceiver,
  globalToZoneSender,
  runKdsReceiver,
  runKdsSender,
  zoneToGlobalReceiver,
  zoneToGlobalSender,
  WireCache,
  type KdsSenderOptions,
} from './sync/index.js';
import type { GlobalSyncHooks, ZoneSyncHooks } from './transport/sync-hooks.js';

/** One response stays well inside one gRPC message. */
const RESPONSE_BYTES = 4 * 1024 * 1024;

function tuned(opts: KdsSenderOptions, k: { nackBackoff: number; maxMsgSize: number }, wireCache: WireCache): KdsSenderOptions {
  return { ...opts, nackBackoffMs: k.nackBackoff, maxMessageBytes: k.maxMsgSize, maxResponseBytes: Math.min(RESPONSE_BYTES, Math.floor(k.maxMsgSize / 2)), wireCache };
}

export interface GlobalSyncParams {
  resources: ResourceManager;
  config: Pick<KumaCpConfig, 'multizone'>;
  instanceId: string;
  logger: Logger;
}

export function createGlobalSyncHooks(p: GlobalSyncParams): GlobalSyncHooks {
  const kds = p.config.multizone.global.kds;
  const log = p.logger.child({ component: 'kds-sync' });
  const node: Node = create(NodeSchema, { id: 'global', version: VERSION, controlPlaneId: p.instanceId });
  // One for every zone's stream: what a zone receives does not depend on the zone. It holds
  // mappings (and watches the store) only while some zone is connected.
  const wireCache = new WireCache(p.resources);
  return {
    globalToZone: (zone, requests, send, signal) => runKdsSender(tuned(globalToZoneSender({ resources: p.resources, zone, log }), kds, wireCache), requests, send, signal),
    zoneToGlobal: (zone, responses, send, signal) => runKdsReceiver(zoneToGlobalReceiver({ resources: p.resources, zone, node, log }), responses, send, signal),
  };
}

export interface ZoneSyncParams {
  resources: ResourceManager;
  config: Pick<KumaCpConfig, 'multizone'>;
  instanceId: string;
  /** The zone CP's effective config as JSON, secrets masked (the global shows it in ZoneInsight). */
  configJson: string;
  logger: Logger;
}

/** The zone's node: what the global records about this zone control plane. */
export function zoneNode(p: Pick<ZoneSyncParams, 'config' | 'instanceId' | 'configJson'>): Node {
  return create(NodeSchema, { id: p.config.multizone.zone.name, version: VERSION, controlPlaneId: p.instanceId, configJson: p.configJson });
}

export function createZoneSyncHooks(p: ZoneSyncParams): ZoneSyncHooks {
  const zone = p.config.multizone.zone.name;
  const kds = p.config.multizone.zone.kds;
  const log = p.logger.child({ component: 'kds-sync' });
  const node = zoneNode(p);
  const wireCache = new WireCache(p.resources);
  return {
    globalToZone: (responses, send, signal) => runKdsReceiver(globalToZoneReceiver({ resources: p.resources, zone, node, log }), responses, send, signal),
    zoneToGlobal: (requests, send, signal) => runKdsSender(tuned(zoneToGlobalSender({ resources: p.resources, zone, log }), kds, wireCache), requests, send, signal),
  };
}
