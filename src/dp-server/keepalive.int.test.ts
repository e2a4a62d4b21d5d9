/**
 * A proxy that vanishes without closing its TCP connection (power loss, a partition) must not hold
 * its stream forever: the server's HTTP/2 PINGs go unanswered and the session is dropped within
 * interval + timeout. Simulated with a relay that, once the stream is up, silently stops forwarding.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { dataplaneTemplate, startFixture, StreamHandle } from './testing/dp-fixture.js';

function blackholeRelay(targetPort: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => cut || upstream.write(d));
    upstream.on('data', (d) => cut || client.write(d));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : 0,
        cut: () => (cut = true),
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

describe('config stream keepalive', () => {
  it('drops the stream of a proxy that stopped answering PINGs', async () => {
    const fx = await startFixture({ options: { keepaliveIntervalMs: 100, keepaliveTimeoutMs: 200 } });
    const relay = await blackholeRelay(fx.port);
    try {
      const token = await fx.issue({ mesh: 'default', name: 'ghost' });
      const s = new StreamHandle(relay.port, fx.cert.certPem, { authorization: token });
      s.hello('default.ghost', dataplaneTemplate('default', 'ghost'));
      await s.next();
      assert.equal(fx.server.streams, 1);
      relay.cut();
      const started = Date.now();
      while (fx.server.streams > 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(fx.server.streams, 0, 'the dead proxy still holds its stream');
      assert.ok(Date.now() - started < 2000, `dropped after ${Date.now() - started} ms`);
      s.abort();
    } finally {
      await relay.close();
      await fx.close();
    }
  });
});
