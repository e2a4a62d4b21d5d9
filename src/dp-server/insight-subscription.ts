/**
 * One config stream as a DataplaneInsight subscription (Kuma's DiscoverySubscription), counted the
 * way Kuma's status tracker counts: every response sent, every request carrying a nonce is an ACK,
 * or a NACK when it carries error detail. Serialized as Kuma's protojson (uint64 counters as strings,
 * zero values omitted, RFC 3339 times).
 */
import { randomUUID } from 'node:crypto';
import { formatKumaTime, type JsonObject } from '../core/resources/index.js';
import { ResourceKind, type KumaDpVersion } from '../gen/kuma/dp/v1/config_stream_pb.js';

interface Stats {
  responsesSent: number;
  responsesAcknowledged: number;
  responsesRejected: number;
}

/** Kuma's per-xDS-type buckets; our kinds are counted in the nearest one (and always in `total`). */
type Bucket = 'cds' | 'eds' | 'lds' | 'rds';

/**
 * The Dataplane kind defines the proxy's listeners (LDS), endpoints are EDS, permissions are what
 * Envoy gets in its listeners' RBAC filters, counted as RDS. Identity (SDS) is in `total` only:
 * Kuma's insight has no SDS bucket.
 */
const BUCKET_OF: ReadonlyMap<ResourceKind, Bucket> = new Map([
  [ResourceKind.DATAPLANE, 'lds'],
  [ResourceKind.ENDPOINTS, 'eds'],
  [ResourceKind.PERMISSIONS, 'rds'],
]);

const zero = (): Stats => ({ responsesSent: 0, responsesAcknowledged: 0, responsesRejected: 0 });

function statsJson(s: Stats): JsonObject {
  const out: JsonObject = {};
  if (s.responsesSent > 0) out['responsesSent'] = String(s.responsesSent);
  if (s.responsesAcknowledged > 0) out['responsesAcknowledged'] = String(s.responsesAcknowledged);
  if (s.responsesRejected > 0) out['responsesRejected'] = String(s.responsesRejected);
  return out;
}

export class InsightSubscription {
  readonly id = randomUUID();
  readonly connectTime: Date;
  disconnectTime: Date | undefined;
  /** Starts at connectTime, as Kuma's NewSubscriptionStatus does. */
  lastUpdateTime: Date;
  version: KumaDpVersion | undefined;
  private readonly total = zero();
  private readonly buckets: Record<Bucket, Stats> = { cds: zero(), eds: zero(), lds: zero(), rds: zero() };

  constructor(
    readonly controlPlaneInstanceId: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.connectTime = now();
    this.lastUpdateTime = this.connectTime;
  }

  private count(kind: ResourceKind, field: keyof Stats): void {
    this.total[field] += 1;
    const bucket = BUCKET_OF.get(kind);
    if (bucket !== undefined) this.buckets[bucket][field] += 1;
    this.lastUpdateTime = this.now();
  }

  responseSent(kind: ResourceKind): void {
    this.count(kind, 'responsesSent');
  }

  acknowledged(kind: ResourceKind): void {
    this.count(kind, 'responsesAcknowledged');
  }

  rejected(kind: ResourceKind): void {
    this.count(kind, 'responsesRejected');
  }

  disconnected(): void {
    this.disconnectTime ??= this.now();
  }

  toJson(): JsonObject {
    const status: JsonObject = {};
    status['lastUpdateTime'] = formatKumaTime(this.lastUpdateTime);
    status['total'] = statsJson(this.total);
    for (const b of ['cds', 'eds', 'lds', 'rds'] as const) status[b] = statsJson(this.buckets[b]);
    const out: JsonObject = {
      id: this.id,
      controlPlaneInstanceId: this.controlPlaneInstanceId,
      connectTime: formatKumaTime(this.connectTime),
    };
    if (this.disconnectTime) out['disconnectTime'] = formatKumaTime(this.disconnectTime);
    out['status'] = status;
    const v = this.version;
    if (v) {
      const kumaDp: JsonObject = {};
      if (v.version !== '') kumaDp['version'] = v.version;
      if (v.gitTag !== '') kumaDp['gitTag'] = v.gitTag;
      if (v.gitCommit !== '') kumaDp['gitCommit'] = v.gitCommit;
      if (v.buildDate !== '') kumaDp['buildDate'] = v.buildDate;
      out['version'] = { kumaDp };
    }
    return out;
  }
}
