import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource, ResourceKey } from '../../core/resources/resource.js';
import { MemoryResourceStore } from '../../store/memory/memory-store.js';
import type { WireEntry } from './sender-diff.js';
import { SenderTypeView, WireCache } from './sender-view.js';
import type { KdsSource } from './sender.js';
import { toKumaResource } from './wire.js';

/** A memory store as the sender's source, counting reads; `get` can be taken away or made to fail. */
function countingSource(store: MemoryResourceStore, opts: { withGet?: boolean } = {}) {
  const calls = { list: 0, get: 0, failGet: false };
  const source: KdsSource = {
    list: (type) => {
      calls.list++;
      return store.list(type);
    },
    watch: (l) => store.watch(l),
  };
  if (opts.withGet ?? true) {
    source.get = (key: ResourceKey) => {
      calls.get++;
      if (calls.failGet) return Promise.reject(new Error('store unavailable'));
      return store.get(key);
    };
  }
  return { source, calls };
}

/** Maps every Mesh except those labelled `skip`, counting mappings. */
function mapper() {
  const counter = { mapped: 0 };
  const map = (r: Resource): WireEntry | undefined => {
    counter.mapped++;
    if (r.meta.labels['skip'] === 'yes') return undefined;
    const wire = toKumaResource({ name: r.meta.name, mesh: r.meta.mesh, labels: r.meta.labels, spec: r.spec });
    return { name: `${r.meta.name}.`, version: wire.specJson, wire, bytes: 100 };
  };
  return { map, counter };
}

const mesh = (name: string, note = '', labels: Record<string, string> = {}) => ({ type: 'Mesh', meta: { name, mesh: '', labels }, spec: { note } });
const versions = (m: ReadonlyMap<string, WireEntry>): Record<string, string> => Object.fromEntries([...m].map(([k, e]) => [k, e.version]));

