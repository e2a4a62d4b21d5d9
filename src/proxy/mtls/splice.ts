/**
 * Joins two sockets both ways. pipe() gives backpressure and forwards a half-close (FIN or TLS
 * close_notify) as end(), so the other direction keeps flowing until it ends too (both sockets must
 * allow half-open). When one side closes, the other is flushed and closed; when it closes on an
 * error (reset, TLS failure), the other is destroyed at once.
 */
import type { Socket } from 'node:net';

export function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  follow(a, b);
  follow(b, a);
}

function follow(from: Socket, to: Socket): void {
  from.once('close', (hadError: boolean) => {
    if (to.destroyed) return;
    if (hadError || !from.readableEnded) to.destroy();
    else to.destroySoon();
  });
}
