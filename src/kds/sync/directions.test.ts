import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../../core/resources/resource.js';
import { zeroTime } from '../../core/resources/resource.js';
import { KDS_GLOBAL_TO_ZONE_TYPES, KDS_ZONE_TO_GLOBAL_TYPES, globalToZoneReceiver, globalToZoneSender, zoneToGlobalReceiver, zoneToGlobalSender } from './directions.js';
import { hashedName } from './naming.js';
import { controlPlane, quiet, testNode } from './testing/harness.js';
import { toKumaResource } from './wire.js';

const res = (type: string, name: string, mesh: string, labels: Record<string, string> = {}, spec: Resource['spec'] = {}): Resource => ({
  type,
  meta: { name, mesh, version: '1', creationTime: zeroTime(), modificationTime: zeroTime(), labels },
  spec,
});

describe('KDS directions', () => {
  const cp = controlPlane();
  const g2z = globalToZoneSender({ resources: cp.manager, zone: 'zone-1', log: quiet });
  const z2g = zoneToGlobalSender({ resources: cp.manager, zone: 'zone-1', log: quiet });

  it('type lists: Mesh first; Zone and insights of zones never synced', () => {
    assert.deepEqual(KDS_GLOBAL_TO_ZONE_TYPES, ['Mesh', 'Secret', 'GlobalSecret', 'MeshTrafficPermission']);
    assert.deepEqual(KDS_ZONE_TO_GLOBAL_TYPES, ['Dataplane', 'DataplaneInsight', 'MeshTrafficPermission']);
  });

  it('global -> zone filter', () => {
    assert.equal(g2z.toWire(res('Dataplane', 'dp', 'default')), undefined, 'not a GlobalToZones type');
    assert.equal(g2z.toWire(res('Zone', 'zone-1', '')), undefined);
    assert.equal(g2z.toWire(res('MeshTrafficPermission', 'p', 'default', { 'kuma.io/origin': 'zone' })), undefined, 'originated in a zone');
    assert.equal(g2z.toWire(res('MeshTrafficPermission', 'p', 'default', { 'kuma.io/kds-sync': 'disabled' })), undefined, 'KDS disabled');
    for (const name of ['admin-user-token', 'envoy-admin-ca', 'inter-cp-ca', 'user-token-revocations', 'user-token-signing-key-1', 'user-token-signing-key', 'zone-token-signing-public-key-1']) {
      assert.equal(g2z.toWire(res('GlobalSecret', name, '')), undefined, name);
    }
    // A zone signing key that cannot be read as one is never sent (least of all as is).
    assert.throws(() => g2z.toWire(res('GlobalSecret', 'zone-token-signing-key-1', '', {}, { data: 'bm90IGEga2V5' })), /zone-token-signing-key-1/);
    assert.deepEqual(g2z.toWire(res('Secret', 'dataplane-token-signing-key-default-1', 'default', { 'kuma.io/mesh': 'default' }, { data: 'eA==' })), toKumaResource({
      name: 'dataplane-token-signing-key-default-1',
      mesh: 'default',
      labels: { 'kuma.io/mesh': 'default', 'kuma.io/origin': 'global' },
      spec: { data: 'eA==' },
    }));
    const policy = g2z.toWire(res('MeshTrafficPermission', 'p', 'default', { 'kuma.io/origin': 'global', 'kuma.io/display-name': 'shown' }));
    assert.equal(policy?.name, hashedName('shown', 'default', ''));
    assert.deepEqual(policy?.labels, { 'kuma.io/display-name': 'shown', 'kuma.io/origin': 'global' });
  });

  it('zone -> global filter and mapper', () => {
    assert.equal(z2g.toWire(res('Mesh', 'default', '')), undefined);
    assert.equal(z2g.toWire(res('Secret', 's', 'default')), undefined);
    assert.equal(z2g.toWire(res('MeshTrafficPermission', 'p', 'default', { 'kuma.io/origin': 'global' })), undefined, 'came from global');
    const w = z2g.toWire(res('Dataplane', 'dp', 'default', { 'kuma.io/zone': 'other', 'kuma.io/deletion-grace-period-started-at': 't', team: 'a' }));
    assert.equal(w?.name, hashedName('dp', 'default', 'zone-1'));
    assert.deepEqual(w?.labels, { 'kuma.io/display-name': 'dp', 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-1', team: 'a' });
  });

  it('receivers: what they own and how they label what they store', () => {
    const onZone = globalToZoneReceiver({ resources: cp.manager, zone: 'zone-1', node: testNode('zone-1'), log: quiet });
    assert.equal(onZone.owns(res('Mesh', 'm', '', { 'kuma.io/origin': 'global' })), true);
    assert.equal(onZone.owns(res('Mesh', 'm', '')), false);
    assert.equal(onZone.owns(res('MeshTrafficPermission', 'p', 'm', { 'kuma.io/origin': 'zone' })), false);
    const z = onZone.fromWire('Mesh', toKumaResource({ name: 'm', mesh: '', labels: {}, spec: { unknownField: 1, mtls: { enabledBackend: '' } } }));
    assert.ok('resource' in z);
    assert.deepEqual(z.resource.meta.labels, { 'kuma.io/origin': 'global' });
    assert.deepEqual(z.resource.spec, { mtls: { enabledBackend: '' } }, 'unknown legacy fields dropped');
    const bad = onZone.fromWire('Secret', toKumaResource({ name: 's', mesh: 'm', labels: {}, spec: { data: '%%%' } }));
    assert.deepEqual(bad, { rejected: 'invalid Secret object: "proto: invalid value for bytes field data: \\"%%%\\""' });
    assert.deepEqual(onZone.fromWire('Nope', toKumaResource({ name: 'x', mesh: '', labels: {}, spec: {} })), { rejected: 'unknown resource type "Nope"' });

    const onGlobal = zoneToGlobalReceiver({ resources: cp.manager, zone: 'zone-a', log: quiet });
    assert.equal(onGlobal.node.id, 'global');
    assert.equal(onGlobal.owns(res('Dataplane', 'd', 'm', { 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-a' })), true);
    assert.equal(onGlobal.owns(res('Dataplane', 'd', 'm', { 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-b' })), false);
    assert.equal(onGlobal.owns(res('Dataplane', 'd', 'm', { 'kuma.io/zone': 'zone-a' })), false);
    const dp = onGlobal.fromWire('ZoneIngress', toKumaResource({ name: 'zi', mesh: '', labels: {}, spec: {} }));
    assert.deepEqual(dp, { rejected: 'unknown resource type "ZoneIngress"' });
    const g = onGlobal.fromWire('Dataplane', toKumaResource({ name: 'd', mesh: 'm', labels: { 'kuma.io/zone': 'zone-b' }, spec: { networking: { gateway: { tags: { 'kuma.io/zone': 'zone-b' } } } } }));
    assert.ok('resource' in g);
    assert.deepEqual(g.owner, { type: 'Zone', mesh: '', name: 'zone-a' });
    assert.deepEqual(g.resource.meta.labels, { 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-a' });
    assert.deepEqual(g.resource.spec, { networking: { gateway: { tags: { 'kuma.io/zone': 'zone-a' } } } });
  });
});
