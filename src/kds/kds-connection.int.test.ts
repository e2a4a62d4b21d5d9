/**
 * The KDS transport end to end in one process: a global KDS server and zone clients over real TLS on
 * 127.0.0.1:0 with openssl-minted certificates, the sync engine replaced by a small fake (the engine
 * has its own tests; kds-sync.int.test.ts runs the real one over this transport).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isZoneOnline } from './zone-insights.js';
import { fakeGlobalSync, fakeZoneSync, newRecord } from './transport/testing/fake-sync.js';
import { firstFailure, makeKdsPki, startGlobal, startZone, waitFor, type KdsPki } from './transport/testing/kds-fixture.js';
import type { JsonObject } from '../core/resources/index.js';

let pki: KdsPki;
before(async () => {
  pki = await makeKdsPki();
});
after(async () => {
  await pki.remove();
});

describe('TLS connection', () => {
  test('zone connects with rootCaFile: Zone created, both streams carry traffic, ZoneInsight online then offline', async () => {
    const rec = newRecord();
    const global = await startGlobal({ pki, sync: fakeGlobalSync(rec) });
    try {
      const zone = await startZone({ zone: 'zone-1', address: `grpcs://localhost:${global.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(rec, 'zone-1') });
      await waitFor(() => zone.client.status.connected, 'the zone to connect');
      await waitFor(() => rec.zoneGotResponses.length > 0 && rec.globalGotResponses.length > 0, 'messages both ways');
      const z = await global.resources.get({ type: 'Zone', mesh: '', name: 'zone-1' });
      assert.equal(z.spec['enabled'], true);
      assert.deepEqual(global.server.connectedZones, ['zone-1']);

      await waitFor(async () => {
        const zi = await global.resources.get({ type: 'ZoneInsight', mesh: '', name: 'zone-1' }).catch(() => undefined);
        const sub = (zi?.spec['subscriptions'] as JsonObject[] | undefined)?.[0];
        return sub?.['config'] !== undefined && (sub['status'] as JsonObject)['total'] !== undefined && ((sub['status'] as JsonObject)['total'] as JsonObject)['responsesAcknowledged'] !== undefined;
      }, 'ZoneInsight with node config and ACK counters');
      const insight = await global.resources.get({ type: 'ZoneInsight', mesh: '', name: 'zone-1' });
      assert.equal(isZoneOnline(insight.spec), true);
      const sub = (insight.spec['subscriptions'] as JsonObject[])[0] as JsonObject;
      assert.equal(sub['globalInstanceId'], 'global-test-1');
      assert.equal(sub['zoneInstanceId'], 'zone-1-cp-1');
      assert.equal(sub['config'], '{"mode":"zone"}');
      assert.deepEqual((sub['version'] as JsonObject)['kumaCp'], { version: '0.1.0', kumaCpGlobalCompatible: true });
      assert.equal(sub['authTokenProvided'], undefined);
      const stat = ((sub['status'] as JsonObject)['stat'] as JsonObject)['Mesh'] as JsonObject;
      assert.equal(stat['responsesSent'], '1');
      assert.equal(stat['responsesAcknowledged'], '1');
      const streams = insight.spec['kdsStreams'] as JsonObject;
      assert.equal((streams['globalToZone'] as JsonObject)['globalInstanceId'], 'global-test-1');
      assert.equal(typeof (streams['zoneToGlobal'] as JsonObject)['connectTime'], 'string');
      // The node arrived on the first request of the global-to-zone stream.
      assert.equal(rec.globalGotRequests[0]?.node?.id, 'zone-1');

      await zone.stop();
      await waitFor(async () => !isZoneOnline((await global.resources.get({ type: 'ZoneInsight', mesh: '', name: 'zone-1' })).spec), 'the zone to show offline');
      const offline = (await global.resources.get({ type: 'ZoneInsight', mesh: '', name: 'zone-1' })).spec['subscriptions'] as JsonObject[];
      assert.equal(typeof offline[0]?.['disconnectTime'], 'string');
      assert.deepEqual(global.server.connectedZones, []);
      assert.ok(global.logs.some((l) => l.msg === 'zone connected' && l.fields['zone'] === 'zone-1'));
      assert.ok(global.logs.some((l) => l.msg === 'zone disconnected' && l.fields['zone'] === 'zone-1'));
      assert.ok(global.logs.some((l) => l.level === 'warn' && l.msg.includes('any host that can reach port')), 'auth none warns at startup');
    } finally {
      await global.stop();
    }
  });

  test('a CA that did not issue the global certificate: the zone names the rootCaFile setting', async () => {
    const global = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()) });
    const zone = await startZone({ zone: 'zone-1', address: `grpcs://localhost:${global.port}`, rootCaFile: pki.otherCa.certFile, sync: fakeZoneSync(newRecord(), 'zone-1') });
    try {
      const why = await firstFailure(zone);
      assert.match(why, /not signed by the CA in .*other-ca\.crt \(multizone\.zone\.kds\.rootCaFile\)/);
      assert.match(why, /set KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE to the CA that issued/);
      assert.equal(zone.client.status.connected, false);
    } finally {
      await zone.stop();
      await global.stop();
    }
  });

  test('no rootCaFile: the system roots do not trust a private CA, and the message says so', async () => {
    const global = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()) });
    const zone = await startZone({ zone: 'zone-1', address: `grpcs://localhost:${global.port}`, sync: fakeZoneSync(newRecord(), 'zone-1') });
    try {
      assert.match(await firstFailure(zone), /system roots \(multizone\.zone\.kds\.rootCaFile is empty\)/);
    } finally {
      await zone.stop();
      await global.stop();
    }
  });

  test('hostname mismatch: the names in the certificate and the host of the address', async () => {
    const global = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()), cert: pki.otherHost });
    const zone = await startZone({ zone: 'zone-1', address: `grpcs://localhost:${global.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'zone-1') });
    try {
      const why = await firstFailure(zone);
      assert.match(why, /valid for \[global\.other\.example\] but multizone\.zone\.globalAddress .* uses localhost/);
      assert.match(why, /--hostname=localhost/);
    } finally {
      await zone.stop();
      await global.stop();
    }
  });

  test('tlsSkipVerify connects to an untrusted certificate and warns at every connect', async () => {
    const rec = newRecord();
    const global = await startGlobal({ pki, sync: fakeGlobalSync(rec), cert: pki.otherHost });
    const zone = await startZone({ zone: 'zone-1', address: `grpcs://localhost:${global.port}`, skipVerify: true, sync: fakeZoneSync(rec, 'zone-1') });
    try {
      await waitFor(() => zone.client.status.connected, 'the zone to connect');
      assert.ok(zone.logs.some((l) => l.level === 'warn' && l.msg.includes('NOT verified (multizone.zone.kds.tlsSkipVerify=true)')));
    } finally {
      await zone.stop();
      await global.stop();
    }
  });
});

describe('wrong scheme or port', () => {
  test('grpc:// at a TLS port: use grpcs://', async () => {
    const global = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()) });
    const zone = await startZone({ zone: 'zone-1', address: `grpc://127.0.0.1:${global.port}`, sync: fakeZoneSync(newRecord(), 'zone-1') });
    try {
      assert.match(await firstFailure(zone), /speaks TLS but multizone\.zone\.globalAddress .* says grpc:\/\/ \(plaintext\); use grpcs:\/\/127\.0\.0\.1:\d+/);
      assert.ok(zone.logs.some((l) => l.level === 'warn' && l.msg.includes('plaintext gRPC (grpc://)')));
    } finally {
      await zone.stop();
      await global.stop();
    }
  });

  test('grpcs:// at a plaintext KDS port: use grpc://', async () => {
    const global = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()), tls: false });
    const zone = await startZone({ zone: 'zone-1', address: `grpcs://127.0.0.1:${global.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'zone-1') });
    try {
      assert.match(await firstFailure(zone), /speaks plaintext gRPC \(multizone\.global\.kds\.tlsEnabled=false\) but .* says grpcs:\/\/; use grpc:\/\/127\.0\.0\.1:\d+/);
      assert.ok(global.logs.some((l) => l.level === 'warn' && l.msg.includes('KDS runs without TLS')));
    } finally {
      await zone.stop();
      await global.stop();
    }
  });

  test('grpc:// at a plaintext KDS port connects (with a warning)', async () => {
    const rec = newRecord();
    const global = await startGlobal({ pki, sync: fakeGlobalSync(rec), tls: false });
    const zone = await startZone({ zone: 'zone-1', address: `grpc://127.0.0.1:${global.port}`, sync: fakeZoneSync(rec, 'zone-1') });
    try {
      await waitFor(() => zone.client.status.connected && rec.zoneGotResponses.length > 0, 'the zone to connect');
    } finally {
      await zone.stop();
      await global.stop();
    }
  });

  test('connection refused names the address and the port setting', async () => {
    const global = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()) });
    const port = global.port;
    await global.stop();
    const zone = await startZone({ zone: 'zone-1', address: `grpcs://127.0.0.1:${port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'zone-1') });
    try {
      assert.match(await firstFailure(zone), new RegExp(`connection refused: nothing listens at 127\\.0\\.0\\.1:${port}; .*multizone\\.global\\.kds\\.grpcPort`));
    } finally {
      await zone.stop();
    }
  });
});