describe('SenderTypeView', () => {
  it('lists once, then reads only what changed: creates, updates, deletes, and resources that stop being sent', async () => {
    const store = new MemoryResourceStore();
    for (let i = 0; i < 40; i++) await store.create(mesh(`m-${i}`));
    const { source, calls } = countingSource(store);
    const { map, counter } = mapper();
    const view = new SenderTypeView('Mesh', source, map);
    assert.equal((await view.current()).size, 40);
    assert.deepEqual([calls.list, calls.get, counter.mapped], [1, 0, 40]);

    const m1 = await store.get({ type: 'Mesh', mesh: '', name: 'm-1' });
    await store.update({ ...m1, spec: { note: 'changed' } });
    await store.delete({ type: 'Mesh', mesh: '', name: 'm-2' });
    await store.create(mesh('new'));
    const m3 = await store.get({ type: 'Mesh', mesh: '', name: 'm-3' });
    await store.update({ ...m3, meta: { ...m3.meta, labels: { skip: 'yes' } } });
    for (const n of ['m-1', 'm-2', 'new', 'm-3']) view.changed('', n);
    const now = await view.current();
    assert.deepEqual([calls.list, calls.get], [1, 4]);
    assert.equal(now.size, 39);
    assert.match(now.get('m-1.')?.version ?? '', /changed/);
    assert.ok(now.has('new.'));
    assert.ok(!now.has('m-2.') && !now.has('m-3.'));
    // Nothing changed: nothing read.
    await view.current();
    assert.deepEqual([calls.list, calls.get], [1, 4]);
  });

  it('a resync, or more changes than single reads are worth, lists again; a shared cache maps only what changed', async () => {
    const store = new MemoryResourceStore();
    for (let i = 0; i < 10; i++) await store.create(mesh(`m-${i}`));
    const { source, calls } = countingSource(store);
    const { map, counter } = mapper();
    const view = new SenderTypeView('Mesh', source, map, new WireCache(store));
    await view.current();
    const m0 = await store.get({ type: 'Mesh', mesh: '', name: 'm-0' });
    await store.update({ ...m0, spec: { note: 'x' } });
    await new Promise((r) => setImmediate(r)); // change events are delivered asynchronously
    view.resync();
    view.changed('', 'm-0'); // ignored: a full listing is due anyway
    const relisted = await view.current();
    assert.deepEqual([calls.list, calls.get, counter.mapped], [2, 0, 11]);
    assert.match(relisted.get('m-0.')?.version ?? '', /"x"/);

    // 17 changes on 10 resources: more than half the type, so one listing instead of 17 reads.
    for (let i = 0; i < 17; i++) view.changed('', `m-${i}`);
    await view.current();
    assert.deepEqual([calls.list, calls.get], [3, 0]);
  });

  it('views sharing a cache map each resource once; a change event drops its mapping', async () => {
    const store = new MemoryResourceStore();
    for (let i = 0; i < 5; i++) await store.create(mesh(`m-${i}`));
    const { source } = countingSource(store);
    const { map, counter } = mapper();
    const cache = new WireCache(store);
    const a = new SenderTypeView('Mesh', source, map, cache);
    const b = new SenderTypeView('Mesh', source, map, cache);
    await a.current();
    await b.current();
    assert.equal(counter.mapped, 5);
    const m1 = await store.get({ type: 'Mesh', mesh: '', name: 'm-1' });
    await store.update({ ...m1, spec: { note: 'new' } });
    await new Promise((r) => setImmediate(r));
    a.changed('', 'm-1');
    b.changed('', 'm-1');
    assert.match((await a.current()).get('m-1.')?.version ?? '', /new/);
    assert.match((await b.current()).get('m-1.')?.version ?? '', /new/);
    assert.equal(counter.mapped, 6);
    // The last view gone, the cache stops watching and holds nothing.
    a.close();
    a.close(); // twice is once
    assert.equal(cache.size, 5);
    b.close();
    assert.equal(cache.size, 0);
    await store.create(mesh('after'));
    await new Promise((r) => setImmediate(r));
    assert.equal(cache.size, 0);
  });

  it('a mapping read while its type changed is used but not cached', async () => {
    const store = new MemoryResourceStore();
    await store.create(mesh('a', 'old'));
    const cache = new WireCache(store);
    cache.acquire();
    const { map, counter } = mapper();
    const r = await store.get({ type: 'Mesh', mesh: '', name: 'a' });
    const generation = cache.generation('Mesh');
    await store.create(mesh('other'));
    await new Promise((res) => setImmediate(res)); // the event of 'other' arrives after the read of 'a'
    assert.ok(cache.mapping(r, '\u0000a', generation, map));
    assert.ok(cache.mapping(r, '\u0000a', cache.generation('Mesh'), map));
    assert.ok(cache.mapping(r, '\u0000a', cache.generation('Mesh'), map));
    assert.equal(counter.mapped, 2);
    cache.release();
  });

  it('a deleted and re-created resource is mapped again even when its version and times repeat', async () => {
    const store = new MemoryResourceStore({ now: () => new Date('2026-01-01T00:00:00Z') }); // same stamp both times
    await store.create(mesh('a', 'old'));
    const { source } = countingSource(store);
    const view = new SenderTypeView('Mesh', source, mapper().map, new WireCache(store));
    await view.current();
    await store.delete({ type: 'Mesh', mesh: '', name: 'a' });
    await store.create(mesh('a', 'new'));
    // Read before the events arrive: the old mapping may still be used...
    view.resync();
    await view.current();
    // ...until they do, and the view reads the resource again (as a session's change handling does).
    await new Promise((r) => setImmediate(r));
    view.changed('', 'a');
    assert.match(versions(await view.current())['a.'] ?? '', /new/);
    await store.delete({ type: 'Mesh', mesh: '', name: 'a' });
    await store.create(mesh('a', 'newer'));
    await new Promise((r) => setImmediate(r));
    view.resync();
    assert.match(versions(await view.current())['a.'] ?? '', /newer/);
  });

  it('without get, every change lists the type (the old behaviour)', async () => {
    const store = new MemoryResourceStore();
    await store.create(mesh('a'));
    const { source, calls } = countingSource(store, { withGet: false });
    const view = new SenderTypeView('Mesh', source, mapper().map);
    await view.current();
    await store.create(mesh('b'));
    view.changed('', 'b');
    assert.deepEqual(Object.keys(versions(await view.current())), ['a.', 'b.']);
    assert.equal(calls.list, 2);
  });

  it('a failed read is retried next time; nothing noted is lost', async () => {
    const store = new MemoryResourceStore();
    for (let i = 0; i < 4; i++) await store.create(mesh(`m-${i}`));
    const { source, calls } = countingSource(store);
    const view = new SenderTypeView('Mesh', source, mapper().map);
    await view.current();
    await store.create(mesh('late'));
    view.changed('', 'late');
    calls.failGet = true;
    await assert.rejects(view.current(), /store unavailable/);
    calls.failGet = false;
    assert.ok((await view.current()).has('late.'));
  });
});
