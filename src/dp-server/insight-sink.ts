/**
 * Writes DataplaneInsight resources (Kuma's dataplane status sink): one insight per Dataplane, owned by
 * it (deleted with it), holding the last `subscriptionLimit` subscriptions. Each stream's tracker
 * flushes at once when asked (first request, disconnect) and otherwise at most every
 * `flushIntervalMs` while something changed. Writes for one Dataplane are serialized and use
 * compare-and-set, so two streams (or two instances) never lose each other's entries.
 */
import { KeyedSerialQueue, throttledFlush } from '../core/keyed-serial-queue.js';
import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { DataplaneInsightType, DataplaneType, isObject, type JsonObject, type JsonValue, type Resource } from '../core/resources/index.js';
import type { ResourceManager } from '../managers/index.js';
import type { InsightSubscription } from './insight-subscription.js';
import { dataplaneKeyString, type NodeId } from './node-id.js';
import { mergeSubscriptions } from '../core/insight-subscriptions.js';

export interface InsightSinkOptions {
  flushIntervalMs: number;
  /** Kuma `metrics.dataplane.subscriptionLimit` (2). */
  subscriptionLimit: number;
  logger: Logger;
  now?: () => Date;
}

export interface InsightTracker {
  /** Something changed: flush within the flush interval. */
  changed(): void;
  /** Write now (and wait for it). */
  flushNow(): Promise<void>;
  /** Mark disconnected, write, stop. */
  close(): Promise<void>;
}

const MAX_ATTEMPTS = 5;

export class DataplaneInsightSink {
  private readonly writes = new KeyedSerialQueue();
  private readonly now: () => Date;

  constructor(
    private readonly resources: ResourceManager,
    private readonly opts: InsightSinkOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** `mtls`: the stream's identity state for the insight's `mTLS` block (undefined: not known, leave it). */
  track(id: NodeId, sub: InsightSubscription, mtls: () => JsonObject | null | undefined = () => undefined): InsightTracker {
    const flush = (): Promise<void> =>
      this.writes.enqueue(
        dataplaneKeyString(id),
        () => this.write(id, sub.toJson(), sub.disconnectTime !== undefined, mtls()),
        (err) => this.opts.logger.warn({ mesh: id.mesh, name: id.name, reason: messageOf(err) }, 'could not write DataplaneInsight'),
      );
    return throttledFlush(flush, this.opts.flushIntervalMs, () => sub.disconnected());
  }

  /** Resolves when every write queued so far has finished. */
  drain(): Promise<void> {
    return this.writes.drain();
  }

  private async write(id: NodeId, entry: JsonObject, isFinal: boolean, mtls: JsonObject | null | undefined): Promise<void> {
    const key = { type: DataplaneInsightType.name, mesh: id.mesh, name: id.name };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let current: Resource | undefined;
      try {
        current = await this.resources.get(key);
      } catch (err) {
        if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw err;
      }
      const subscriptions = mergeSubscriptions(current ? subscriptionsOf(current.spec) : [], entry, isFinal, this.now(), this.opts.subscriptionLimit);
      if (subscriptions === undefined) return;
      const spec: JsonObject = { ...current?.spec, subscriptions };
      // The final write of a stream leaves the block as it is: the proxy keeps its certificate.
      if (!isFinal) withMtls(spec, current?.spec['mTLS'], mtls);
      try {
        if (current) {
          await this.resources.update({ ...current, spec });
        } else {
          const owner = { type: DataplaneType.name, mesh: id.mesh, name: id.name };
          await this.resources.create({ type: DataplaneInsightType.name, meta: { mesh: id.mesh, name: id.name }, spec }, { owner });
        }
        return;
      } catch (err) {
        if (hasCode(err, 'ERR_RESOURCE_CONFLICT') || hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) continue;
        // The owner is gone: the Dataplane was deleted, and its insight with it. Nothing to record.
        if (!current && hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return;
        throw err;
      }
    }
    throw new Error(`gave up after ${MAX_ATTEMPTS} concurrent updates`);
  }
}

/**
 * Kuma's `mTLS` block: set from the stream's latest certificate, `certificateRegenerations` counted up
 * for every new certificate (its issuance time, expiration, issuer or supported backends differ);
 * removed when mTLS is off.
 */
export function withMtls(spec: JsonObject, current: JsonValue | undefined, next: JsonObject | null | undefined): void {
  if (next === undefined) return;
  if (next === null) {
    delete spec['mTLS'];
    return;
  }
  const prev = isObject(current) ? current : {};
  const same = ['certificateExpirationTime', 'lastCertificateRegeneration', 'issuedBackend', 'supportedBackends'].every((k) => JSON.stringify(prev[k]) === JSON.stringify(next[k]));
  if (same && prev['certificateRegenerations'] !== undefined) return;
  const count = typeof prev['certificateRegenerations'] === 'number' ? prev['certificateRegenerations'] : 0;
  spec['mTLS'] = { ...next, certificateRegenerations: count + 1 };
}

function subscriptionsOf(spec: JsonObject): JsonObject[] {
  const subs = spec['subscriptions'];
  return Array.isArray(subs) ? subs.filter(isObject) : [];
}

export { mergeSubscriptions as merge } from '../core/insight-subscriptions.js';
