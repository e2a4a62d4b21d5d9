import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidResourceError, formatKumaTime, fromEnvelope, toEnvelope, toListEnvelope } from './envelope.js';
import type { JsonObject } from './json.js';
import { builtinRegistry } from './registry.js';
import type { Resource } from './resource.js';
import { zeroTime } from './resource.js';
import { secretBytes, secretData } from './system-types.js';

const t0 = new Date('2026-01-01T10:00:00Z');
const t1 = new Date('2026-01-01T10:00:01.250Z');

function roundTrip(body: JsonObject, mesh: string, expected: JsonObject): void {
  const parsed = fromEnvelope(builtinRegistry, body);
  const r: Resource = {
    type: parsed.descriptor.name,
    meta: { name: parsed.name, mesh, version: '1', creationTime: t0, modificationTime: t1, labels: parsed.labels },
    spec: parsed.spec,
  };
  assert.deepEqual(toEnvelope(parsed.descriptor, r), expected);
}

test('Kuma time format: RFC 3339, trailing zeros dropped, Z', () => {
  assert.equal(formatKumaTime(t0), '2026-01-01T10:00:00Z');
  assert.equal(formatKumaTime(t1), '2026-01-01T10:00:01.25Z');
  assert.equal(formatKumaTime(zeroTime()), '0001-01-01T00:00:00Z');
});

test('Mesh: inline spec, no mesh field, kri', () => {
  roundTrip(
    { type: 'Mesh', name: 'default', mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] }, unknownField: 1, kri: 'ignored' },
    '',
    {
      type: 'Mesh',
      name: 'default',
      creationTime: '2026-01-01T10:00:00Z',
      modificationTime: '2026-01-01T10:00:01.25Z',
      kri: 'kri_m____default_',
      mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] },
    },
  );
});

test('Dataplane: mesh, labels, kri with zone', () => {
  roundTrip(
    {
      type: 'Dataplane',
      mesh: 'default',
      name: 'dp-1',
      labels: { 'kuma.io/zone': 'z1' },
      networking: { address: '10.1.2.1', inbound: [{ port: 1234, tags: { 'kuma.io/service': 'my-svc' } }] },
    },
    'default',
    {
      type: 'Dataplane',
      mesh: 'default',
      name: 'dp-1',
      creationTime: '2026-01-01T10:00:00Z',
      modificationTime: '2026-01-01T10:00:01.25Z',
      labels: { 'kuma.io/zone': 'z1' },
      kri: 'kri_dp_default_z1__dp-1_',
      networking: { address: '10.1.2.1', inbound: [{ port: 1234, tags: { 'kuma.io/service': 'my-svc' } }] },
    },
  );
});

test('Secret and GlobalSecret: no kri, data as base64', () => {
  roundTrip({ type: 'Secret', mesh: 'default', name: 's', data: 'c2VjcmV0' }, 'default', {
    type: 'Secret',
    mesh: 'default',
    name: 's',
    creationTime: '2026-01-01T10:00:00Z',
    modificationTime: '2026-01-01T10:00:01.25Z',
    data: 'c2VjcmV0',
  });
  roundTrip({ type: 'GlobalSecret', name: 'g', data: 'c2VjcmV0' }, '', {
    type: 'GlobalSecret',
    name: 'g',
    creationTime: '2026-01-01T10:00:00Z',
    modificationTime: '2026-01-01T10:00:01.25Z',
    data: 'c2VjcmV0',
  });
  assert.equal(Buffer.from(secretBytes({ data: 'c2VjcmV0' }) ?? []).toString(), 'secret');
  assert.equal(Buffer.from(secretBytes({ data: '_-8' }) ?? []).toString('hex'), 'ffef');
  assert.equal(secretData(new Uint8Array([0xff, 0xef])), '/+8=');
});

test('Zone, ZoneInsight and DataplaneInsight', () => {
  roundTrip({ type: 'Zone', name: 'zone-1', enabled: true }, '', {
    type: 'Zone',
    name: 'zone-1',
    creationTime: '2026-01-01T10:00:00Z',
    modificationTime: '2026-01-01T10:00:01.25Z',
    kri: 'kri_z____zone-1_',
    enabled: true,
  });
  const subscriptions = [{ id: 'a', globalInstanceId: 'g', connectTime: '2026-01-01T10:00:00Z', status: { lastUpdateTime: '2026-01-01T10:00:00Z', stat: {} } }];
  roundTrip({ type: 'ZoneInsight', name: 'zone-1', subscriptions }, '', {
    type: 'ZoneInsight',
    name: 'zone-1',
    creationTime: '2026-01-01T10:00:00Z',
    modificationTime: '2026-01-01T10:00:01.25Z',
    subscriptions,
  });
  roundTrip({ type: 'DataplaneInsight', mesh: 'm', name: 'dp', subscriptions: [] }, 'm', {
    type: 'DataplaneInsight',
    mesh: 'm',
    name: 'dp',
    creationTime: '2026-01-01T10:00:00Z',
    modificationTime: '2026-01-01T10:00:01.25Z',
    subscriptions: [],
  });
});

