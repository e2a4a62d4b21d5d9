import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingLogger } from '../../core/log.js';
import type { JsonObject } from '../../core/resources/json.js';
import { zoneToGlobalReceiver, zoneToGlobalSender } from './directions.js';
import { hashedName } from './naming.js';
import { controlPlane, link, names, quiet, waitFor, type ControlPlane, type Link } from './testing/harness.js';

const dpSpec = (zoneTag?: string): JsonObject => ({
  networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web', ...(zoneTag ? { 'kuma.io/zone': zoneTag } : {}) } }] },
});
const allow: JsonObject = { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] };

async function zoneWithContent(zoneName: string): Promise<ControlPlane> {
  const z = controlPlane();
  await z.manager.create({ type: 'Mesh', meta: { name: 'default', mesh: '' }, spec: {} });
  await z.manager.create({ type: 'Dataplane', meta: { name: 'dp-1', mesh: 'default', labels: { 'kuma.io/deletion-grace-period-started-at': 'x' } }, spec: dpSpec(zoneName) });
  await z.manager.create({ type: 'Dataplane', meta: { name: 'dp-2', mesh: 'default', labels: { 'kuma.io/origin': 'zone', 'kuma.io/zone': zoneName } }, spec: dpSpec() });
  await z.manager.create({
    type: 'DataplaneInsight',
    meta: { name: 'dp-1', mesh: 'default' },
    spec: { subscriptions: [{ id: 's-1', controlPlaneInstanceId: 'cp-1', generation: 7 }] },
  });
  await z.manager.create({ type: 'MeshTrafficPermission', meta: { name: 'zone-policy', mesh: 'default', labels: { 'kuma.io/origin': 'zone' } }, spec: allow });
  // Came from global: not sent back.
  await z.manager.create({ type: 'MeshTrafficPermission', meta: { name: 'global-policy-x1', mesh: 'default', labels: { 'kuma.io/origin': 'global' } }, spec: allow });
  return z;
}

async function globalWithZones(...zones: string[]): Promise<ControlPlane> {
  const g = controlPlane();
  for (const zone of zones) await g.manager.create({ type: 'Zone', meta: { name: zone, mesh: '' }, spec: { enabled: true } });
  return g;
}

function connect(zone: ControlPlane, zoneName: string, global: ControlPlane, authenticatedAs: string, log = quiet): Link {
  return link(
    { ...zoneToGlobalSender({ resources: zone.manager, zone: zoneName, log: quiet }), debounceMs: 10 },
    zoneToGlobalReceiver({ resources: global.manager, zone: authenticatedAs, log }),
  );
}

