import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordingLogger } from '../core/log.js';
import { MemoryResourceStore } from '../store/memory/memory-store.js';
import { StrictResourceStore } from '../store/strict-store.js';
import { newSigningKeyPem } from '../tokens/index.js';
import { deleteOfflineDataplanes } from './offline-dataplanes.js';
import { ResourceManager } from './resource-manager.js';

const HOUR = 3600_000;

test('deletes Dataplanes offline longer than the cleanup age, keeps the rest', async () => {
  const pem = await newSigningKeyPem();
  const resources = new ResourceManager(new StrictResourceStore(new MemoryResourceStore()), { newSigningKey: async () => pem });
  await resources.create({ type: 'Mesh', meta: { name: 'default', mesh: '' }, spec: {} });
  const now = new Date('2026-11-28T12:00:00Z');
  const ago = (h: number): string => new Date(now.getTime() - h * HOUR).toISOString();
  const cases: Record<string, unknown[] | undefined> = {
    'old-offline': [{ id: 'a', connectTime: ago(100), disconnectTime: ago(80) }, { id: 'b', connectTime: ago(75), disconnectTime: ago(73) }],
    'recent-offline': [{ id: 'a', connectTime: ago(10), disconnectTime: ago(5) }],
    // The last subscription is online although an older one disconnected long ago.
    online: [{ id: 'a', connectTime: ago(100), disconnectTime: ago(90) }, { id: 'b', connectTime: ago(1) }],
    'never-connected': undefined,
    'bad-time': [{ id: 'a', connectTime: ago(100), disconnectTime: 'yesterday' }],
  };
  for (const [name, subs] of Object.entries(cases)) {
    await resources.create({
      type: 'Dataplane',
      meta: { name, mesh: 'default' },
      spec: { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }] } },
    });
    if (subs) {
      await resources.create({ type: 'DataplaneInsight', meta: { name, mesh: 'default' }, spec: { subscriptions: subs as never } }, { owner: { type: 'Dataplane', mesh: 'default', name } });
    }
  }
  const log = recordingLogger();
  assert.equal(await deleteOfflineDataplanes(resources, { cleanupAgeMs: 72 * HOUR, now, log }), 1);
  const left = (await resources.list('Dataplane')).items.map((d) => d.meta.name).sort();
  assert.deepEqual(left, ['bad-time', 'never-connected', 'online', 'recent-offline']);
  assert.equal((await resources.list('DataplaneInsight')).items.some((i) => i.meta.name === 'old-offline'), false);
  assert.ok(log.entries.some((e) => e.msg === 'deleting resource which is offline' && e.fields['name'] === 'old-offline'));
  assert.ok(log.entries.some((e) => e.msg === 'unable to parse DisconnectTime'));
});
