/**
 * One zone connection to this global instance as a ZoneInsight subscription (Kuma's KDSSubscription),
 * counted as Kuma's status tracker counts on the global-to-zone stream: every response the global
 * sent, every request carrying a nonce an ACK, or a NACK when it carries error detail; per type and
 * in total. Serialized as Kuma's protojson (uint64 counters as strings, zero values omitted).
 */
import { randomUUID } from 'node:crypto';
import { formatKumaTime, type JsonObject } from '../core/resources/index.js';
import { VERSION } from '../core/version.js';

interface Stats {
  responsesSent: number;
  responsesAcknowledged: number;
  responsesRejected: number;
}

const zero = (): Stats => ({ responsesSent: 0, responsesAcknowledged: 0, responsesRejected: 0 });

function statsJson(s: Stats): JsonObject {
  const out: JsonObject = {};
  if (s.responsesSent > 0) out['responsesSent'] = String(s.responsesSent);
  if (s.responsesAcknowledged > 0) out['responsesAcknowledged'] = String(s.responsesAcknowledged);
  if (s.responsesRejected > 0) out['responsesRejected'] = String(s.responsesRejected);
  return out;
}

/** At most this many distinct types are counted: a hostile zone cannot grow the insight without bound. */
const MAX_TYPES = 200;
/** A zone's effective config as JSON is a few KiB; keep at most this much of it. */
const MAX_CONFIG_CHARS = 256 * 1024;

/** What the zone says about itself on the first request of its global-to-zone stream. */
export interface ZoneNodeInfo {
  version: string;
  controlPlaneId: string;
  configJson: string;
}

/**
 * Kuma's DeploymentVersionCompatible: same major, minor within two of ours either way. Versions that
 * do not parse (dev builds) are assumed compatible, as in Kuma.
 */
export function versionCompatible(ours: string, theirs: string): boolean {
  const parse = (v: string): [number, number] | undefined => {
    const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(v.trim());
    return m === null ? undefined : [Number(m[1]), Number(m[2])];
  };
  const a = parse(ours);
  const b = parse(theirs);
  if (a === undefined || b === undefined) return true;
  return a[0] === b[0] && Math.abs(a[1] - b[1]) <= 2;
}

export class ZoneSubscription {
  readonly id = randomUUID();
  readonly connectTime: Date;
  disconnectTime: Date | undefined;
  private lastUpdateTime: Date;
  private node: ZoneNodeInfo | undefined;
  private readonly total = zero();
  private readonly perType = new Map<string, Stats>();

  constructor(
    readonly globalInstanceId: string,
    readonly authTokenProvided: boolean,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.connectTime = now();
    this.lastUpdateTime = this.connectTime;
  }

  /** Records the zone's node info; true the first time on this subscription. */
  nodeSeen(node: ZoneNodeInfo): boolean {
    const first = this.node === undefined;
    // Only the zone's word: cut to sane sizes so one zone cannot bloat the store.
    const configJson = node.configJson.length <= MAX_CONFIG_CHARS ? node.configJson : JSON.stringify({ note: `config of ${node.configJson.length} characters not stored (limit ${MAX_CONFIG_CHARS})` });
    this.node = { version: node.version.slice(0, 100), controlPlaneId: node.controlPlaneId.slice(0, 253), configJson };
    this.lastUpdateTime = this.now();
    return first;
  }

  private count(type: string, field: keyof Stats): void {
    this.total[field] += 1;
    let stats = this.perType.get(type);
    if (stats === undefined && this.perType.size < MAX_TYPES) {
      stats = zero();
      this.perType.set(type, stats);
    }
    if (stats !== undefined) stats[field] += 1;
    this.lastUpdateTime = this.now();
  }

  responseSent(type: string): void {
    this.count(type, 'responsesSent');
  }

  acknowledged(type: string): void {
    this.count(type, 'responsesAcknowledged');
  }

  rejected(type: string): void {
    this.count(type, 'responsesRejected');
  }

  disconnected(): void {
    this.disconnectTime ??= this.now();
  }

  get online(): boolean {
    return this.disconnectTime === undefined;
  }

  toJson(): JsonObject {
    const stat: JsonObject = {};
    for (const [type, s] of [...this.perType].sort(([a], [b]) => a.localeCompare(b))) stat[type] = statsJson(s);
    const out: JsonObject = {
      id: this.id,
      globalInstanceId: this.globalInstanceId,
      connectTime: formatKumaTime(this.connectTime),
    };
    if (this.node !== undefined && this.node.controlPlaneId !== '') out['zoneInstanceId'] = this.node.controlPlaneId;
    if (this.disconnectTime !== undefined) out['disconnectTime'] = formatKumaTime(this.disconnectTime);
    out['status'] = { lastUpdateTime: formatKumaTime(this.lastUpdateTime), total: statsJson(this.total), stat };
    const kumaCp: JsonObject = {};
    if (this.node !== undefined && this.node.version !== '') {
      kumaCp['version'] = this.node.version;
      kumaCp['kumaCpGlobalCompatible'] = versionCompatible(VERSION, this.node.version);
    }
    out['version'] = { kumaCp };
    if (this.node !== undefined && this.node.configJson !== '') out['config'] = this.node.configJson;
    if (this.authTokenProvided) out['authTokenProvided'] = true;
    return out;
  }
}
