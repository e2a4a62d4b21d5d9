import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreFactory } from './contract-support.js';
import { collectEvents, dataplane, mesh, rejectsWithCode, secret, withStore } from './contract-support.js';

export function registerCascadeContract(makeStore: StoreFactory): void {
  const meshKey = { type: 'Mesh', mesh: '', name: 'm1' };

  test('deleting an owner deletes what it owns, recursively, and nothing else', () =>
    withStore(makeStore, async (store) => {
      await store.create(mesh('m1'));
      await store.create(mesh('m2'));
      await store.create(secret('m1', 'm1.ca-builtin-cert-ca-1'), { owner: meshKey });
      await store.create(dataplane('m1', 'dp-1'), { owner: meshKey });
      await store.create({ type: 'DataplaneInsight', meta: { name: 'dp-1', mesh: 'm1' }, spec: {} }, {
        owner: { type: 'Dataplane', mesh: 'm1', name: 'dp-1' },
      });
      await store.create(secret('m1', 'user-secret')); // no owner: survives
      await store.create(dataplane('m2', 'dp-1'), { owner: { type: 'Mesh', mesh: '', name: 'm2' } });
      const watcher = collectEvents(store);

      await store.delete(meshKey);

      await rejectsWithCode(store.get({ type: 'Secret', mesh: 'm1', name: 'm1.ca-builtin-cert-ca-1' }), 'ERR_RESOURCE_NOT_FOUND');
      await rejectsWithCode(store.get({ type: 'Dataplane', mesh: 'm1', name: 'dp-1' }), 'ERR_RESOURCE_NOT_FOUND');
      await rejectsWithCode(store.get({ type: 'DataplaneInsight', mesh: 'm1', name: 'dp-1' }), 'ERR_RESOURCE_NOT_FOUND');
      await store.get({ type: 'Secret', mesh: 'm1', name: 'user-secret' });
      await store.get({ type: 'Dataplane', mesh: 'm2', name: 'dp-1' });
      await store.get({ type: 'Mesh', mesh: '', name: 'm2' });

      const events = await watcher.waitFor(4);
      watcher.stop();
      const deleted = events.map((e) => `${e.op} ${e.type} ${e.mesh}/${e.name}`).sort();
      assert.deepEqual(deleted, [
        'delete Dataplane m1/dp-1',
        'delete DataplaneInsight m1/dp-1',
        'delete Mesh /m1',
        'delete Secret m1/m1.ca-builtin-cert-ca-1',
      ]);
    }));

  test('deleting an owned resource directly leaves the owner intact and cascade still works later', () =>
    withStore(makeStore, async (store) => {
      await store.create(mesh('m1'));
      await store.create(dataplane('m1', 'a'), { owner: meshKey });
      await store.create(dataplane('m1', 'b'), { owner: meshKey });
      await store.delete({ type: 'Dataplane', mesh: 'm1', name: 'a' });
      await store.get(meshKey);
      await store.delete(meshKey);
      assert.equal((await store.list('Dataplane')).total, 0);
    }));

  test('creating with a missing owner fails with ResourceNotFoundError and stores nothing', () =>
    withStore(makeStore, async (store) => {
      const err = await rejectsWithCode(store.create(secret('m1', 's1'), { owner: meshKey }), 'ERR_RESOURCE_NOT_FOUND');
      assert.equal(err.message, 'resource not found: type="Mesh" name="m1" mesh=""');
      await rejectsWithCode(store.get({ type: 'Secret', mesh: 'm1', name: 's1' }), 'ERR_RESOURCE_NOT_FOUND');
    }));

  test('a re-created owner does not inherit the old children', () =>
    withStore(makeStore, async (store) => {
      await store.create(mesh('m1'));
      await store.create(dataplane('m1', 'a'), { owner: meshKey });
      await store.delete(meshKey);
      await store.create(mesh('m1'));
      await store.create(dataplane('m1', 'a'));
      await store.delete(meshKey);
      await store.get({ type: 'Dataplane', mesh: 'm1', name: 'a' });
    }));
}
