import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreFactory } from './contract-support.js';
import { collectEvents, dataplane, mesh, withStore } from './contract-support.js';

export function registerWatchContract(makeStore: StoreFactory): void {
  test('watch delivers create, update and delete events in order', () =>
    withStore(makeStore, async (store) => {
      const watcher = collectEvents(store);
      const m = await store.create(mesh('m1'));
      await store.update({ ...m, spec: { a: 1 } });
      await store.create(dataplane('m1', 'dp-1'));
      await store.delete({ type: 'Mesh', mesh: '', name: 'm1' });
      const events = await watcher.waitFor(4);
      watcher.stop();
      assert.deepEqual(events, [
        { op: 'create', type: 'Mesh', mesh: '', name: 'm1' },
        { op: 'update', type: 'Mesh', mesh: '', name: 'm1' },
        { op: 'create', type: 'Dataplane', mesh: 'm1', name: 'dp-1' },
        { op: 'delete', type: 'Mesh', mesh: '', name: 'm1' },
      ]);
    }));

  test('failed writes emit nothing; unsubscribed listeners get nothing more', () =>
    withStore(makeStore, async (store) => {
      const watcher = collectEvents(store);
      const other = collectEvents(store);
      const m = await store.create(mesh('m1'));
      await store.create(mesh('m1')).catch(() => undefined);
      await store.update({ ...m, meta: { ...m.meta, version: 'stale' } }).catch(() => undefined);
      await watcher.waitFor(1);
      watcher.stop();
      await store.create(mesh('m2'));
      await other.waitFor(2);
      other.stop();
      assert.deepEqual(watcher.events, [{ op: 'create', type: 'Mesh', mesh: '', name: 'm1' }]);
      assert.deepEqual(other.events.map((e) => e.name), ['m1', 'm2']);
    }));

  test('a throwing listener does not break the store or other listeners', () =>
    withStore(makeStore, async (store) => {
      const stop = store.watch(() => {
        throw new Error('listener bug');
      });
      const watcher = collectEvents(store);
      await store.create(mesh('m1'));
      await watcher.waitFor(1);
      stop();
      watcher.stop();
      await store.get({ type: 'Mesh', mesh: '', name: 'm1' });
    }));
}
