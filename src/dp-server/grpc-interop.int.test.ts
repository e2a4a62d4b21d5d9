import assert from 'node:assert/strict';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { DiscoveryRequestSchema, DiscoveryResponseSchema, ResourceKind, type DiscoveryResponse } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { CONFIG_STREAM_PATH } from './config-stream-call.js';
import { encodeMessage } from './grpc/framing.js';
import { Code, dataplaneTemplate, startFixture, type Fixture } from './testing/dp-fixture.js';
import { http2 } from './testing/http-clients.js';
import { RawGrpcCall, type CallStatus } from './testing/raw-grpc-call.js';
import { dataplaneOf } from './testing/payload.js';

type RequestInit = MessageInitShape<typeof DiscoveryRequestSchema>;
const encode = (r: RequestInit): Uint8Array => toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A config stream over our raw framing client, on its own HTTP/2 connection. */
class RawStream {
  readonly session: ClientHttp2Session;
  readonly call: RawGrpcCall;
  readonly received: DiscoveryResponse[] = [];
  readonly status: Promise<CallStatus>;

  constructor(fx: Fixture, metadata: Record<string, string>, path = CONFIG_STREAM_PATH) {
    this.session = http2Connect(`https://localhost:${fx.port}`, { ca: fx.cert.certPem });
    this.session.on('error', () => {});
    let settle!: (s: CallStatus) => void;
    this.status = new Promise((r) => (settle = r));
    this.call = new RawGrpcCall(this.session, { path, metadata }, {
      message: (payload) => this.received.push(fromBinary(DiscoveryResponseSchema, payload)),
      end: (s) => {
        settle(s);
        this.session.close();
      },
    });
  }

  send(r: RequestInit): void {
    this.call.write(encode(r));
  }

  hello(nodeId: string, template?: Record<string, unknown>): void {
    this.send({ nodeId, kind: ResourceKind.DATAPLANE, node: { dataplaneJson: template ? JSON.stringify(template) : '', proxyType: 'dataplane' } });
  }

  ack(r: DiscoveryResponse): void {
    this.send({ kind: r.kind, versionInfo: r.versionInfo, responseNonce: r.nonce });
  }

  /** The n-th response (1-based), waiting for it. */
  nth(n: number): Promise<DiscoveryResponse> {
    return eventually(() => this.received[n - 1]);
  }
}

