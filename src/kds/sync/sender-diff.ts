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
 * `includeRemovals`) while they fit.
 */
export function nextChunk(
  current: ReadonlyMap<string, WireEntry>,
  peer: ReadonlyMap<string, string>,
  opts: { includeRemovals: boolean; maxBytes: number },
): Chunk {
  const upserts: WireEntry[] = [];
  const removed: string[] = [];
  let size = RESPONSE_OVERHEAD;
  let more = false;
  for (const e of current.values()) {
    if (peer.get(e.name) === e.version) continue;
    if (upserts.length > 0 && size + e.bytes > opts.maxBytes) {
      more = true;
      break;
    }
    upserts.push(e);
    size += e.bytes;
  }
  if (opts.includeRemovals) {
    const gone = [...peer.keys()].filter((n) => !current.has(n)).sort();
    for (const n of gone) {
      const bytes = Buffer.byteLength(n) + 4;
      if ((upserts.length > 0 || removed.length > 0) && size + bytes > opts.maxBytes) {
        more = true;
        break;
      }
      removed.push(n);
      size += bytes;
    }
  }
  return { upserts, removed, more };
}

/** A digest of what the peer holds (names and versions), sent as `system_version_info`. */
export function stateVersion(peer: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  for (const n of [...peer.keys()].sort()) h.update(n).update('=').update(peer.get(n) ?? '').update('\n');
  return h.digest('base64url').slice(0, 22);
}
