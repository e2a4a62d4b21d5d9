import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { connect } from 'node:tls';
import { KUMA_ALPN, sniffClientHello } from './client-hello.js';

/** The first bytes a real node:tls client sends. */
async function realHello(opts: { alpn?: string[]; servername?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' }): Promise<Buffer> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        const all = Buffer.concat(chunks);
        if (all.length >= 5 && all.length >= 5 + all.readUInt16BE(3)) {
          s.destroy();
          resolve(all);
        }
      });
    });
  });
  const c = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}), ...(opts.servername ? { servername: opts.servername } : {}), ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}) });
  c.on('error', () => undefined);
  const hello = await got;
  c.destroy();
  server.close();
  return hello;
}

/** Splits one handshake record into two records (a ClientHello may span several). */
function splitRecord(hello: Buffer, at: number): Buffer {
  const body = hello.subarray(5);
  const rec = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0x16, 0x03, 0x01, b.length >> 8, b.length & 0xff]), b]);
  return Buffer.concat([rec(body.subarray(0, at)), rec(body.subarray(at))]);
}

describe('sniffClientHello', () => {
  it('reads ALPN and SNI from a real ClientHello', async () => {
    const hello = await realHello({ alpn: [KUMA_ALPN], servername: 'backend{mesh=default}' });
    const r = sniffClientHello(hello);
    assert.equal(r.kind, 'tls');
    if (r.kind !== 'tls') return;
    assert.deepEqual(r.alpn, ['kuma']);
    assert.equal(r.sni, 'backend{mesh=default}');
    assert.ok(r.supportedVersions.includes(0x0304));
  });

  it('sees a ClientHello without ALPN (the application\'s own TLS)', async () => {
    const r = sniffClientHello(await realHello({ servername: 'example.com' }));
    assert.equal(r.kind, 'tls');
    if (r.kind === 'tls') assert.deepEqual(r.alpn, []);
  });

  it('says incomplete for every prefix of a ClientHello, and reassembles one split over two records', async () => {
    const hello = await realHello({ alpn: ['h2', KUMA_ALPN] });
    for (let n = 1; n < hello.length; n += 7) assert.equal(sniffClientHello(hello.subarray(0, n)).kind, 'incomplete', `prefix of ${n} bytes`);
    const split = splitRecord(hello, 40);
    for (let n = 1; n < split.length; n += 11) assert.equal(sniffClientHello(split.subarray(0, n)).kind, 'incomplete');
    const r = sniffClientHello(split);
    assert.equal(r.kind, 'tls');
    if (r.kind === 'tls') assert.deepEqual(r.alpn, ['h2', 'kuma']);
  });

  it('calls plaintext plaintext from the first byte', () => {
    assert.equal(sniffClientHello(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'not-tls');
    assert.equal(sniffClientHello(Buffer.from([0x16, 0x41])).kind, 'not-tls');
    assert.equal(sniffClientHello(Buffer.alloc(0)).kind, 'incomplete');
  });

  it('calls malformed what claims to be TLS but is not a ClientHello', async () => {
    const hello = await realHello({ alpn: [KUMA_ALPN] });
    const notHello = Buffer.from(hello);
    notHello[5] = 2; // ServerHello
    assert.equal(sniffClientHello(notHello).kind, 'malformed');
    const badLength = Buffer.from(hello);
    badLength.writeUInt16BE(0, 3);
    assert.equal(sniffClientHello(badLength).kind, 'malformed');
    const lying = Buffer.from(hello);
    lying[5 + 4 + 2 + 32] = 200; // session id length runs past the end
    assert.equal(sniffClientHello(lying).kind, 'malformed');
    // Random bytes behind a TLS record header never crash and never hang.
    for (let i = 0; i < 500; i++) {
      const junk = Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), Buffer.from(Array.from({ length: 2 + (i % 300) }, () => Math.floor(Math.random() * 256)))]);
      assert.ok(['malformed', 'incomplete', 'tls'].includes(sniffClientHello(junk).kind));
    }
  });

  it('refuses an absurdly large hello', () => {
    const head = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0xff, 0xff, 0xff]);
    assert.equal(sniffClientHello(Buffer.concat([head, Buffer.alloc(0x4000 - 4)])).kind, 'malformed');
  });
});
