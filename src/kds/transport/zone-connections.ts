/**
 * The zones connected to this global instance: one connection (HTTP/2 session) per zone, carrying at
 * most one stream of each kind. A second connection that claims a zone while the first is alive is
 * refused: two zone control planes with the same `multizone.zone.name` (a copy-pasted config, or a
 * zone impersonating another) would otherwise overwrite each other's resources on the global. "Alive"
 * is checked, not assumed: the old connection gets an HTTP/2 PING, and one that does not answer in
 * time (a zone CP that crashed or lost its network without closing TCP) is dropped and the newcomer
 * takes over, so a restarted zone does not wait for keepalive to notice.
 */
import type { Http2Session } from 'node:http2';
import { Code } from '@connectrpc/connect';
import { KdsStatusError } from './kds-errors.js';

export type StreamKind = 'globalToZone' | 'zoneToGlobal';

export interface ZoneConnection {
  readonly zone: string;
  readonly session: Http2Session;
  readonly address: string;
  readonly since: Date;
  readonly streams: Set<StreamKind>;
  /** Aborted to end every stream of this connection (zone disabled, replaced, server stopping). */
  readonly abort: AbortController;
}

export type ClaimResult =
  | { kind: 'claimed'; connection: ZoneConnection; isNew: boolean; replaced?: ZoneConnection }
  | { kind: 'refused'; error: KdsStatusError; holder: ZoneConnection };

export interface ZoneConnectionsOptions {
  /** How long the old connection has to answer a PING before a newcomer replaces it (5 s). */
  probeTimeoutMs?: number;
}

/** Resolves true when `session` answers a PING within `timeoutMs`. */
export function answersPing(session: Http2Session, timeoutMs: number): Promise<boolean> {
  if (session.destroyed || session.closed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
    try {
      session.ping((err) => {
        clearTimeout(timer);
        resolve(err === null);
      });
    } catch {
      clearTimeout(timer);
      resolve(false);
    }
  });
}

export class ZoneConnections {
  private readonly byZone = new Map<string, ZoneConnection>();
  private readonly zoneOfSession = new WeakMap<Http2Session, string>();
  /** Claims for one zone run one at a time (a claim may wait for a PING). */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: ZoneConnectionsOptions = {}) {}

  get size(): number {
    return this.byZone.size;
  }

  get(zone: string): ZoneConnection | undefined {
    return this.byZone.get(zone);
  }

  all(): ZoneConnection[] {
    return [...this.byZone.values()];
  }

  /** Claims `kind` on `zone` for the stream arriving on `session`. */
  claim(zone: string, kind: StreamKind, session: Http2Session, address: string): Promise<ClaimResult> {
    const run = (this.locks.get(zone) ?? Promise.resolve()).then(() => this.claimNow(zone, kind, session, address));
    const tail = run.catch(() => undefined);
    this.locks.set(zone, tail);
    void tail.then(() => {
      if (this.locks.get(zone) === tail) this.locks.delete(zone);
    });
    return run;
  }

  private async claimNow(zone: string, kind: StreamKind, session: Http2Session, address: string): Promise<ClaimResult> {
    const spokenFor = this.zoneOfSession.get(session);
    if (spokenFor !== undefined && spokenFor !== zone) {
      return {
        kind: 'refused',
        holder: this.byZone.get(spokenFor) as ZoneConnection,
        error: new KdsStatusError(Code.InvalidArgument, 'ERR_KDS_ONE_ZONE_PER_CONNECTION', `this connection already speaks for zone ${JSON.stringify(spokenFor)}; one connection serves one zone`),
      };
    }
    let replaced: ZoneConnection | undefined;
    const holder = this.byZone.get(zone);
    if (holder !== undefined && holder.session === session) {
      if (holder.streams.has(kind)) {
        return {
          kind: 'refused',
          holder,
          error: new KdsStatusError(Code.AlreadyExists, 'ERR_KDS_DUPLICATE_STREAM', `zone ${JSON.stringify(zone)} already has a ${kind} stream on this connection; a zone opens one of each`),
        };
      }
      holder.streams.add(kind);
      return { kind: 'claimed', connection: holder, isNew: false };
    }
    if (holder !== undefined) {
      if (await answersPing(holder.session, this.opts.probeTimeoutMs ?? 5000)) {
        return {
          kind: 'refused',
          holder,
          error: new KdsStatusError(
            Code.AlreadyExists,
            'ERR_KDS_ZONE_ALREADY_CONNECTED',
            `zone ${JSON.stringify(zone)} is already connected to this global control plane from another address (since ${holder.since.toISOString()}); two zone control planes claim the same zone name: give each zone a unique multizone.zone.name (KUMA_MULTIZONE_ZONE_NAME), or stop the other one. This one retries`,
          ),
        };
      }
      replaced = holder;
      this.release(holder);
      holder.abort.abort(new KdsStatusError(Code.Unavailable, 'ERR_KDS_REPLACED', `zone ${JSON.stringify(zone)} reconnected from ${address}; this connection did not answer a PING and was replaced`));
      holder.session.destroy();
    }
    const connection: ZoneConnection = { zone, session, address, since: new Date(), streams: new Set([kind]), abort: new AbortController() };
    this.byZone.set(zone, connection);
    this.zoneOfSession.set(session, zone);
    session.once('close', () => {
      connection.abort.abort(new KdsStatusError(Code.Unavailable, 'ERR_KDS_CONNECTION_CLOSED', 'the connection closed'));
      this.release(connection);
    });
    return replaced === undefined ? { kind: 'claimed', connection, isNew: true } : { kind: 'claimed', connection, isNew: true, replaced };
  }

  /**
   * `kind` on `connection` ended. Returns true when that was its last stream: the connection no
   * longer holds the zone (the zone's next connection may claim it).
   */
  streamEnded(connection: ZoneConnection, kind: StreamKind): boolean {
    connection.streams.delete(kind);
    if (connection.streams.size > 0) return false;
    this.release(connection);
    return true;
  }

  private release(connection: ZoneConnection): void {
    if (this.byZone.get(connection.zone) === connection) this.byZone.delete(connection.zone);
  }
}
