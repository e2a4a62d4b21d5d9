import { createHash } from 'node:crypto';
import type { KumaResource } from '../../gen/kuma/kds/v1/kds_pb.js';

// What the sender owes its peer for one type: the resources whose version the peer does not hold and
// the names it holds that no longer exist, cut into responses of bounded size.

/** One resource as the sender would put it on the wire. */
export interface WireEntry {
  /** `<name>.<mesh>` */
  name: string;
  version: string;
  wire: KumaResource;
  /** Estimated encoded size. */
  bytes: number;
}

export interface Chunk {
  upserts: WireEntry[];
  removed: string[];
  /** Not everything owed fitted: another response must follow. */
  more: boolean;
}

/** Fixed per-response overhead (type, nonce, version, flags), generously rounded. */
const RESPONSE_OVERHEAD = 512;

/**
 * The next response's content: upserts in `current` order while they fit in `maxBytes` (always at
 * least one, so a single large resource still goes out alone), then removals (only when
 * `includeRemovals`) while they fit. With `candidates`, only those wire names are looked at (the
 * caller knows nothing else changed), so a change costs the same whatever the size of the type.
 */
export function nextChunk(
  current: ReadonlyMap<string, WireEntry>,
  peer: ReadonlyMap<string, string>,
  opts: { includeRemovals: boolean; maxBytes: number; candidates?: Iterable<string> },
): Chunk {
  const upserts: WireEntry[] = [];
  const removed: string[] = [];
  let size = RESPONSE_OVERHEAD;
  let more = false;
  let gone: string[];
  if (opts.candidates === undefined) {
    for (const e of current.values()) {
      if (peer.get(e.name) === e.version) continue;
      if (upserts.length > 0 && size + e.bytes > opts.maxBytes) {
        more = true;
        break;
      }
      upserts.push(e);
      size += e.bytes;
    }
    gone = opts.includeRemovals ? [...peer.keys()].filter((n) => !current.has(n)) : [];
  } else {
    gone = [];
    for (const n of opts.candidates) {
      const e = current.get(n);
      if (e === undefined) {
        if (opts.includeRemovals && peer.has(n)) gone.push(n);
        continue;
      }
      if (more || peer.get(n) === e.version) continue;
      if (upserts.length > 0 && size + e.bytes > opts.maxBytes) {
        more = true;
        continue;
      }
      upserts.push(e);
      size += e.bytes;
    }
  }
  for (const n of gone.sort()) {
    const bytes = Buffer.byteLength(n) + 6;
    if ((upserts.length > 0 || removed.length > 0) && size + bytes > opts.maxBytes) {
      more = true;
      break;
    }
    removed.push(n);
    size += bytes;
  }
  return { upserts, removed, more };
}

/**
 * What the peer holds for one type (wire name -> version, '' = unknown, resend), with a digest of it
 * kept up to date on every change: the sum, lane by lane, of a hash per entry, so that it does not
 * depend on order and costs one hash per change instead of sorting and hashing the whole type for
 * every response.
 */
export class PeerState {
  private readonly map = new Map<string, string>();
  private readonly lanes = new Uint32Array(4);

  /** The entries, for reading (nextChunk). */
  get versions(): ReadonlyMap<string, string> {
    return this.map;
  }

  set(name: string, version: string): void {
    const before = this.map.get(name);
    if (before === version) return;
    if (before !== undefined) this.mix(name, before, -1);
    this.map.set(name, version);
    this.mix(name, version, 1);
  }

  delete(name: string): void {
    const before = this.map.get(name);
    if (before === undefined) return;
    this.map.delete(name);
    this.mix(name, before, -1);
  }

  clear(): void {
    this.map.clear();
    this.lanes.fill(0);
  }

  /** A digest of the names and versions held, sent as `system_version_info` (never empty). */
  version(): string {
    return `${this.map.size.toString(36)}-${[...this.lanes].map((l) => l.toString(36)).join('.')}`;
  }

  private mix(name: string, version: string, sign: 1 | -1): void {
    const d = createHash('sha256').update(name).update('=').update(version).digest();
    for (let i = 0; i < 4; i++) this.lanes[i] = ((this.lanes[i] ?? 0) + sign * d.readUInt32LE(i * 4)) >>> 0;
  }
}
