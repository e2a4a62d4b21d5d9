import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStoreContract } from '../contract.js';
import { StrictResourceStore } from '../strict-store.js';
import { MemoryResourceStore } from './memory-store.js';

runStoreContract('memory', async () => {
  const store = new MemoryResourceStore();
  return { store, cleanup: () => store.close() };
});

runStoreContract('strict(memory)', async () => {
  const store = new StrictResourceStore(new MemoryResourceStore());
  return { store, cleanup: () => store.close() };
});

test('memory versions count up from 1 as decimal strings', async () => {
  const store = new MemoryResourceStore();
  const v1 = await store.create({ type: 'Mesh', meta: { name: 'm', mesh: '' }, spec: {} });
  assert.equal(v1.meta.version, '1');
  const v2 = await store.update(v1);
  assert.equal(v2.meta.version, '2');
  await store.close();
});

test('events are not delivered inside the writing call', async () => {
  const store = new MemoryResourceStore();
  const seen: string[] = [];
  store.watch((e) => seen.push(e.op));
  await store.create({ type: 'Mesh', meta: { name: 'm', mesh: '' }, spec: {} });
  assert.deepEqual(seen, []);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['create']);
  await store.close();
});
