/**
 * Who may join as a zone: the zone token matrix (multizone.global.kds.auth.type: zoneToken), mutual
 * TLS bound to the zone name, one connection per zone name, disabled zones. Real TLS on 127.0.0.1:0,
 * the sync engine replaced by a small fake.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { secretData } from '../core/resources/index.js';
import { GLOBAL_SECRET_TYPE, ZONE_TOKEN_REVOCATIONS } from '../tokens/index.js';
import { fakeGlobalSync, fakeZoneSync, newRecord } from './transport/testing/fake-sync.js';
import { firstFailure, makeKdsPki, startGlobal, startZone, waitFor, type KdsPki, type RunningGlobal } from './transport/testing/kds-fixture.js';
import type { JsonObject } from '../core/resources/index.js';

let pki: KdsPki;
let global: RunningGlobal;
before(async () => {
  pki = await makeKdsPki();
  global = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()), auth: 'zoneToken' });
});
after(async () => {
  await global.stop();
  await pki.remove();
});

const address = (): string => `grpcs://localhost:${global.port}`;

/** Starts a zone with `token` and returns its first failure (or 'connected'). */
async function outcome(zone: string, token: string | undefined): Promise<string> {
  const rec = newRecord();
  const z = await startZone({ zone, address: address(), rootCaFile: pki.ca.certFile, ...(token === undefined ? {} : { tokenFile: { dir: pki.dir, token } }), sync: fakeZoneSync(rec, zone) });
  try {
    await waitFor(() => z.client.status.connected || z.client.status.lastError !== undefined, 'connected or failed');
    return z.client.status.connected ? 'connected' : (z.client.status.lastError as string);
  } finally {
    await z.stop();
  }
}

const jti = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { jti: string }).jti;

