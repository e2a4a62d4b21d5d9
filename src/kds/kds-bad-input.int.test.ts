/**
 * Hostile or mistaken input on the KDS port and from the global: missing or bad client-id, repeated
 * authorization values, messages over maxMsgSize both ways, garbage bytes, a non-KDS server where the
 * global should be, and a zone that reconnects after the global restarts.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createSecureServer } from 'node:http2';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer as createHttpServer } from 'node:http';
import { connect as netConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createGrpcTransport } from '@connectrpc/connect-node';
import { create, toBinary } from '@bufbuild/protobuf';
import { DeltaDiscoveryRequestSchema, KDSSyncService } from '../gen/kuma/kds/v1/kds_pb.js';
import { fakeGlobalSync, fakeZoneSync, newRecord } from './transport/testing/fake-sync.js';
import { firstFailure, makeKdsPki, startGlobal, startZone, waitFor, type KdsPki, type RunningGlobal } from './transport/testing/kds-fixture.js';

const run = promisify(execFile);

let pki: KdsPki;
let global: RunningGlobal;
let caPem: string;
before(async () => {
  pki = await makeKdsPki();
  caPem = await readFile(pki.ca.certFile, 'utf8');
  global = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()), auth: 'zoneToken' });
});
after(async () => {
  await global.stop();
  await pki.remove();
});

/** One GlobalToZoneSync call with `headers`; resolves with its final error. */
async function callWith(headers: Record<string, string>): Promise<ConnectError> {
  const transport = createGrpcTransport({ baseUrl: `https://localhost:${global.port}`, nodeOptions: { ca: caPem } });
  const client = createClient(KDSSyncService, transport);
  async function* requests() {
    yield { typeUrl: 'Mesh' };
    await new Promise((r) => setTimeout(r, 2000));
  }
  try {
    for await (const _ of client.globalToZoneSync(requests(), { headers, timeoutMs: 3000 })) {
      // nothing is expected
    }
    assert.fail('the stream should have been refused');
  } catch (err) {
    return ConnectError.from(err);
  }
}

describe('metadata', () => {
  test('no client-id: INVALID_ARGUMENT saying what a zone sends', async () => {
    const err = await callWith({});
    assert.equal(err.code, Code.InvalidArgument);
    assert.match(err.rawMessage, /"client-id" is not present in metadata: a zone control plane sends its zone name \(multizone\.zone\.name\)/);
  });

  test('a client-id that is not a zone name (a forged log line, say) is refused and printed safely', async () => {
    const err = await callWith({ 'client-id': 'Zone 1\tfake=1' });
    assert.equal(err.code, Code.InvalidArgument);
    assert.match(err.rawMessage, /client-id "Zone 1\\tfake=1" is not a valid zone name: a DNS-1035 label/);
  });

  test('two authorization values are refused before any token is looked at (curl sends what node:http2 will not)', async () => {
    const token = await global.issueToken({ zone: 'zone-1', scope: ['cp'] });
    const body = join(pki.dir, 'two-auth.bin');
    const payload = toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, { typeUrl: 'Mesh' }));
    const head = Buffer.alloc(5);
    head.writeUInt32BE(payload.length, 1);
    await writeFile(body, Buffer.concat([head, payload]));
    // curl may exit 92 when the server resets the stream right after the trailers; the answer is complete.
    const { stdout } = await run('curl', [
      '-sS', '--http2', '--max-time', '5', '--cacert', pki.ca.certFile,
      '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-H', 'client-id: zone-1',
      '-H', `authorization: ${token}`, '-H', `authorization: ${token}`,
      '--data-binary', `@${body}`, '-D', '-', '-o', '/dev/null',
      `https://localhost:${global.port}/kuma.kds.v1.KDSSyncService/GlobalToZoneSync`,
    ]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    assert.match(stdout, new RegExp(`grpc-status: ${Code.Unauthenticated}`));
    assert.match(decodeURIComponent(stdout), /exactly 1 "authorization" metadata value, got 2/);
  });
});

