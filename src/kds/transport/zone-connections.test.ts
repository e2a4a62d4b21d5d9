import assert from 'node:assert/strict';
import { connect, createServer, type ClientHttp2Session, type Http2Server, type Http2Session } from 'node:http2';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { Code } from '@connectrpc/connect';
import { ZoneConnections } from './zone-connections.js';

// Real HTTP/2 sessions (server side of loopback h2c connections): PINGs and closes are real.
let server: Http2Server;
let port: number;
const incoming: Http2Session[] = [];
const clients: ClientHttp2Session[] = [];
before(async () => {
  server = createServer();
  server.on('session', (s) => incoming.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  for (const c of clients) c.destroy();
  await new Promise((r) => server.close(r));
});

/**
 * A new connection through a small TCP relay; resolves with the server's end of it, the client, and
 * `freeze()`, which stops relaying (the client then never answers a PING, like a vanished peer).
 */
async function session(): Promise<{ server: Http2Session; client: ClientHttp2Session; freeze: () => void }> {
  const before = incoming.length;
  let frozen = false;
  const client = connect(`http://127.0.0.1:${port}`, {
    createConnection: () => {
      const [near, far] = [new PassThrough(), netConnect(port, '127.0.0.1')];
      const duplex = Duplex.from({ readable: far, writable: near });
      near.on('data', (c: Buffer) => frozen || far.write(c));
      return duplex as unknown as Socket;
    },
  });
  client.on('error', () => {});
  clients.push(client);
  await new Promise((r) => client.once('connect', r));
  while (incoming.length === before) await new Promise((r) => setTimeout(r, 2));
  return { server: incoming[incoming.length - 1] as Http2Session, client, freeze: () => (frozen = true) };
}

test('the first connection claims the zone; its second stream joins; a duplicate stream kind is refused', async () => {
  const zc = new ZoneConnections();
  const a = await session();
  const first = await zc.claim('z1', 'globalToZone', a.server, 'A');
  assert.equal(first.kind, 'claimed');
  assert.equal(first.kind === 'claimed' && first.isNew, true);
  const second = await zc.claim('z1', 'zoneToGlobal', a.server, 'A');
  assert.equal(second.kind === 'claimed' && second.isNew, false);
  const dup = await zc.claim('z1', 'zoneToGlobal', a.server, 'A');
  assert.equal(dup.kind, 'refused');
  assert.equal(dup.kind === 'refused' && dup.error.grpcCode, Code.AlreadyExists);
  const otherZone = await zc.claim('z2', 'globalToZone', a.server, 'A');
  assert.equal(otherZone.kind === 'refused' && otherZone.error.grpcCode, Code.InvalidArgument, 'one connection speaks for one zone');
  assert.equal(first.kind === 'claimed' && zc.streamEnded(first.connection, 'globalToZone'), false);
  assert.equal(first.kind === 'claimed' && zc.streamEnded(first.connection, 'zoneToGlobal'), true);
  assert.equal(zc.get('z1'), undefined);
});

test('a live connection keeps its zone; a dead one (no PING answer) is replaced', async () => {
  const zc = new ZoneConnections({ probeTimeoutMs: 200 });
  const a = await session();
  const b = await session();
  const claimA = await zc.claim('z', 'globalToZone', a.server, 'A');
  assert.equal(claimA.kind, 'claimed');
  const refused = await zc.claim('z', 'globalToZone', b.server, 'B');
  assert.equal(refused.kind, 'refused');
  assert.equal(refused.kind === 'refused' && refused.holder.address, 'A');
  assert.match(refused.kind === 'refused' ? refused.error.message : '', /already connected .* two zone control planes claim the same zone name/);

  // A stops answering: its client's socket is paused, so PINGs go unanswered.
  a.freeze();
  const taken = await zc.claim('z', 'globalToZone', b.server, 'B');
  assert.equal(taken.kind, 'claimed');
  assert.equal(taken.kind === 'claimed' && taken.replaced?.address, 'A');
  assert.equal(claimA.kind === 'claimed' && claimA.connection.abort.signal.aborted, true, 'the old streams are told to end');
  assert.equal(zc.get('z')?.address, 'B');
});

test('a closed session frees the zone at once', async () => {
  const zc = new ZoneConnections();
  const a = await session();
  const claim = await zc.claim('z', 'globalToZone', a.server, 'A');
  a.client.destroy();
  await new Promise((r) => a.server.once('close', r));
  assert.equal(zc.get('z'), undefined);
  assert.equal(claim.kind === 'claimed' && claim.connection.abort.signal.aborted, true);
});
