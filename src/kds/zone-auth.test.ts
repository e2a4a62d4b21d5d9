import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { before, test } from 'node:test';
import { Code } from '@connectrpc/connect';
import { ensureSigningKey } from '../managers/index.js';
import { createZoneTokenIssuer, createZoneTokenValidator, newSigningKeyPem, SecretCache, ZONE_TOKEN_SIGNING_KEY_PREFIX } from '../tokens/index.js';
import { KdsStatusError } from './transport/kds-errors.js';
import { memoryResources } from './transport/testing/kds-fixture.js';
import { certificateZoneNames, createZoneAuthenticator, zoneTokenAllowsCp, type ZoneAuthenticator } from './zone-auth.js';

let auth: ZoneAuthenticator;
let issue: (zone: string, scope: string[] | null) => Promise<string>;
before(async () => {
  const resources = memoryResources();
  await ensureSigningKey(resources, ZONE_TOKEN_SIGNING_KEY_PREFIX, newSigningKeyPem);
  auth = createZoneAuthenticator({ type: 'zoneToken', validator: createZoneTokenValidator(new SecretCache(resources)) });
  const issuer = createZoneTokenIssuer(resources);
  issue = (zone, scope) => issuer.issue({ zone, scope }, 60_000);
});

async function refusal(p: Promise<void>): Promise<KdsStatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KdsStatusError);
    return err;
  }
  assert.fail('expected a refusal');
}

test('zoneTokenAllowsCp: no scope means every scope; otherwise cp must be listed', () => {
  assert.equal(zoneTokenAllowsCp(null), true);
  assert.equal(zoneTokenAllowsCp([]), true);
  assert.equal(zoneTokenAllowsCp(['cp', 'ingress']), true);
  assert.equal(zoneTokenAllowsCp(['ingress', 'egress']), false);
});

test('a valid token for the zone passes; a Bearer prefix is accepted', async () => {
  const token = await issue('zone-1', ['cp']);
  await auth.authenticate('zone-1', { authorizations: [token] });
  await auth.authenticate('zone-1', { authorizations: [`Bearer ${token}`] });
});

test('missing, repeated, other-zone and no-cp tokens get the right code and a message without the token', async () => {
  const token = await issue('zone-1', ['cp']);
  const missing = await refusal(auth.authenticate('zone-1', { authorizations: [] }));
  assert.equal(missing.grpcCode, Code.Unauthenticated);
  const twice = await refusal(auth.authenticate('zone-1', { authorizations: [token, token] }));
  assert.equal(twice.grpcCode, Code.Unauthenticated);
  const other = await refusal(auth.authenticate('zone-2', { authorizations: [token] }));
  assert.equal(other.grpcCode, Code.PermissionDenied);
  assert.match(other.message, /issued for zone "zone-1" but this control plane connects as zone "zone-2"/);
  const noCp = await refusal(auth.authenticate('zone-1', { authorizations: [await issue('zone-1', ['ingress'])] }));
  assert.equal(noCp.grpcCode, Code.PermissionDenied);
  for (const e of [missing, twice, other, noCp]) assert.ok(!e.message.includes(token));
});

test('garbage in the authorization value is a malformed token', async () => {
  const e = await refusal(auth.authenticate('zone-1', { authorizations: ['garbage'] }));
  assert.equal(e.grpcCode, Code.Unauthenticated);
  assert.match(e.message, /zone token rejected: .*not a zone token/);
});

test('auth type none lets anyone in; an unknown type or zoneToken without a validator is a startup error', async () => {
  await createZoneAuthenticator({ type: 'none' }).authenticate('any', { authorizations: [] });
  assert.throws(() => createZoneAuthenticator({ type: 'mtls' }), /should be either none or zoneToken, got "mtls"/);
  assert.throws(() => createZoneAuthenticator({ type: 'zoneToken' }), /no zone token validator/);
});

test('client certificates must name the zone: DNS SANs, else the CN', async () => {
  const cert = (subjectaltname: string | undefined, cn: string): PeerCertificate => ({ subject: { CN: cn }, ...(subjectaltname ? { subjectaltname } : {}) }) as unknown as PeerCertificate;
  assert.deepEqual(certificateZoneNames(cert('DNS:Zone-1, IP Address:10.0.0.1', 'x')), ['zone-1']);
  assert.deepEqual(certificateZoneNames(cert(undefined, 'zone-1')), ['zone-1']);
  const mtls = createZoneAuthenticator({ type: 'none', requireClientCert: true });
  await mtls.authenticate('zone-1', { authorizations: [], peerCertificate: cert('DNS:zone-1', 'zone-1') });
  const wrong = await refusal(mtls.authenticate('zone-2', { authorizations: [], peerCertificate: cert('DNS:zone-1', 'zone-2') }));
  assert.equal(wrong.grpcCode, Code.PermissionDenied);
  assert.match(wrong.message, /valid for \[zone-1\], not for zone "zone-2"/);
  const none = await refusal(mtls.authenticate('zone-1', { authorizations: [] }));
  assert.equal(none.grpcCode, Code.Unauthenticated);
});
