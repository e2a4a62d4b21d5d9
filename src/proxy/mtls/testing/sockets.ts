/** Test support: an echo application on 127.0.0.1:0 and small clients that report what happened. */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export interface EchoApp {
  port: number;
  server: Server;
  /** Connections the application accepted. */
  accepted: number;
  close(): Promise<void>;
}

/** Echoes every byte back and ends when the client ends (half-close aware). */
export async function startEcho(): Promise<EchoApp> {
  const sockets = new Set<Socket>();
  const app: EchoApp = {
    port: 0,
    server: createServer({ allowHalfOpen: true }, (s) => {
      app.accepted++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
      s.pipe(s);
    }),
    accepted: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => app.server.close(() => r()));
    },
  };
  app.server.listen(0, '127.0.0.1');
  await once(app.server, 'listening');
  app.port = (app.server.address() as AddressInfo).port;
  return app;
}

export interface Outcome {
  /** Everything received before the connection ended. */
  data: Buffer;
  /** 'end' (clean), or the error code/message. */
  how: string;
  ms: number;
}

/** Collects a socket's bytes until it ends or fails. */
export function collect(s: Socket, timeoutMs = 5000): Promise<Outcome> {
  const start = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (how: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ data: Buffer.concat(chunks), how, ms: Date.now() - start });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => finish('end'));
    s.on('close', () => finish('close'));
    s.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
  });
}

/** Plain TCP: sends `payload`, half-closes, returns what came back. */
export function tcpExchange(port: number, payload: Buffer | string, opts: { end?: boolean } = {}): Promise<Outcome> {
  const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  s.write(payload);
  if (opts.end !== false) s.end();
  return collect(s);
}

/** TLS: connects with `options`, sends `payload`, half-closes, returns what came back. */
export function tlsExchange(port: number, options: ConnectionOptions, payload: Buffer | string): Promise<Outcome & { socket: TLSSocket; peerFingerprint: string | undefined }> {
  // allowHalfOpen is a tls.connect option at runtime, missing from @types/node's ConnectionOptions.
  const s = tlsConnect({ host: '127.0.0.1', port, ...options, ...({ allowHalfOpen: true } as ConnectionOptions) });
  let peerFingerprint: string | undefined;
  s.on('secureConnect', () => {
    peerFingerprint = s.getPeerX509Certificate()?.fingerprint256;
    s.write(payload);
    s.end();
  });
  return collect(s).then((o) => ({ ...o, socket: s, peerFingerprint }));
}

/** Opens a plain connection and waits until `probe` echoes back, for tests holding a connection open. */
export async function openEchoing(port: number, probe = 'ping'): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  s.on('error', () => undefined);
  s.write(probe);
  await waitFor(s, probe);
  return s;
}

/** Resolves when `s` has received `text` (from now on); rejects when it closes first. */
export function waitFor(s: Socket, text: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = '';
    const cleanup = (): void => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', onClose);
    };
    const onData = (c: Buffer): void => {
      got += c.toString('latin1');
      if (got.includes(text)) {
        cleanup();
        resolve();
      }
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`connection closed before "${text}" arrived (got "${got}")`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`"${text}" did not arrive within ${timeoutMs} ms (got "${got}")`));
    }, timeoutMs);
    s.on('data', onData);
    s.once('close', onClose);
  });
}

/** Resolves true when the other side closed `s` (end or close), false after timeoutMs. */
export function closedWithin(s: Socket, timeoutMs: number): Promise<boolean> {
  if (s.destroyed || s.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    s.once('end', done);
    s.once('close', done);
    s.resume();
  });
}