describe('zone token matrix (auth.type zoneToken)', () => {
  test('a valid token with scope cp connects, and ZoneInsight records that a token was provided', async () => {
    assert.equal(await outcome('zone-a', await global.issueToken({ zone: 'zone-a', scope: ['cp'] })), 'connected');
    const zi = await global.resources.get({ type: 'ZoneInsight', mesh: '', name: 'zone-a' });
    assert.equal((zi.spec['subscriptions'] as JsonObject[])[0]?.['authTokenProvided'], true);
  });

  test('a token without scope (every scope, kumactl default) connects', async () => {
    assert.equal(await outcome('zone-b', await global.issueToken({ zone: 'zone-b', scope: null })), 'connected');
  });

  test('no token: refused, saying how to get one', async () => {
    const why = await outcome('zone-c', undefined);
    assert.match(why, /the global refused this zone: zone token required: .*auth\.type=zoneToken but zone "zone-c" sent no token/);
    assert.match(why, /kumactl generate zone-token --zone=zone-c --scope=cp/);
    assert.ok(global.logs.some((l) => l.msg === 'refused a KDS stream' && l.fields['code'] === 'Unauthenticated' && l.fields['clientId'] === 'zone-c'));
  });

  test('an expired token', async () => {
    const token = await global.issueToken({ zone: 'zone-d', scope: ['cp'] }, { validForMs: 60_000, issuedAgoMs: 3_600_000 });
    assert.match(await outcome('zone-d', token), /zone token rejected: .*expired.*; the token expired: generate one on the global/);
  });

  test('a revoked token', async () => {
    const token = await global.issueToken({ zone: 'zone-e', scope: ['cp'] });
    await global.resources.create({ type: GLOBAL_SECRET_TYPE, meta: { name: ZONE_TOKEN_REVOCATIONS, mesh: '' }, spec: { data: secretData(Buffer.from(jti(token))) } });
    try {
      assert.match(await outcome('zone-e', token), /zone token rejected: .*revoked.*zone-token-revocations/);
    } finally {
      await global.resources.delete({ type: GLOBAL_SECRET_TYPE, mesh: '', name: ZONE_TOKEN_REVOCATIONS });
    }
  });

  test('a token without the cp scope', async () => {
    const why = await outcome('zone-f', await global.issueToken({ zone: 'zone-f', scope: ['ingress', 'egress'] }));
    assert.match(why, /scope \[ingress egress\] does not include "cp"/);
  });

  test('a token of another zone: a zone cannot join under another zone name', async () => {
    const why = await outcome('zone-h', await global.issueToken({ zone: 'zone-g', scope: ['cp'] }));
    assert.match(why, /issued for zone "zone-g" but this control plane connects as zone "zone-h" \(multizone\.zone\.name\)/);
    await assert.rejects(global.resources.get({ type: 'Zone', mesh: '', name: 'zone-h' }), /not found/, 'a refused zone is not created');
  });

  test('a tampered token (payload changed, signature kept)', async () => {
    const token = await global.issueToken({ zone: 'zone-i', scope: ['cp'] });
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ Zone: 'zone-i', Scope: ['cp'], exp: 4102444800, jti: 'x' })).toString('base64url')}.${s}`;
    assert.match(await outcome('zone-i', forged), /zone token rejected: .*not signed by this global's zone token signing key/);
  });

  test('text that is not a token in the token file is caught on the zone, naming the file', async () => {
    const why = await outcome('zone-j', 'not a jwt');
    assert.match(why, /the zone token file .*zone-j\.token \(multizone\.zone\.kds\.auth\.tokenPath\) does not hold a zone token/);
  });
});

describe('mutual TLS bound to the zone name', () => {
  let mtls: RunningGlobal;
  before(async () => {
    mtls = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()), requireClientCert: true });
  });
  after(async () => {
    await mtls.stop();
  });

  test('the zone certificate for its own name connects; no startup warning about auth', async () => {
    const rec = newRecord();
    const z = await startZone({ zone: 'zone-m', address: `grpcs://localhost:${mtls.port}`, rootCaFile: pki.ca.certFile, clientCert: await pki.zoneCert('zone-m'), sync: fakeZoneSync(rec, 'zone-m') });
    try {
      await waitFor(() => z.client.status.connected, 'the zone to connect');
      assert.ok(!mtls.logs.some((l) => l.msg.includes('any host that can reach port')));
    } finally {
      await z.stop();
    }
  });

  test("another zone's certificate is refused", async () => {
    const z = await startZone({ zone: 'zone-n', address: `grpcs://localhost:${mtls.port}`, rootCaFile: pki.ca.certFile, clientCert: await pki.zoneCert('zone-o'), sync: fakeZoneSync(newRecord(), 'zone-n') });
    try {
      assert.match(await firstFailure(z), /the client certificate is valid for \[zone-o\], not for zone "zone-n"/);
    } finally {
      await z.stop();
    }
  });

  test('no client certificate: the handshake fails and the zone is told to set tlsCertFile', async () => {
    const z = await startZone({ zone: 'zone-p', address: `grpcs://localhost:${mtls.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'zone-p') });
    try {
      assert.match(await firstFailure(z), /requires a client certificate .*set multizone\.zone\.kds\.tlsCertFile and tlsKeyFile/);
    } finally {
      await z.stop();
    }
  });
});

describe('one connection per zone name', () => {
  test('a second zone CP claiming a connected zone is refused (both addresses logged) and takes over once the first is gone', async () => {
    const g = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()) });
    const first = await startZone({ zone: 'twin', address: `grpcs://localhost:${g.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'twin') });
    try {
      await waitFor(() => first.client.status.connected, 'the first zone to connect');
      const second = await startZone({ zone: 'twin', address: `grpcs://localhost:${g.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'twin') });
      try {
        assert.match(await firstFailure(second), /zone "twin" is already connected to this global control plane from another address .*give each zone a unique multizone\.zone\.name/);
        const refusal = g.logs.find((l) => l.msg.includes('already connected'));
        assert.ok(refusal && typeof refusal.fields['address'] === 'string' && typeof refusal.fields['connectedAddress'] === 'string');
        assert.notEqual(refusal.fields['address'], refusal.fields['connectedAddress']);
        await first.stop();
        await waitFor(() => second.client.status.connected, 'the second zone to take over');
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      await g.stop();
    }
  });
});

describe('disabled zones', () => {
  test('a disabled Zone is refused; disabling a connected zone ends its streams', async () => {
    const g = await startGlobal({ pki, sync: fakeGlobalSync(newRecord()) });
    try {
      await g.resources.create({ type: 'Zone', meta: { name: 'off', mesh: '' }, spec: { enabled: false } });
      const z1 = await startZone({ zone: 'off', address: `grpcs://localhost:${g.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'off') });
      try {
        assert.match(await firstFailure(z1), /zone "off" is disabled on the global control plane \(Zone off has enabled: false\)/);
      } finally {
        await z1.stop();
      }
      const z2 = await startZone({ zone: 'on', address: `grpcs://localhost:${g.port}`, rootCaFile: pki.ca.certFile, sync: fakeZoneSync(newRecord(), 'on') });
      try {
        await waitFor(() => z2.client.status.connected, 'the zone to connect');
        const zone = await g.resources.get({ type: 'Zone', mesh: '', name: 'on' });
        await g.resources.update({ ...zone, spec: { enabled: false } });
        await waitFor(() => (z2.client.status.lastError ?? '').includes('is disabled'), 'the zone to be disconnected');
      } finally {
        await z2.stop();
      }
    } finally {
      await g.stop();
    }
  });
});
