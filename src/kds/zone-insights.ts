/**
 * Writes ZoneInsight resources on the global (Kuma's zone status sink): one insight per Zone, owned
 * by it (deleted with it), holding the last `subscriptionLimit` KDS subscriptions (Kuma
 * `metrics.zone.subscriptionLimit`, 10) and `kdsStreams` (which instance serves each stream since
 * when). Written at once on connect and disconnect, and at most every `flushIntervalMs`
 * (`multizone.global.kds.zoneInsightFlushInterval`) while counters change. Writes for one zone are
 * serialized and compare-and-set, so two global instances never lose each other's entries.
 *
 * A zone is online when one of its subscriptions has a connect time and no disconnect time (Kuma's
 * ZoneInsight.IsOnline); `GET /zones+insights` shows the insight beside the Zone.
 */
import { KeyedSerialQueue, throttledFlush } from '../core/keyed-serial-queue.js';
import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { formatKumaTime, isObject, ZoneInsightType, ZoneType, type JsonObject, type JsonValue, type Resource } from '../core/resources/index.js';
import type { ResourceManager } from '../managers/index.js';
import type { ZoneSubscription } from './zone-subscription.js';
import { mergeSubscriptions } from '../core/insight-subscriptions.js';

export type KdsStreamKind = 'globalToZone' | 'zoneToGlobal';

export interface ZoneInsightSinkOptions {
  flushIntervalMs: number;
  /** Kuma `metrics.zone.subscriptionLimit`: 10; 0 keeps every subscription. */
  subscriptionLimit?: number;
  logger: Logger;
  now?: () => Date;
}

export interface ZoneInsightTracker {
  /** A stream of this connection opened: recorded in `kdsStreams`, written at once. */
  streamOpened(kind: KdsStreamKind): Promise<void>;
  /** Counters or node info changed: written within the flush interval. */
  changed(): void;
  /** Write now (and wait for it). */
  flushNow(): Promise<void>;
  /** Mark the subscription disconnected and write it; the tracker stops. */
  close(): Promise<void>;
}

const MAX_ATTEMPTS = 5;

/** Kuma's ZoneInsight.IsOnline on an insight spec (REST JSON). */
export function isZoneOnline(insightSpec: JsonObject | undefined): boolean {
  const subs = insightSpec?.['subscriptions'];
  if (!Array.isArray(subs)) return false;
  return subs.some((s) => isObject(s) && typeof s['connectTime'] === 'string' && s['disconnectTime'] === undefined);
}

export class ZoneInsightSink {
  private readonly writes = new KeyedSerialQueue();
  private readonly now: () => Date;

  constructor(
    private readonly resources: ResourceManager,
    private readonly opts: ZoneInsightSinkOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  track(zone: string, sub: ZoneSubscription): ZoneInsightTracker {
    const streams = new Map<KdsStreamKind, Date>();
    const flush = (): Promise<void> => {
      const entry = sub.toJson();
      const kdsStreams = new Map(streams);
      return this.writes.enqueue(
        zone,
        () => this.write(zone, entry, kdsStreams, sub.globalInstanceId, !sub.online),
        (err) => this.opts.logger.warn({ zone, reason: messageOf(err) }, 'could not write ZoneInsight'),
      );
    };
    const tracker = throttledFlush(flush, this.opts.flushIntervalMs, () => sub.disconnected());
    return {
      streamOpened: (kind) => {
        streams.set(kind, this.now());
        return tracker.flushNow();
      },
      changed: () => tracker.changed(),
      flushNow: () => tracker.flushNow(),
      close: () => tracker.close(),
    };
  }

  /** Resolves when every write queued so far has finished. */
  drain(): Promise<void> {
    return this.writes.drain();
  }

  private async write(zone: string, entry: JsonObject, streams: Map<KdsStreamKind, Date>, instanceId: string, isFinal: boolean): Promise<void> {
    const key = { type: ZoneInsightType.name, mesh: '', name: zone };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let current: Resource | undefined;
      try {
        current = await this.resources.get(key);
      } catch (err) {
        if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw err;
      }
      const spec: JsonObject = current ? { ...current.spec } : {};
      const subscriptions = mergeSubscriptions(subscriptionsOf(spec), entry, isFinal, this.now(), this.opts.subscriptionLimit ?? 10);
      if (subscriptions === undefined) return;
      spec['subscriptions'] = subscriptions;
      if (streams.size > 0) spec['kdsStreams'] = mergeStreams(spec['kdsStreams'], streams, instanceId);
      try {
        if (current) await this.resources.update({ ...current, spec });
        else await this.resources.create({ type: ZoneInsightType.name, meta: { mesh: '', name: zone }, spec }, { owner: { type: ZoneType.name, mesh: '', name: zone } });
        return;
      } catch (err) {
        if (hasCode(err, 'ERR_RESOURCE_CONFLICT') || hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) continue;
        // The Zone was deleted meanwhile, and its insight with it: nothing to record.
        if (!current && hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return;
        throw err;
      }
    }
    throw new Error(`gave up after ${MAX_ATTEMPTS} concurrent updates`);
  }
}

function subscriptionsOf(spec: JsonObject): JsonObject[] {
  const subs = spec['subscriptions'];
  return Array.isArray(subs) ? subs.filter(isObject) : [];
}

function mergeStreams(existing: JsonValue | undefined, streams: Map<KdsStreamKind, Date>, instanceId: string): JsonObject {
  const out: JsonObject = isObject(existing) ? { ...existing } : {};
  for (const [kind, at] of streams) out[kind] = { globalInstanceId: instanceId, connectTime: formatKumaTime(at) };
  return out;
}

export { mergeSubscriptions } from '../core/insight-subscriptions.js';
