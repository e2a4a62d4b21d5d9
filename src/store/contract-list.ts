import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceStore } from './resource-store.js';
import type { StoreFactory } from './contract-support.js';
import { dataplane, mesh, rejectsWithCode, withStore } from './contract-support.js';

async function seed(store: ResourceStore): Promise<string[]> {
  const keys: string[] = [];
  // Inserted out of order on purpose: lists must still come back sorted by (mesh, name).
  for (const m of ['zeta', 'alpha']) {
    for (let i = 12; i >= 0; i--) {
      const name = `dp-${String(i).padStart(2, '0')}`;
      await store.create(dataplane(m, name, { parity: i % 2 === 0 ? 'even' : 'odd', tier: i < 5 ? 'low' : 'high' }));
      keys.push(`${m}/${name}`);
    }
  }
  return keys.sort();
}

export function registerListContract(makeStore: StoreFactory): void {
  test('list returns only the type asked for, sorted by (mesh, name), with total', () =>
    withStore(makeStore, async (store) => {
      const keys = await seed(store);
      await store.create(mesh('alpha'));
      const all = await store.list('Dataplane');
      assert.equal(all.total, 26);
      assert.equal(all.next, undefined);
      assert.deepEqual(all.items.map((r) => `${r.meta.mesh}/${r.meta.name}`), keys);
      assert.ok(all.items.every((r) => r.type === 'Dataplane'));
      assert.deepEqual((await store.list('Mesh')).items.map((r) => r.meta.name), ['alpha']);
      assert.deepEqual(await store.list('Secret'), { items: [], total: 0 });
    }));

  test('mesh scoping: a mesh filter returns that mesh only', () =>
    withStore(makeStore, async (store) => {
      await seed(store);
      const alpha = await store.list('Dataplane', { mesh: 'alpha' });
      assert.equal(alpha.total, 13);
      assert.ok(alpha.items.every((r) => r.meta.mesh === 'alpha'));
      assert.equal((await store.list('Dataplane', { mesh: 'nope' })).total, 0);
    }));

  test('pages of size 7 walked through next cover everything once, in order', () =>
    withStore(makeStore, async (store) => {
      const keys = await seed(store);
      const seen: string[] = [];
      let offset: string | undefined;
      let pages = 0;
      do {
        const page = await store.list('Dataplane', { pageSize: 7, ...(offset !== undefined ? { pageOffset: offset } : {}) });
        assert.equal(page.total, 26);
        assert.ok(page.items.length <= 7);
        seen.push(...page.items.map((r) => `${r.meta.mesh}/${r.meta.name}`));
        offset = page.next;
        pages++;
      } while (offset !== undefined);
      assert.equal(pages, 4);
      assert.deepEqual(seen, keys);
    }));

  test('an exact last page has no next; an offset past the end is an empty page', () =>
    withStore(makeStore, async (store) => {
      await seed(store);
      const last = await store.list('Dataplane', { pageSize: 13, pageOffset: '13' });
      assert.equal(last.items.length, 13);
      assert.equal(last.next, undefined);
      const beyond = await store.list('Dataplane', { pageSize: 5, pageOffset: '100' });
      assert.deepEqual(beyond.items, []);
      assert.equal(beyond.total, 26);
      assert.equal(beyond.next, undefined);
    }));

  test('bad offsets fail with Kuma texts', () =>
    withStore(makeStore, async (store) => {
      await seed(store);
      const bad = await rejectsWithCode(store.list('Dataplane', { pageSize: 5, pageOffset: 'invalid' }), 'ERR_STORE_INVALID');
      assert.equal(bad.message, 'invalid: invalid offset: strconv.Atoi: parsing "invalid": invalid syntax');
      const neg = await rejectsWithCode(store.list('Dataplane', { pageSize: 5, pageOffset: '-1' }), 'ERR_STORE_INVALID');
      assert.equal(neg.message, 'invalid: invalid offset: must be non-negative');
    }));

  test('name filter is a substring match', () =>
    withStore(makeStore, async (store) => {
      await seed(store);
      const r = await store.list('Dataplane', { nameContains: '-1' });
      assert.deepEqual(r.items.map((x) => `${x.meta.mesh}/${x.meta.name}`), [
        'alpha/dp-10', 'alpha/dp-11', 'alpha/dp-12', 'zeta/dp-10', 'zeta/dp-11', 'zeta/dp-12',
      ]);
    }));

  test('label filters are exact and ANDed, and combine with mesh, name and paging', () =>
    withStore(makeStore, async (store) => {
      await seed(store);
      assert.equal((await store.list('Dataplane', { labels: { parity: 'even' } })).total, 14);
      assert.equal((await store.list('Dataplane', { labels: { parity: 'even', tier: 'low' } })).total, 6);
      assert.equal((await store.list('Dataplane', { labels: { parity: 'ev' } })).total, 0);
      const page = await store.list('Dataplane', { mesh: 'zeta', labels: { tier: 'high' }, nameContains: 'dp-1', pageSize: 2 });
      assert.equal(page.total, 3);
      assert.deepEqual(page.items.map((x) => x.meta.name), ['dp-10', 'dp-11']);
      assert.equal(page.next, '2');
    }));
}
