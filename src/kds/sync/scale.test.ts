import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { secretData } from '../../core/resources/system-types.js';
import { globalToZoneReceiver, globalToZoneSender } from './directions.js';
import { controlPlane, link, quiet, testNode, waitFor } from './testing/harness.js';

const COUNT = 10_000;
const MiB = 1024 * 1024;

// Not a benchmark (nothing is asserted about time); it checks that a large initial set is split into
// bounded responses and converges, and reports how long that took (t.diagnostic).
it(`initial sync of ${COUNT} resources goes out in chunks of at most 4 MiB and converges; a reconnect rewrites nothing`, async (t) => {
  const g = controlPlane();
  await g.manager.create({ type: 'Mesh', meta: { name: 'default', mesh: '' }, spec: {} });
  for (let i = 0; i < COUNT; i++) {
    await g.manager.create({ type: 'Secret', meta: { name: `secret-${i}`, mesh: 'default' }, spec: { data: secretData(randomBytes(1024)) } });
  }
  const z = controlPlane();
  const connect = () =>
    link(
      globalToZoneSender({ resources: g.manager, zone: 'zone-1', log: quiet }),
      globalToZoneReceiver({ resources: z.manager, zone: 'zone-1', node: testNode('zone-1'), log: quiet }),
    );
  const total = async () => (await z.manager.list('Secret', { mesh: 'default' })).total;

  let started = Date.now();
  let l = connect();
  try {
    await waitFor('all secrets on the zone', async () => (await total()) === COUNT + 1, 120_000);
    await waitFor('all answered', () => l.responses.length > 0 && l.requests.length >= l.responses.length + 4);
    const took = Date.now() - started;
    const chunks = l.responses.filter((r) => r.msg.typeUrl === 'Secret');
    t.diagnostic(`initial sync of ${COUNT + 1} Secrets (~1.4 KB each): ${took} ms in ${chunks.length} responses, largest ${(Math.max(...chunks.map((c) => c.bytes)) / MiB).toFixed(2)} MiB`);
    assert.ok(chunks.length >= 3, `several chunks: ${chunks.length}`);
    for (const c of chunks) {
      assert.ok(c.bytes <= 4 * MiB, `chunk of ${c.bytes} bytes`);
      assert.equal(c.msg.initial, true);
    }
    assert.deepEqual(
      chunks.map((c) => c.msg.systemVersionInfo !== ''),
      chunks.map((_c, i) => i === chunks.length - 1),
    );
    assert.ok(l.requests.every((r) => !r.errorDetail), 'no NACKs');
  } finally {
    await l.stop();
  }

  const versions = new Map((await z.manager.list('Secret')).items.map((r) => [r.meta.name, r.meta.version]));
  started = Date.now();
  l = connect();
  try {
    await waitFor('reconnect settled', () => l.requests.length >= 4 + l.responses.length && l.responses.filter((r) => r.msg.typeUrl === 'Secret').length >= 3, 120_000);
    t.diagnostic(`reconnect with ${COUNT + 1} Secrets already in place: ${Date.now() - started} ms`);
  } finally {
    await l.stop();
  }
  const after = (await z.manager.list('Secret')).items;
  assert.equal(after.length, COUNT + 1);
  assert.ok(after.every((r) => versions.get(r.meta.name) === r.meta.version), 'nothing rewritten');
});