test('MeshTrafficPermission: new-policy envelope with spec', () => {
  const spec = { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] };
  roundTrip({ type: 'MeshTrafficPermission', mesh: 'default', name: 'mtp-1', spec, extra: 'dropped' }, 'default', {
    type: 'MeshTrafficPermission',
    mesh: 'default',
    name: 'mtp-1',
    creationTime: '2026-01-01T10:00:00Z',
    modificationTime: '2026-01-01T10:00:01.25Z',
    kri: 'kri_mtp_default___mtp-1_',
    spec,
  });
});

test('list envelope', () => {
  const d = builtinRegistry.get('Zone');
  const r: Resource = { type: 'Zone', meta: { name: 'z', mesh: '', version: '1', creationTime: t0, modificationTime: t0, labels: {} }, spec: {} };
  assert.deepEqual(toListEnvelope(d, [r], 3, 'http://h/zones?offset=1&size=1'), {
    total: 3,
    items: [{ type: 'Zone', name: 'z', creationTime: '2026-01-01T10:00:00Z', modificationTime: '2026-01-01T10:00:00Z', kri: 'kri_z____z_' }],
    next: 'http://h/zones?offset=1&size=1',
  });
});

test('parse errors use Kuma texts', () => {
  assert.throws(() => fromEnvelope(builtinRegistry, { type: 'Mesh', name: 2 }), {
    code: 'ERR_RESOURCE_MALFORMED',
    message: 'invalid meta type: "json: cannot unmarshal number into Go struct field ResourceMeta.name of type string"',
  });
  assert.throws(() => fromEnvelope(builtinRegistry, { type: 'Mesh', name: 'm', labels: { a: 1 } }), InvalidResourceError);
  assert.throws(() => fromEnvelope(builtinRegistry, { type: 'Nope', name: 'x' }), { code: 'ERR_RESOURCE_UNKNOWN_TYPE' });
  assert.throws(() => fromEnvelope(builtinRegistry, { type: 'Secret', name: 's', mesh: 'm', data: '!!' }), {
    message: 'invalid Secret object: "proto: invalid value for bytes field data: \\"!!\\""',
  });
  assert.throws(() => fromEnvelope(builtinRegistry, { type: 'Zone', name: 'z', enabled: 'yes' }), { code: 'ERR_RESOURCE_MALFORMED' });
  assert.throws(() => fromEnvelope(builtinRegistry, { type: 'MeshTrafficPermission', name: 'x', mesh: 'm' }), {
    code: 'ERR_RESOURCE_INVALID',
    message: ': spec in body is required',
  });
  assert.throws(() => fromEnvelope(builtinRegistry, []), { code: 'ERR_RESOURCE_MALFORMED' });
});

test('type may come from the URL; body mesh is kept for the API to compare', () => {
  const p = fromEnvelope(builtinRegistry, { name: 'm1', mesh: 'x' }, 'Mesh');
  assert.equal(p.descriptor.name, 'Mesh');
  assert.equal(p.mesh, 'x');
});

test('labels are written with keys sorted (as Go marshals a map), whatever the insertion order', () => {
  const r: Resource = {
    type: 'Mesh',
    meta: { name: 'm', mesh: '', version: '1', creationTime: t0, modificationTime: t0, labels: { 'kuma.io/zone': 'z', env: 'prod', 'app.kubernetes.io/name': 'x', Zeta: '1' } },
    spec: {},
  };
  const env = toEnvelope(builtinRegistry.get('Mesh'), r);
  assert.deepEqual(Object.keys(env['labels'] as JsonObject), ['Zeta', 'app.kubernetes.io/name', 'env', 'kuma.io/zone']);
  assert.equal(JSON.stringify(env['labels']), '{"Zeta":"1","app.kubernetes.io/name":"x","env":"prod","kuma.io/zone":"z"}');
});
