import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataplaneIdentity } from '../core/identity/entitlement.js';
import type { JsonObject } from '../core/resources/index.js';
import { ResourceKind, type DiscoveryResponse, type EndpointsConfig, type IdentityConfig } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { createCaCertificate, createCsr, generateKeyPair } from '../pki/index.js';
import { dataplaneTemplate, startFixture, type Fixture, type StreamHandle } from './testing/dp-fixture.js';

const MESH = 'secure';
const builtin = (name: string): JsonObject => ({ name, type: 'builtin', dpCert: { rotation: { expiration: '1h' } } });

function identityOf(r: DiscoveryResponse): IdentityConfig {
  assert.equal(r.payload.case, 'identity');
  return r.payload.value as IdentityConfig;
}
function endpointsOf(r: DiscoveryResponse): EndpointsConfig {
  assert.equal(r.payload.case, 'endpoints');
  return r.payload.value as EndpointsConfig;
}
function permissionsOf(r: DiscoveryResponse): { inbounds: { source: string; otherwise: string; rules: { action: string }[] }[] } {
  assert.equal(r.payload.case, 'permissions');
  return JSON.parse((r.payload.value as { permissionsJson: string }).permissionsJson) as never;
}

async function csrFor(template: Record<string, unknown>, extraUris: string[] = []): Promise<string> {
  const dp = { meta: { name: String(template['name']), mesh: String(template['mesh']) }, spec: template as JsonObject };
  const uris = [...dataplaneIdentity(dp).uris, ...extraUris];
  return createCsr({ keyPair: await generateKeyPair('ecdsa'), uriSans: uris }).csrPem;
}

/** The next response of `kind` (others are ACKed and skipped). */
async function nextOf(s: StreamHandle, kind: ResourceKind, timeoutMs = 5000): Promise<DiscoveryResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await s.next(Math.max(1, deadline - Date.now()));
    s.ack(r);
    if (r.kind === kind) return r;
  }
}

