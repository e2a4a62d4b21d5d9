import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../../core/resources/json.js';
import { dataplaneStatus, isOnline, uint64Of } from './dataplane-status.js';
import { formatDate } from './dataplanes-table.js';

const connected: JsonObject = { subscriptions: [{ id: '1', connectTime: '2026-01-01T00:00:00Z' }] };
const disconnected: JsonObject = { subscriptions: [{ id: '1', connectTime: '2026-01-01T00:00:00Z', disconnectTime: '2026-01-01T00:01:00Z' }] };

test('online: a subscription with a connect time and no disconnect time', () => {
  assert.equal(isOnline(connected), true);
  assert.equal(isOnline(disconnected), false);
  assert.equal(isOnline({ subscriptions: [{ id: '1' }] }), false);
  assert.equal(isOnline(undefined), false);
  assert.equal(isOnline({ subscriptions: [{ id: '0', connectTime: '2026-01-01T00:00:00Z', disconnectTime: '2026-01-01T00:01:00Z' }, { id: '2', connectTime: '2026-01-01T00:02:00Z' }] }), true);
});

test('status from inbound health and state, listeners and gateways', () => {
  const inbound = (extra: JsonObject): JsonObject => ({ port: 8080, tags: { 'kuma.io/service': 'web' }, ...extra });
  const dp = (...inbounds: JsonObject[]): JsonObject => ({ networking: { address: '1.1.1.1', inbound: inbounds } });
  assert.deepEqual(dataplaneStatus(dp(inbound({})), connected), { status: 'Online', notes: [] });
  assert.deepEqual(dataplaneStatus(dp(inbound({})), disconnected), { status: 'Offline', notes: [] });
  assert.deepEqual(dataplaneStatus(dp(inbound({}), inbound({ port: 9090, state: 'NotReady' })), connected), {
    status: 'Partially degraded',
    notes: ['inbound[port=9090,svc=web] is not ready'],
  });
  assert.deepEqual(dataplaneStatus(dp(inbound({ health: { ready: false } })), connected), { status: 'Offline', notes: ['inbound[port=8080,svc=web] is not ready'] });
  assert.deepEqual(dataplaneStatus(dp(inbound({ health: { ready: true } })), connected).status, 'Online');
  assert.deepEqual(dataplaneStatus({ networking: { address: '1.1.1.1' } }, connected).status, 'Offline', 'nothing ready');
  const zoneProxy: JsonObject = { networking: { address: '1.1.1.1', listeners: [{ type: 'ZoneIngress', port: 10001 }, { type: 'ZoneEgress', port: 10002, state: 'NotReady' }] } };
  assert.deepEqual(dataplaneStatus(zoneProxy, connected), { status: 'Partially degraded', notes: ['listener[port=10002,type=ZoneEgress] is not ready'] });
  const gateway: JsonObject = { networking: { address: '1.1.1.1', gateway: { tags: { 'kuma.io/service': 'gw' } } } };
  assert.equal(dataplaneStatus(gateway, connected).status, 'Online');
  assert.equal(dataplaneStatus(gateway, disconnected).status, 'Offline');
});

test('protojson uint64 counters and dates', () => {
  assert.equal(uint64Of('18446744073709551615'), 18446744073709551615n);
  assert.equal(uint64Of(7), 7n);
  assert.equal(uint64Of('x'), 0n);
  assert.equal(uint64Of(undefined), 0n);
  assert.equal(formatDate('2020-05-08T08:28:22Z'), '2020-05-08 08:28:22');
  assert.equal(formatDate(undefined), '-');
});