describe('KDS zone -> global', () => {
  it('initial sync and deltas: hash-suffixed names, zone labels, owned by the Zone', async () => {
    const z = await zoneWithContent('zone-a');
    const g = await globalWithZones('zone-a');
    const l = connect(z, 'zone-a', g, 'zone-a');
    try {
      await waitFor('synced', async () => (await names(g, 'Dataplane')).length === 2 && (await names(g, 'MeshTrafficPermission')).length === 1 && (await names(g, 'DataplaneInsight')).length === 1);
      const dp = await g.manager.get({ type: 'Dataplane', mesh: 'default', name: hashedName('dp-1', 'default', 'zone-a') });
      assert.deepEqual(dp.meta.labels, { 'kuma.io/display-name': 'dp-1', 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-a' });
      assert.deepEqual(dp.spec, dpSpec('zone-a'));
      const insight = await g.manager.get({ type: 'DataplaneInsight', mesh: 'default', name: hashedName('dp-1', 'default', 'zone-a') });
      assert.deepEqual(insight.spec, { subscriptions: [{ controlPlaneInstanceId: 'cp-1', id: 's-1' }] });
      assert.deepEqual(await names(g, 'MeshTrafficPermission'), [hashedName('zone-policy', 'default', 'zone-a')]);

      await z.manager.delete({ type: 'Dataplane', mesh: 'default', name: 'dp-2' });
      await z.manager.create({ type: 'Dataplane', meta: { name: 'dp-3', mesh: 'default' }, spec: dpSpec() });
      await waitFor('deltas', async () => {
        const dps = await names(g, 'Dataplane');
        return dps.length === 2 && dps.includes(hashedName('dp-3', 'default', 'zone-a'));
      });
      assert.ok(l.requests.every((r) => !r.errorDetail), 'no NACKs');
    } finally {
      await l.stop();
    }
    // Deleting the Zone on global deletes everything that zone synced.
    await g.manager.delete({ type: 'Zone', mesh: '', name: 'zone-a' });
    for (const type of ['Dataplane', 'DataplaneInsight', 'MeshTrafficPermission']) assert.deepEqual(await names(g, type), [], type);
  });

  it('a zone claiming another zone is rewritten to the authenticated zone, with a warning', async () => {
    const z = await zoneWithContent('zone-b'); // a zone that says it is zone-b ...
    const g = await globalWithZones('zone-a', 'zone-b');
    // ... while zone-b's own resources already exist on global.
    const theirs = { type: 'Dataplane', meta: { name: 'theirs', mesh: 'default', labels: { 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-b' } }, spec: dpSpec('zone-b') };
    await g.manager.create(theirs, { owner: { type: 'Zone', mesh: '', name: 'zone-b' } });
    const log = recordingLogger();
    const l = connect(z, 'zone-b', g, 'zone-a', log); // ... but authenticated as zone-a.
    try {
      await waitFor('synced', async () => (await names(g, 'Dataplane')).length === 3);
      const { items } = await g.manager.list('Dataplane', { labels: { 'kuma.io/zone': 'zone-a' } });
      assert.equal(items.length, 2);
      for (const dp of items) {
        assert.equal(dp.meta.labels['kuma.io/origin'], 'zone');
        const tags = ((dp.spec['networking'] as JsonObject)['inbound'] as JsonObject[])[0]?.['tags'] as Record<string, string>;
        if (dp.meta.labels['kuma.io/display-name'] === 'dp-1') assert.equal(tags['kuma.io/zone'], 'zone-a');
      }
      const warning = log.entries.find((e) => e.msg.startsWith('[WARNING] rewrote synced resource zone attribution'));
      assert.ok(warning);
      assert.equal(warning.level, 'warn');
      assert.equal(warning.fields['clientID'], 'zone-a');
      assert.deepEqual(warning.fields['replacedValues'], ['zone-b']);
      // zone-b's resource is not owned by this stream: never updated or deleted by it.
      const still = await g.manager.get({ type: 'Dataplane', mesh: 'default', name: 'theirs' });
      assert.equal(still.meta.labels['kuma.io/zone'], 'zone-b');
      await g.manager.delete({ type: 'Zone', mesh: '', name: 'zone-a' });
      await waitFor('zone-a cascade', async () => (await names(g, 'Dataplane')).length === 1);
    } finally {
      await l.stop();
    }
  });

  it('reconnect after changes on the zone: stale copies deleted, nothing duplicated, unchanged ones untouched', async () => {
    const z = await zoneWithContent('zone-a');
    const g = await globalWithZones('zone-a');
    let l = connect(z, 'zone-a', g, 'zone-a');
    await waitFor('synced', async () => (await names(g, 'Dataplane')).length === 2);
    await l.stop();
    const kept = await g.manager.get({ type: 'Dataplane', mesh: 'default', name: hashedName('dp-2', 'default', 'zone-a') });
    await z.manager.delete({ type: 'Dataplane', mesh: 'default', name: 'dp-1' });
    await z.manager.create({ type: 'Dataplane', meta: { name: 'dp-9', mesh: 'default' }, spec: dpSpec() });
    l = connect(z, 'zone-a', g, 'zone-a');
    try {
      await waitFor('converged', async () => {
        const dps = await names(g, 'Dataplane');
        return dps.length === 2 && dps.includes(hashedName('dp-9', 'default', 'zone-a'));
      });
      await waitFor('all answered', () => l.requests.length >= l.responses.length + 3);
      assert.deepEqual(await names(g, 'Dataplane'), [hashedName('dp-2', 'default', 'zone-a'), hashedName('dp-9', 'default', 'zone-a')].sort());
      const again = await g.manager.get({ type: 'Dataplane', mesh: 'default', name: hashedName('dp-2', 'default', 'zone-a') });
      assert.equal(again.meta.version, kept.meta.version);
    } finally {
      await l.stop();
    }
  });
});
