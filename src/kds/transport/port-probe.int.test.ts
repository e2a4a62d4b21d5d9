import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer, createServer as createH2cServer } from 'node:http2';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { after, before, test } from 'node:test';
import { probePort } from './port-probe.js';
import { makeKdsPki, type KdsPki } from './testing/kds-fixture.js';

let pki: KdsPki;
let cert: { cert: Buffer; key: Buffer };
before(async () => {
  pki = await makeKdsPki();
  cert = { cert: await readFile(pki.server.certFile), key: await readFile(pki.server.keyFile) };
});
after(async () => {
  await pki.remove();
});

async function listening<T extends NetServer>(srv: T, fn: (port: number) => Promise<void>): Promise<void> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    await fn((srv.address() as AddressInfo).port);
  } finally {
    (srv as unknown as Server).closeAllConnections?.();
    await new Promise((r) => srv.close(r));
  }
}

const index = '{"hostname":"cp","tagline":"Kuma","version":"2.14.3"}';

test('tells TLS+HTTP/2, plaintext HTTP/2, HTTP/1.1 and kuma-cp API servers apart', async () => {
  await listening(createSecureServer(cert), async (port) => assert.deepEqual(await probePort('127.0.0.1', port), { kind: 'tls', alpn: 'h2' }));
  await listening(createH2cServer(), async (port) => assert.deepEqual(await probePort('127.0.0.1', port), { kind: 'h2c' }));
  await listening(createHttpServer((_q, r) => r.end(index)), async (port) => assert.deepEqual(await probePort('127.0.0.1', port), { kind: 'http1', tls: false, kumaApi: true }));
  await listening(createHttpsServer(cert, (_q, r) => r.end(index)), async (port) => assert.deepEqual(await probePort('127.0.0.1', port), { kind: 'http1', tls: true, kumaApi: true }));
  await listening(createHttpServer((_q, r) => r.end('hello')), async (port) => assert.deepEqual(await probePort('127.0.0.1', port), { kind: 'http1', tls: false, kumaApi: false }));
});

test('a closed port is unknown, quickly', async () => {
  const srv = createHttpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  assert.deepEqual(await probePort('127.0.0.1', port, 500), { kind: 'unknown' });
});
