/**
 * What actually listens on the global's address, asked only after a connection failed in a way the
 * error alone does not explain (Kuma's zones just log "transport is closing" in a loop). Two short
 * looks: a TLS handshake (any certificate accepted: nothing is sent but an HTTP/1.1 `GET /`), then a
 * plaintext `GET /`. The answers tell TLS from plaintext, HTTP/2 (gRPC) from HTTP/1.1, and recognise
 * kuma-cp's API server by its index document.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type ProbeResult =
  /** TLS with this ALPN choice ('h2': an HTTP/2 server, e.g. KDS or the DP server). */
  | { kind: 'tls'; alpn: string | false }
  /** HTTP/1.1 (over TLS or not); `kumaApi` when `GET /` answered kuma-cp's index. */
  | { kind: 'http1'; tls: boolean; kumaApi: boolean }
  /** Plaintext HTTP/2 (a gRPC server without TLS). */
  | { kind: 'h2c' }
  | { kind: 'unknown' };

function httpGet(host: string): string {
  const authority = isIP(host) === 6 ? `[${host}]` : host;
  return `GET / HTTP/1.1\r\nHost: ${authority}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`;
}

/** Collects what the peer sends until it closes, 16 KiB arrive, or the time is up. */
function firstBytes(socket: Socket, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= 16 * 1024) done();
    });
    socket.once('end', done);
    socket.once('close', done);
    socket.once('error', done);
  });
}

function classifyHttp(bytes: Buffer, tls: boolean): ProbeResult | undefined {
  const text = bytes.toString('latin1');
  if (text.startsWith('HTTP/1.')) return { kind: 'http1', tls, kumaApi: /"tagline"\s*:/.test(text) };
  // An HTTP/2 server speaks first: a SETTINGS frame (type 0x4 in the 4th byte of the frame header).
  if (!tls && bytes.length >= 9 && bytes[3] === 0x04) return { kind: 'h2c' };
  return undefined;
}

function tryTls(host: string, port: number, timeoutMs: number): Promise<ProbeResult | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, timeoutMs);
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const alpn = socket.alpnProtocol ?? false;
      if (alpn === 'h2') {
        socket.destroy();
        resolve({ kind: 'tls', alpn });
        return;
      }
      socket.write(httpGet(host));
      void firstBytes(socket, timeoutMs).then((bytes) => resolve(classifyHttp(bytes, true) ?? { kind: 'tls', alpn }));
    });
  });
}

function tryPlain(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ kind: 'unknown' });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.write(httpGet(host));
      void firstBytes(socket, timeoutMs).then((bytes) => resolve(classifyHttp(bytes, false) ?? { kind: 'unknown' }));
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve({ kind: 'unknown' });
    });
  });
}

export async function probePort(host: string, port: number, timeoutMs = 2000): Promise<ProbeResult> {
  return (await tryTls(host, port, timeoutMs)) ?? (await tryPlain(host, port, timeoutMs));
}