describe('config stream kinds: identity, endpoints, permissions', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({ options: { meshChangeCoalesceMs: 20 } });
    await fx.resources.create({ type: 'Mesh', meta: { mesh: '', name: MESH }, spec: { mtls: { enabledBackend: 'ca-1', backends: [builtin('ca-1')] } } });
  });
  after(() => fx.close());

  async function open(name: string, service: string, extra: Record<string, unknown> = {}) {
    const template = dataplaneTemplate(MESH, name, service, extra);
    const s = fx.openStream({ authorization: await fx.issue({ mesh: MESH, name }) });
    s.hello(`${MESH}.${name}`, template);
    s.ack(await s.next());
    return { s, template };
  }

  it('issues an identity for the CSR: chain, roots, SPIFFE SANs, renew time; the insight gets the mTLS block', async () => {
    const { s, template } = await open('web-1', 'web');
    s.send({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem: await csrFor(template) } });
    const r = await nextOf(s, ResourceKind.IDENTITY);
    const id = identityOf(r);
    assert.equal(id.mtlsEnabled, true);
    assert.equal(id.error, undefined);
    const leaf = new X509Certificate(id.certPem);
    assert.match(leaf.subjectAltName ?? '', /URI:spiffe:\/\/secure\/web/);
    assert.ok(leaf.verify(new X509Certificate(id.rootsPem).publicKey), 'signed by the mesh root');
    assert.equal(id.issuedBackend, 'ca-1');
    assert.deepEqual(id.supportedBackends, ['ca-1']);
    assert.ok(Date.parse(id.renewAt) > Date.parse(id.issuedAt) && Date.parse(id.renewAt) < Date.parse(id.expiresAt));
    const insight = await eventually(async () => {
      const i = await fx.resources.get({ type: 'DataplaneInsight', mesh: MESH, name: 'web-1' }).catch(() => undefined);
      return i?.spec['mTLS'] as Record<string, unknown> | undefined;
    });
    assert.equal(insight['issuedBackend'], 'ca-1');
    assert.equal(insight['certificateRegenerations'], 1);
    assert.equal(insight['certificateExpirationTime'], formatSeconds(id.expiresAt));
    s.abort();
  });

  it('refuses a CSR for a foreign SPIFFE ID with a clear error, then issues for a good one on the same stream', async () => {
    const { s, template } = await open('web-2', 'web');
    s.send({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem: await csrFor(template, ['spiffe://secure/payments']) } });
    const bad = identityOf(await nextOf(s, ResourceKind.IDENTITY));
    assert.equal(bad.errorCode, 'ERR_IDENTITY_CSR_FOREIGN_ID');
    assert.match(bad.error?.message ?? '', /spiffe:\/\/secure\/payments.*not its identity/);
    assert.equal(bad.certPem, '');
    s.send({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem: await csrFor(template) } });
    const good = identityOf(await nextOf(s, ResourceKind.IDENTITY));
    assert.equal(good.error, undefined);
    assert.ok(good.certPem.startsWith('-----BEGIN CERTIFICATE-----'));
    s.abort();
  });

  it('an unrelated Mesh change re-issues nothing and pushes nothing', async () => {
    const { s, template } = await open('web-3', 'web');
    s.send({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem: await csrFor(template) } });
    identityOf(await nextOf(s, ResourceKind.IDENTITY));
    const mesh = await fx.resources.get({ type: 'Mesh', mesh: '', name: MESH });
    await fx.resources.update({ ...mesh, meta: { ...mesh.meta, labels: { team: 'payments' } } });
    await assert.rejects(s.next(400), /no response within 400 ms/);
    s.abort();
  });

  it('a CA that cannot be loaded answers with an error (the stream stays up) until it can, then issues', async () => {
    const ca = createCaCertificate({ subject: { organization: 'Acme', commonName: 'provided' }, keyPair: await generateKeyPair('ecdsa') });
    const certFile = join(fx.dir, 'provided-ca.crt');
    const keyFile = join(fx.dir, 'provided-ca.key');
    await writeFile(certFile, ca.certPem);
    await writeFile(keyFile, ca.keyPem, { mode: 0o600 });
    await fx.resources.create({
      type: 'Mesh',
      meta: { mesh: '', name: 'prov' },
      spec: { mtls: { enabledBackend: 'p-1', backends: [{ name: 'p-1', type: 'provided', conf: { cert: { file: certFile }, key: { file: keyFile } } }] } },
    });
    await rm(certFile);
    const template = dataplaneTemplate('prov', 'api-9', 'api');
    const s = fx.openStream({ authorization: await fx.issue({ mesh: 'prov', name: 'api-9' }) });
    s.hello('prov.api-9', template);
    s.ack(await s.next());
    const csrPem = await csrFor(template);
    s.send({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem } });
    const refused = identityOf(await nextOf(s, ResourceKind.IDENTITY));
    assert.equal(refused.errorCode, 'ERR_IDENTITY_CA');
    assert.match(refused.error?.message ?? '', /provided-ca\.crt/);
    await writeFile(certFile, ca.certPem);
    s.send({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem } });
    const issued = identityOf(await nextOf(s, ResourceKind.IDENTITY));
    assert.equal(issued.error, undefined);
    assert.ok(new X509Certificate(issued.certPem).verify(new X509Certificate(ca.certPem).publicKey));
    s.abort();
  });

  it('streams the endpoints of the outbound services and updates them as proxies come and go', async () => {
    const { s } = await open('client-1', 'client', {
      networking: { address: '127.0.0.2', inbound: [{ port: 16001, servicePort: 8081, tags: { 'kuma.io/service': 'client' } }], outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }] },
    });
    s.send({ kind: ResourceKind.ENDPOINTS });
    const first = endpointsOf(await nextOf(s, ResourceKind.ENDPOINTS));
    assert.deepEqual(first.services.map((x) => [x.service, x.endpoints.length]), [['backend', 0]]);
    const backend = await open('backend-1', 'backend', { networking: { address: '127.0.0.3', inbound: [{ port: 17001, servicePort: 8082, tags: { 'kuma.io/service': 'backend', version: 'v1' } }] } });
    const second = endpointsOf(await nextOf(s, ResourceKind.ENDPOINTS));
    const ep = second.services[0]?.endpoints[0];
    assert.equal(ep?.address, '127.0.0.3');
    assert.equal(ep?.port, 17001);
    assert.equal(ep?.tags['version'], 'v1');
    assert.equal(ep?.mtlsReady, true);
    await fx.resources.delete({ type: 'Dataplane', mesh: MESH, name: 'backend-1' });
    const third = endpointsOf(await nextOf(s, ResourceKind.ENDPOINTS));
    assert.equal(third.services[0]?.endpoints.length, 0);
    backend.s.abort();
    s.abort();
  });

  it('compiles MeshTrafficPermission for the inbounds: deny all without one, pushed live when one is applied and removed', async () => {
    const { s } = await open('api-1', 'api');
    s.send({ kind: ResourceKind.PERMISSIONS });
    const none = permissionsOf(await nextOf(s, ResourceKind.PERMISSIONS));
    assert.equal(none.inbounds[0]?.source, 'no-policy');
    assert.equal(none.inbounds[0]?.otherwise, 'deny');
    await fx.resources.create({
      type: 'MeshTrafficPermission',
      meta: { mesh: MESH, name: 'allow-web' },
      spec: { targetRef: { kind: 'MeshService', name: 'api' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Allow' } }] },
    });
    const allow = permissionsOf(await nextOf(s, ResourceKind.PERMISSIONS));
    assert.equal(allow.inbounds[0]?.source, 'from');
    assert.equal(allow.inbounds[0]?.rules[0]?.action, 'allow');
    await fx.resources.delete({ type: 'MeshTrafficPermission', mesh: MESH, name: 'allow-web' });
    assert.equal(permissionsOf(await nextOf(s, ResourceKind.PERMISSIONS)).inbounds[0]?.source, 'no-policy');
    s.abort();
  });

  it('CA rotation: a second backend adds its root; switching enabledBackend re-issues from it; removing the old one drops its root', async () => {
    const { s, template } = await open('rot-1', 'rot');
    s.send({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem: await csrFor(template) } });
    const before1 = identityOf(await nextOf(s, ResourceKind.IDENTITY));
    const mesh = await fx.resources.get({ type: 'Mesh', mesh: '', name: MESH });
    await fx.resources.update({ ...mesh, spec: { mtls: { enabledBackend: 'ca-1', backends: [builtin('ca-1'), builtin('ca-2')] } } });
    const both = identityOf(await nextOf(s, ResourceKind.IDENTITY));
    assert.deepEqual(Object.keys(both.rootsByBackend).sort(), ['ca-1', 'ca-2']);
    assert.equal(both.issuedBackend, 'ca-1');
    const m2 = await fx.resources.get({ type: 'Mesh', mesh: '', name: MESH });
    await fx.resources.update({ ...m2, spec: { mtls: { enabledBackend: 'ca-2', backends: [builtin('ca-1'), builtin('ca-2')] } } });
    const switched = identityOf(await nextOf(s, ResourceKind.IDENTITY));
    assert.equal(switched.issuedBackend, 'ca-2');
    assert.ok(new X509Certificate(switched.certPem).verify(new X509Certificate(switched.rootsByBackend['ca-2'] as string).publicKey));
    assert.equal(new X509Certificate(switched.certPem).publicKey.export({ format: 'der', type: 'spki' }).equals(new X509Certificate(before1.certPem).publicKey.export({ format: 'der', type: 'spki' })), true, 'same proxy key');
    const m3 = await fx.resources.get({ type: 'Mesh', mesh: '', name: MESH });
    await fx.resources.update({ ...m3, spec: { mtls: { enabledBackend: 'ca-2', backends: [builtin('ca-2')] } } });
    const after1 = identityOf(await nextOf(s, ResourceKind.IDENTITY));
    assert.deepEqual(Object.keys(after1.rootsByBackend), ['ca-2']);
    s.abort();
  });
});

/** Kuma's RFC 3339 form of an ISO time (no fractional zeros). */
function formatSeconds(iso: string): string {
  return new Date(iso).toISOString().replace('.000Z', 'Z');
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
