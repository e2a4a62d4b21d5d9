/**
 * HTTP/2 keepalive (Kuma's gRPC keepalive: 15 s time, 15 s timeout), for the DP server's config
 * streams and both ends of KDS. A peer that vanished without closing TCP (power loss, partition) is
 * noticed within interval + timeout: its streams end (a proxy's Dataplane can be deregistered, a
 * zone shows offline and its name is free again).
 */
import type { Http2Session } from 'node:http2';

export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
}

/** Pings `session` every interval; destroys it when a ping is not answered in time. */
export function keepSessionAlive(session: Http2Session, opts: KeepaliveOptions): void {
  const timer = setInterval(() => {
    if (session.destroyed || session.closed) return clearInterval(timer);
    let answered = false;
    const deadline = setTimeout(() => {
      if (!answered) session.destroy(new Error(`HTTP/2 keepalive: no PING answer within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    deadline.unref();
    try {
      session.ping((err) => {
        answered = true;
        clearTimeout(deadline);
        if (err && !session.destroyed) session.destroy(err);
      });
    } catch {
      // Too many unanswered pings: the peer is not reading.
      clearTimeout(deadline);
      session.destroy();
    }
  }, opts.intervalMs);
  timer.unref();
  session.once('close', () => clearInterval(timer));
}
