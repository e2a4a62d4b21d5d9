import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code } from '@connectrpc/connect';
import { silentLogger } from '../core/log.js';
import { KdsStatusError } from './transport/kds-errors.js';
import { readKdsMetadata } from './transport/metadata.js';
import { memoryResources } from './transport/testing/kds-fixture.js';
import { ensureZoneEnabled, zoneFromMetadata } from './zone-admission.js';

const refusedWith = (fn: () => unknown, code: Code, text: RegExp): void => {
  assert.throws(fn, (err: unknown) => err instanceof KdsStatusError && err.grpcCode === code && text.test(err.message));
};

test('client-id: exactly one, a DNS-1035 label', () => {
  assert.equal(zoneFromMetadata(readKdsMetadata(['client-id', 'zone-1'])), 'zone-1');
  refusedWith(() => zoneFromMetadata(readKdsMetadata([])), Code.InvalidArgument, /"client-id" is not present in metadata/);
  refusedWith(() => zoneFromMetadata(readKdsMetadata(['client-id', 'a', 'client-id', 'b'])), Code.InvalidArgument, /exactly 1 "client-id"/);
  refusedWith(() => zoneFromMetadata(readKdsMetadata(['client-id', 'Zone_1'])), Code.InvalidArgument, /client-id Zone_1 is not a valid zone name: a DNS-1035 label/);
  refusedWith(() => zoneFromMetadata(readKdsMetadata(['client-id', 'z'.repeat(64)])), Code.InvalidArgument, /must be no more than 63 characters/);
});

test('ensureZoneEnabled creates the Zone once, accepts an enabled one, refuses a disabled one', async () => {
  const resources = memoryResources();
  await ensureZoneEnabled(resources, 'z', silentLogger);
  assert.deepEqual((await resources.get({ type: 'Zone', mesh: '', name: 'z' })).spec, { enabled: true });
  await Promise.all([ensureZoneEnabled(resources, 'y', silentLogger), ensureZoneEnabled(resources, 'y', silentLogger)]);
  await resources.create({ type: 'Zone', meta: { name: 'legacy', mesh: '' }, spec: {} });
  await ensureZoneEnabled(resources, 'legacy', silentLogger);
  await resources.create({ type: 'Zone', meta: { name: 'off', mesh: '' }, spec: { enabled: false } });
  await assert.rejects(ensureZoneEnabled(resources, 'off', silentLogger), (err: unknown) => err instanceof KdsStatusError && err.grpcCode === Code.FailedPrecondition);
});
