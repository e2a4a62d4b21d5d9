import type { Logger } from '../../core/log.js';
import type { Resource, ResourceKey } from '../../core/resources/resource.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, KumaResource } from '../../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceChangedEvent } from '../../store/resource-store.js';
import type { KdsSenderEvent } from './events.js';
import { SenderSession } from './sender-session.js';
import type { WireCache } from './sender-view.js';
import { aborted, untilStopped } from './stream-util.js';

// The resource-sending role of a KDS stream (global on GlobalToZoneSync, zone on ZoneToGlobalSync).
//
// Per subscribed type the sender remembers what the peer holds (wire name -> version) and only ever
// sends the difference between that and its store: the first responses carry everything
// (`initial`), later ones what changed. Flow control as in xDS: at most one unanswered response per
// type, and a type waits while an EARLIER subscribed type has one unanswered or is still sending its
// initial set, so the receiver applies types in its subscription order (Mesh before mesh-scoped
// types). What the store holds is listed once per type and then kept current from change events,
// one read per changed resource (sender-view.ts), so a change costs the same with 10 or 10,000
// resources of its type.
//
// Chunking: a response carries at most `maxResponseBytes` (4 MiB; gRPC allows 10 MiB). An initial
// set that does not fit goes out as several responses, all with `initial: true`; every one but the
// last has an EMPTY `system_version_info`, the last has it set. The receiver applies each chunk as it
// comes and deletes what the set did not contain only after the last one.

export interface KdsSource {
  list(type: string, opts?: { mesh?: string }): Promise<{ items: Resource[] }>;
  /**
   * One resource; rejects with code ERR_RESOURCE_NOT_FOUND when it does not exist. Optional: with it
   * a change costs one read, without it the sender lists the whole type again for every change.
   */
  get?(key: ResourceKey): Promise<Resource>;
  watch(l: (e: ResourceChangedEvent) => void): () => void;
}

export interface KdsSenderOptions {
  source: KdsSource;
  /** Types this side may provide on this stream. */
  types: readonly string[];
  /** Wire form for this peer, undefined = not sent to it. Must depend on the resource only. */
  toWire(r: Resource): KumaResource | undefined;
  /**
   * Mappings shared by the senders of this control plane that use the same `toWire` (the global's
   * streams to its zones), so a resource is mapped and held once, not once per stream. Optional.
   */
  wireCache?: WireCache;
  /** Coalescing of change bursts (default 100 ms). */
  debounceMs?: number;
  /** First wait after a NACK before that type is sent again (default 5000, Kuma nackBackoff). */
  nackBackoffMs?: number;
  /** Consecutive NACKs double the wait up to this (default max(60 s, nackBackoffMs)). */
  nackBackoffMaxMs?: number;
  /** Size cap of one response (default 4 MiB). */
  maxResponseBytes?: number;
  /** A single resource bigger than this is never sent, only logged (default 10 MiB, Kuma maxMsgSize). */
  maxMessageBytes?: number;
  log: Logger;
  onEvent?: (e: KdsSenderEvent) => void;
}

/**
 * Run the sending role until the peer's requests end or `signal` aborts. Rejects when `send` fails
 * (the stream is broken); everything else (NACKs, store errors while listing, unknown types) is
 * logged and handled without ending the stream.
 */
export async function runKdsSender(
  opts: KdsSenderOptions,
  requests: AsyncIterable<DeltaDiscoveryRequest>,
  send: (r: DeltaDiscoveryResponse) => void | Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const session = new SenderSession(opts, send);
  const unwatch = opts.source.watch((e) => session.onChange(e));
  try {
    const stop = Promise.race([aborted(signal), session.failedPromise]);
    for await (const req of untilStopped(requests, stop)) {
      if (signal.aborted || session.failure !== undefined) break;
      session.onRequest(req);
    }
  } finally {
    unwatch();
    await session.stop();
  }
  if (session.failure !== undefined && !signal.aborted) throw session.failure;
}
