import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../core/log.js';
import type { JsonObject } from '../core/resources/index.js';
import { memoryResources } from './transport/testing/kds-fixture.js';
import { isZoneOnline, mergeSubscriptions, ZoneInsightSink } from './zone-insights.js';
import { ZoneSubscription } from './zone-subscription.js';

const now = new Date('2026-01-01T10:00:00Z');

test('isZoneOnline: a subscription with a connect time and no disconnect time', () => {
  assert.equal(isZoneOnline(undefined), false);
  assert.equal(isZoneOnline({ subscriptions: [] }), false);
  assert.equal(isZoneOnline({ subscriptions: [{ connectTime: 'a', disconnectTime: 'b' }] }), false);
  assert.equal(isZoneOnline({ subscriptions: [{ connectTime: 'a', disconnectTime: 'b' }, { connectTime: 'c' }] }), true);
});

test('mergeSubscriptions: replaces by id, finalizes stale open ones, keeps the newest `limit`', () => {
  const old = [{ id: '1', connectTime: 'a' }, { id: '2', connectTime: 'b', disconnectTime: 'c' }];
  assert.deepEqual(mergeSubscriptions(old, { id: '1', connectTime: 'a', disconnectTime: 'd' }, true, now, 10), [{ id: '1', connectTime: 'a', disconnectTime: 'd' }, old[1]]);
  assert.deepEqual(mergeSubscriptions(old, { id: '3', connectTime: 'e' }, false, now, 2), [
    { id: '2', connectTime: 'b', disconnectTime: 'c' },
    { id: '3', connectTime: 'e' },
  ]);
  const merged = mergeSubscriptions(old, { id: '3', connectTime: 'e' }, false, now, 0) as JsonObject[];
  assert.equal(merged[0]?.['disconnectTime'], '2026-01-01T10:00:00Z', 'an open subscription left by a dead instance is closed');
  assert.equal(mergeSubscriptions(old, { id: '9' }, true, now, 10), undefined, 'a final write for a trimmed subscription changes nothing');
});

test('the sink writes the insight owned by the Zone, online on connect, offline on close', async () => {
  const resources = memoryResources();
  await resources.create({ type: 'Zone', meta: { name: 'z', mesh: '' }, spec: { enabled: true } });
  const sink = new ZoneInsightSink(resources, { flushIntervalMs: 10, logger: silentLogger });
  const sub = new ZoneSubscription('g-1', false);
  const tracker = sink.track('z', sub);
  await tracker.streamOpened('globalToZone');
  let zi = await resources.get({ type: 'ZoneInsight', mesh: '', name: 'z' });
  assert.equal(isZoneOnline(zi.spec), true);
  assert.equal(((zi.spec['kdsStreams'] as JsonObject)['globalToZone'] as JsonObject)['globalInstanceId'], 'g-1');
  sub.responseSent('Mesh');
  tracker.changed();
  await new Promise((r) => setTimeout(r, 40));
  await sink.drain();
  zi = await resources.get({ type: 'ZoneInsight', mesh: '', name: 'z' });
  assert.equal((((zi.spec['subscriptions'] as JsonObject[])[0]?.['status'] as JsonObject)['total'] as JsonObject)['responsesSent'], '1');
  await tracker.close();
  zi = await resources.get({ type: 'ZoneInsight', mesh: '', name: 'z' });
  assert.equal(isZoneOnline(zi.spec), false);
  await resources.delete({ type: 'Zone', mesh: '', name: 'z' });
  await assert.rejects(resources.get({ type: 'ZoneInsight', mesh: '', name: 'z' }), /not found/, 'deleted with its Zone');
});

test('a write for a Zone that no longer exists is dropped quietly', async () => {
  const resources = memoryResources();
  const sink = new ZoneInsightSink(resources, { flushIntervalMs: 10, logger: silentLogger });
  await sink.track('gone', new ZoneSubscription('g', false)).flushNow();
  await assert.rejects(resources.get({ type: 'ZoneInsight', mesh: '', name: 'gone' }), /not found/);
});
