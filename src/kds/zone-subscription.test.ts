import assert from 'node:assert/strict';
import { test } from 'node:test';
import { versionCompatible, ZoneSubscription } from './zone-subscription.js';

test("versionCompatible: Kuma's rule, same major and minor within two; dev versions pass", () => {
  assert.equal(versionCompatible('2.9.0', '2.7.3'), true);
  assert.equal(versionCompatible('2.9.0', '2.11.0'), true);
  assert.equal(versionCompatible('2.9.0', '2.6.0'), false);
  assert.equal(versionCompatible('2.9.0', '3.9.0'), false);
  assert.equal(versionCompatible('0.1.0', 'dev-abc'), true);
});

test('toJson: Kuma protojson shape, counters as strings, zero values omitted', () => {
  const t = new Date('2026-01-01T10:00:00Z');
  const sub = new ZoneSubscription('global-1', true, () => t);
  sub.nodeSeen({ version: '0.1.0', controlPlaneId: 'zone-cp-1', configJson: '{}' });
  sub.responseSent('Mesh');
  sub.acknowledged('Mesh');
  sub.rejected('MeshTrafficPermission');
  const j = sub.toJson();
  assert.equal(j['globalInstanceId'], 'global-1');
  assert.equal(j['zoneInstanceId'], 'zone-cp-1');
  assert.equal(j['connectTime'], '2026-01-01T10:00:00Z');
  assert.equal(j['disconnectTime'], undefined);
  assert.equal(j['authTokenProvided'], true);
  assert.deepEqual(j['status'], {
    lastUpdateTime: '2026-01-01T10:00:00Z',
    total: { responsesSent: '1', responsesAcknowledged: '1', responsesRejected: '1' },
    stat: { Mesh: { responsesSent: '1', responsesAcknowledged: '1' }, MeshTrafficPermission: { responsesRejected: '1' } },
  });
  assert.deepEqual(j['version'], { kumaCp: { version: '0.1.0', kumaCpGlobalCompatible: true } });
  sub.disconnected();
  assert.equal(sub.toJson()['disconnectTime'], '2026-01-01T10:00:00Z');
  assert.equal(sub.online, false);
});

test('what a zone says about itself is bounded', () => {
  const sub = new ZoneSubscription('g', false);
  sub.nodeSeen({ version: 'v'.repeat(1000), controlPlaneId: 'c', configJson: 'x'.repeat(300 * 1024) });
  for (let i = 0; i < 500; i++) sub.responseSent(`Type${i}`);
  const j = sub.toJson();
  assert.ok(String(j['config']).length < 200);
  assert.equal(Object.keys((j['status'] as Record<string, Record<string, unknown>>)['stat'] as object).length, 200);
  assert.equal(((j['status'] as Record<string, Record<string, unknown>>)['total'] as Record<string, unknown>)['responsesSent'], '500');
});