describe('gRPC interop: our framing and the connect client against the DP server', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({ options: { streamMessageLimitBytes: 64 * 1024 } });
  });
  after(() => fx.close());

  it('a raw-framed client and the connect client both get their config, ACK, receive pushes and end with OK', async () => {
    const raw = new RawStream(fx, { authorization: await fx.issue({ mesh: 'default', name: 'raw-1' }) });
    raw.hello('default.raw-1', dataplaneTemplate('default', 'raw-1'));
    const conn = fx.openStream({ authorization: await fx.issue({ mesh: 'default', name: 'conn-1' }) });
    conn.hello('default.conn-1', dataplaneTemplate('default', 'conn-1'));

    const r1 = await raw.nth(1);
    assert.equal(r1.nonce, '1');
    assert.equal(r1.payload.case, 'dataplane');
    assert.equal(r1.payload.value?.desired?.address, '10.0.0.5');
    raw.ack(r1);
    const c1 = await conn.next();
    conn.ack(c1);

    const mesh = await fx.resources.get({ type: 'Mesh', mesh: '', name: 'default' });
    await fx.resources.update({ ...mesh, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } });
    try {
      const r2 = await raw.nth(2);
      assert.equal(r2.nonce, '2');
      assert.equal(dataplaneOf(r2)?.mesh?.mtlsEnabled, true);
      assert.equal(dataplaneOf(await conn.next())?.mesh?.mtlsEnabled, true);
      raw.ack(r2);
    } finally {
      const m = await fx.resources.get({ type: 'Mesh', mesh: '', name: 'default' });
      await fx.resources.update({ ...m, spec: {} });
    }

    raw.call.halfClose();
    const status = await raw.status;
    assert.equal(status.code, 0);
    assert.equal(status.trailersOnly, false, 'messages went out, so the status is in the trailers');
    assert.equal(status.httpStatus, 200);
    assert.equal(status.headers['content-type'], 'application/grpc');
    conn.end();
    assert.equal(await conn.done, undefined);
  });

  it('requests split into tiny DATA chunks and requests packed into one chunk are all read, in order', async () => {
    const raw = new RawStream(fx, { authorization: await fx.issue({ mesh: 'default', name: 'split-1' }) });
    const hello = encodeMessage(encode({ nodeId: 'default.split-1', kind: ResourceKind.DATAPLANE, node: { dataplaneJson: JSON.stringify(dataplaneTemplate('default', 'split-1')) } }));
    for (let at = 0; at < hello.length; at += 7) {
      raw.call.writeRaw(hello.subarray(at, at + 7));
      await new Promise((r) => setImmediate(r));
    }
    const r1 = await raw.nth(1);
    // An ACK and a new subscription in one write: the subscription is answered (forced) after the ACK.
    raw.call.writeRaw(Buffer.concat([encodeMessage(encode({ kind: r1.kind, versionInfo: r1.versionInfo, responseNonce: r1.nonce })), encodeMessage(encode({ kind: ResourceKind.DATAPLANE }))]));
    const r2 = await raw.nth(2);
    assert.equal(r2.nonce, '2');
    assert.equal(r2.versionInfo, r1.versionInfo);
    raw.call.halfClose();
    assert.equal((await raw.status).code, 0);
  });

  it('refusals come as trailers-only statuses: oversize, compressed, unknown method or service, and a status in the middle of a message', async () => {
    const cases: [string, Record<string, string>, Uint8Array | undefined, number, string][] = [
      [CONFIG_STREAM_PATH, {}, Buffer.from([0, 0, 1, 0x86, 0xa0]), Code.ResourceExhausted, 'grpc: received message larger than max (100000 vs. 65536)'],
      [CONFIG_STREAM_PATH, {}, Buffer.from([1, 0, 0, 0, 1, 0]), Code.Internal, 'grpc: compressed flag set with identity or empty encoding'],
      [CONFIG_STREAM_PATH, { 'grpc-encoding': 'gzip' }, Buffer.from([1, 0, 0, 0, 1, 0]), Code.Unimplemented, 'grpc: Decompressor is not installed for grpc-encoding "gzip"'],
      [CONFIG_STREAM_PATH, {}, Buffer.from([0, 0, 0, 0, 2, 0xff, 0xff]), Code.Internal, 'grpc: failed to unmarshal the received message: '],
      [CONFIG_STREAM_PATH, { 'grpc-timeout': 'soon' }, undefined, Code.Internal, 'malformed grpc-timeout: "soon" is not 1 to 8 digits followed by one of H M S m u n'],
      ['/kuma.dp.v1.ConfigService/Nope', {}, undefined, Code.Unimplemented, 'unknown method Nope for service kuma.dp.v1.ConfigService'],
      ['/other.v1.Service/Call', {}, undefined, Code.Unimplemented, 'unknown service other.v1.Service'],
    ];
    for (const [path, metadata, bytes, code, text] of cases) {
      const raw = new RawStream(fx, metadata, path);
      if (bytes) raw.call.writeRaw(bytes);
      const status = await raw.status;
      assert.equal(status.code, code, text);
      assert.ok(status.message.startsWith(text), `${status.message} should start with ${text}`);
      assert.equal(status.trailersOnly, true, text);
      assert.equal(raw.received.length, 0);
    }

    // The stream ends (END_STREAM) three bytes into a five-byte message.
    const cut = new RawStream(fx, {});
    cut.call.writeRaw(Buffer.from([0, 0, 0, 0, 5, 1, 2, 3]));
    cut.call.halfClose();
    const status = await cut.status;
    assert.equal(status.code, Code.Internal);
    assert.match(status.message, /ended in the middle of a message/);

    const get = await http2({ port: fx.port, ca: fx.cert.certPem, method: 'GET', path: CONFIG_STREAM_PATH, headers: { 'content-type': 'application/grpc' } });
    assert.equal(get.status, 405);
    assert.equal(get.headers['allow'], 'POST');
  });

  it('grpc-message is percent-encoded on the wire; both clients read the text back', async () => {
    const token = await fx.issue({ mesh: 'default' });
    const expected = 'resource "default.grüße-100%" not found; create a Dataplane in Kuma CP first or pass it as an argument to kuma-dp';
    const raw = new RawStream(fx, { authorization: token });
    raw.hello('default.grüße-100%');
    const status = await raw.status;
    assert.equal(status.code, Code.NotFound);
    assert.equal(status.wireMessage, 'resource "default.gr%C3%BC%C3%9Fe-100%25" not found; create a Dataplane in Kuma CP first or pass it as an argument to kuma-dp');
    assert.equal(status.message, expected);
    const conn = fx.openStream({ authorization: token });
    conn.hello('default.grüße-100%');
    const err = await conn.error();
    assert.equal(err.code, Code.NotFound);
    assert.equal(err.rawMessage, expected);
  });

  it('a client that resets its stream releases it on the server', async () => {
    const before_ = fx.server.streams;
    const raw = new RawStream(fx, { authorization: await fx.issue({ mesh: 'default', name: 'reset-1' }) });
    raw.hello('default.reset-1', dataplaneTemplate('default', 'reset-1'));
    await raw.nth(1);
    assert.equal(fx.server.streams, before_ + 1);
    raw.call.cancel();
    await eventually(() => (fx.server.streams === before_ ? true : undefined));
  });

  it('a proxy that stops reading is not sent every version it missed, only the latest once it reads again', async () => {
    await fx.resources.create({ type: 'Mesh', meta: { mesh: '', name: 'slow' }, spec: {} });
    // ~40 KB per response: a few fill the HTTP/2 window and the stream buffer.
    const inbound = Array.from({ length: 150 }, (_, i) => ({ port: 10_000 + i, servicePort: 20_000 + i, tags: { 'kuma.io/service': 'web', padding: 'x'.repeat(120) } }));
    const template = dataplaneTemplate('slow', 'reader', 'web', { networking: { address: '10.0.0.9', inbound } });
    const raw = new RawStream(fx, { authorization: await fx.issue({ mesh: 'slow', name: 'reader' }) });
    raw.hello('slow.reader', template);
    const r1 = await raw.nth(1);
    assert.ok(toBinary(DiscoveryResponseSchema, r1).length > 30_000);
    raw.ack(r1);
    raw.call.pauseReading();
    const changes = 21;
    for (let i = 1; i <= changes; i++) {
      const mesh = await fx.resources.get({ type: 'Mesh', mesh: '', name: 'slow' });
      await fx.resources.update({ ...mesh, spec: i % 2 === 1 ? { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } : {} });
      await sleep(10);
    }
    // An odd count: mTLS ends enabled.
    raw.call.resumeReading();
    // Until no more responses come.
    let seen = -1;
    await eventually(async () => {
      if (raw.received.length === seen) return true;
      seen = raw.received.length;
      await sleep(300);
      return undefined;
    });
    assert.ok(raw.received.length < changes / 2, `${raw.received.length} responses for ${changes} changes`);
    assert.equal(dataplaneOf(raw.received.at(-1))?.mesh?.mtlsEnabled, true, 'the last response has the latest state');
    const nonces = raw.received.map((r) => Number(r.nonce));
    assert.deepEqual(nonces, [...nonces].sort((a, b) => a - b));
    raw.call.cancel();
  });
});
