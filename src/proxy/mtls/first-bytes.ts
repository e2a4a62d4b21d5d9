/**
 * Reads a new connection's first bytes until they say what it is (the ClientHello parser decides),
 * then puts them back (unshift) and leaves the socket paused, so whoever handles it next, TLS or a
 * plain forward, sees the stream from its first byte.
 */
import type { Socket } from 'node:net';
import { sniffClientHello } from './client-hello.js';

export type FirstBytes =
  | { kind: 'tls'; alpn: readonly string[] }
  | { kind: 'not-tls' }
  /** Bytes that claim to be TLS but are no valid ClientHello, or a hello cut short by the client or the timeout. */
  | { kind: 'bad-tls'; reason: string }
  /** Nothing arrived before the timeout (a server-speaks-first protocol, or an idle client). */
  | { kind: 'silent' }
  /** The client closed without sending anything. */
  | { kind: 'closed' };

export function readFirstBytes(raw: Socket, timeoutMs: number, done: (r: FirstBytes) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const finish = (r: FirstBytes): void => {
    clearTimeout(timer);
    raw.off('data', onData);
    raw.off('end', onEnd);
    raw.pause();
    if (seen.length > 0 && r.kind !== 'closed') raw.unshift(seen);
    done(r);
  };
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const r = sniffClientHello(seen);
    if (r.kind === 'incomplete') return;
    if (r.kind === 'malformed') finish({ kind: 'bad-tls', reason: `not a valid TLS ClientHello (${r.reason})` });
    else finish(r.kind === 'tls' ? { kind: 'tls', alpn: r.alpn } : { kind: 'not-tls' });
  };
  const onEnd = (): void => {
    finish(seen.length === 0 ? { kind: 'closed' } : { kind: 'bad-tls', reason: 'the client closed the connection in the middle of its TLS ClientHello' });
  };
  const timer = setTimeout(() => {
    if (raw.destroyed) return;
    finish(seen.length === 0 ? { kind: 'silent' } : { kind: 'bad-tls', reason: `incomplete TLS ClientHello after ${timeoutMs} ms` });
  }, timeoutMs);
  raw.on('data', onData);
  raw.on('end', onEnd);
  raw.once('close', () => clearTimeout(timer));
  raw.resume();
}