describe('garbage on the port', () => {
  test('random bytes over TCP and over TLS do not disturb the server; a zone connects afterwards', async () => {
    await new Promise<void>((resolve) => {
      const s = netConnect(global.port, '127.0.0.1', () => s.end(randomBytes(4096)));
      s.resume();
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    await new Promise<void>((resolve) => {
      const s = tlsConnect({ port: global.port, host: '127.0.0.1', ca: caPem, servername: 'localhost', ALPNProtocols: ['h2'] }, () => s.end(randomBytes(4096)));
      s.resume();
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const rec = newRecord();
    const zone = await startZone({ zone: 'after-garbage', address: `grpcs://localhost:${global.port}`, rootCaFile: pki.ca.certFile, token: await global.issueToken({ zone: 'after-garbage', scope: ['cp'] }), sync: fakeZoneSync(rec, 'after-garbage') });
    try {
      await waitFor(() => zone.client.status.connected, 'the zone to connect');
    } finally {
      await zone.stop();
    }
  });
});

describe('maxMsgSize', () => {
  test('a zone message over the global limit: RESOURCE_EXHAUSTED naming the setting, logged on both sides', async () => {
    const g = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()), maxMsgSize: 64 * 1024 });
    const zone = await startZone({ zone: 'big', address: `grpcs://localhost:${g.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'big', { padBytes: 100 * 1024 }) });
    try {
      const why = await firstFailure(zone);
      assert.match(why, /larger than the global's maxMsgSize \(65536 bytes\)/);
      assert.match(why, /multizone\.global\.kds\.maxMsgSize/);
      assert.ok(g.logs.some((l) => l.msg === 'KDS stream ended with an error' && l.fields['code'] === 'ResourceExhausted' && l.fields['zone'] === 'big'));
    } finally {
      await zone.stop();
      await g.stop();
    }
  });

  test('a global message over its own limit is refused by the global before it is sent', async () => {
    const g = await startGlobal({ pki, sync: fakeGlobalSync(newRecord(), { padBytes: 100 * 1024 }), maxMsgSize: 64 * 1024 });
    const zone = await startZone({ zone: 'big', address: `grpcs://localhost:${g.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'big') });
    try {
      assert.match(await firstFailure(zone), /is \d+ bytes, more than maxMsgSize \(65536\); raise multizone\.global\.kds\.maxMsgSize/);
    } finally {
      await zone.stop();
      await g.stop();
    }
  });

  test("a global message over the zone's limit: the zone says to raise its own setting", async () => {
    const g = await startGlobal({ pki, sync: fakeGlobalSync(newRecord(), { padBytes: 100 * 1024 }) });
    const zone = await startZone({ zone: 'small', address: `grpcs://localhost:${g.port}`, rootCaFile: pki.ca.certFile, maxMsgSize: 64 * 1024, sync: fakeZoneSync(newRecord(), 'small') });
    try {
      assert.match(await firstFailure(zone), /the global sent a message larger than multizone\.zone\.kds\.maxMsgSize \(65536 bytes\); raise KUMA_MULTIZONE_ZONE_KDS_MAX_MSG_SIZE/);
    } finally {
      await zone.stop();
      await g.stop();
    }
  });
});

describe('not a KDS server', () => {
  test("kuma-cp's API port (plain HTTP/1.1) is recognised", async () => {
    const api = createHttpServer((_req, res) => res.end('{"hostname":"cp","tagline":"Kuma","version":"2.14.3"}'));
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const port = (api.address() as { port: number }).port;
    const zone = await startZone({ zone: 'zone-1', address: `grpc://127.0.0.1:${port}`, sync: fakeZoneSync(newRecord(), 'zone-1') });
    try {
      assert.match(await firstFailure(zone), new RegExp(`127\\.0\\.0\\.1:${port} is kuma-cp's API server \\(HTTP\\), not KDS; point multizone\\.zone\\.globalAddress`));
    } finally {
      await zone.stop();
      await new Promise((r) => api.close(r));
    }
  });

  test('a gRPC server without KDS (e.g. the DP server port) answers UNIMPLEMENTED, and the zone says which port to use', async () => {
    const other = createSecureServer({ cert: await readFile(pki.server.certFile), key: await readFile(pki.server.keyFile) }, connectNodeAdapter({ routes: () => {} }));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as { port: number }).port;
    const zone = await startZone({ zone: 'zone-1', address: `grpcs://localhost:${port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'zone-1') });
    try {
      assert.match(await firstFailure(zone), /answers gRPC but has no KDS service .*multizone\.global\.kds\.grpcPort/);
    } finally {
      await zone.stop();
      await new Promise((r) => other.close(r));
    }
  });
});

describe('reconnect', () => {
  test('the zone reconnects after the global restarts on the same port', async () => {
    const first = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()) });
    const port = first.port;
    const rec = newRecord();
    const zone = await startZone({ zone: 'rz', address: `grpcs://localhost:${port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(rec, 'rz') });
    let second: RunningGlobal | undefined;
    try {
      await waitFor(() => zone.client.status.connected, 'the zone to connect');
      await first.stop();
      await waitFor(() => !zone.client.status.connected, 'the zone to notice');
      second = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()), port, resources: first.resources });
      await waitFor(() => zone.client.status.connected, 'the zone to reconnect');
      assert.deepEqual(second.server.connectedZones, ['rz']);
      assert.ok(zone.logs.some((l) => l.level === 'error' && /shutting down|refused/.test(l.msg)));
    } finally {
      await zone.stop();
      await second?.stop();
    }
  });
});
