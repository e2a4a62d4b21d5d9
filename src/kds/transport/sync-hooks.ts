/**
 * What the transport runs on each stream once a zone is admitted: the sync engine (src/kds/sync),
 * behind this small seam so the transport can be tested alone and the engine plugged in by
 * src/kds/sync-wiring.ts. Each hook resolves when the peer ends its side or `signal` aborts, and
 * rejects on a protocol or store error (the stream then ends with that error).
 */
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../../gen/kuma/kds/v1/kds_pb.js';

export type Send<T> = (message: T) => void | Promise<void>;

/** On the global, per admitted zone. */
export interface GlobalSyncHooks {
  /** GlobalToZoneSync: the zone subscribes and ACKs (`requests`), the global sends resources. */
  globalToZone(zone: string, requests: AsyncIterable<DeltaDiscoveryRequest>, send: Send<DeltaDiscoveryResponse>, signal: AbortSignal): Promise<void>;
  /** ZoneToGlobalSync: the zone sends resources (`responses`), the global subscribes and ACKs. */
  zoneToGlobal(zone: string, responses: AsyncIterable<DeltaDiscoveryResponse>, send: Send<DeltaDiscoveryRequest>, signal: AbortSignal): Promise<void>;
}

/** On the zone, per connection to the global. */
export interface ZoneSyncHooks {
  /** GlobalToZoneSync: the zone subscribes and ACKs (`send`), the global's resources arrive in `responses`. */
  globalToZone(responses: AsyncIterable<DeltaDiscoveryResponse>, send: Send<DeltaDiscoveryRequest>, signal: AbortSignal): Promise<void>;
  /** ZoneToGlobalSync: the global subscribes and ACKs (`requests`), the zone sends its resources. */
  zoneToGlobal(requests: AsyncIterable<DeltaDiscoveryRequest>, send: Send<DeltaDiscoveryResponse>, signal: AbortSignal): Promise<void>;
}
