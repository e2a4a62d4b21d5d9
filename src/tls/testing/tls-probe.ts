/** Test support: a TLS server on 127.0.0.1:0 and a client probe reporting what was negotiated. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type ConnectionOptions, type Server, type TlsOptions } from 'node:tls';

export interface RunningServer {
  server: Server;
  port: number;
  /** Errors the server saw in handshakes (why it refused a client). */
  clientErrors: Error[];
  close: () => Promise<void>;
}

/** A TLS echo-less server: completes handshakes, writes "ok" and closes. */
export async function startServer(options: TlsOptions): Promise<RunningServer> {
  const clientErrors: Error[] = [];
  const server = createServer(options, (socket) => {
    socket.on('error', () => undefined);
    socket.end('ok');
  });
  server.on('tlsClientError', (err) => clientErrors.push(err));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    clientErrors,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}

export interface Probe {
  serialNumber: string;
  subjectaltname: string | undefined;
  cipher: string;
  protocol: string | null;
  data: string;
}

/** Connects, waits for the server's "ok" and reports the peer certificate and negotiated parameters. */
export function probe(port: number, options: ConnectionOptions = {}): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    let data = '';
    let result: Omit<Probe, 'data'> | undefined;
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      result = {
        serialNumber: cert.serialNumber,
        subjectaltname: cert.subjectaltname,
        cipher: socket.getCipher().name,
        protocol: socket.getProtocol(),
      };
    });
    socket.on('data', (d: string) => (data += d));
    socket.on('error', reject);
    socket.on('end', () => {
      socket.destroy();
      if (result === undefined || data !== 'ok') {
        // What an HTTP client reports when a server hangs up without answering (e.g. a Node server that
        // rejected the client certificate after a TLS 1.3 handshake, which sends no alert).
        reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      } else resolve({ ...result, data });
    });
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
