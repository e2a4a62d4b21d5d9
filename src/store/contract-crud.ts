import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../core/resources/resource.js';
import type { StoreFactory } from './contract-support.js';
import { dataplane, mesh, rejectsWithCode, secret, withStore } from './contract-support.js';

export function registerCrudContract(makeStore: StoreFactory): void {
  test('create returns the stored resource with a version and times; get reads it back', () =>
    withStore(makeStore, async (store) => {
      const at = new Date('2026-01-01T10:00:00.123Z');
      const created = await store.create(mesh('m1', { mtls: { enabledBackend: '' } }, { team: 'a' }), { creationTime: at });
      assert.equal(created.type, 'Mesh');
      assert.equal(created.meta.name, 'm1');
      assert.equal(created.meta.mesh, '');
      assert.equal(typeof created.meta.version, 'string');
      assert.notEqual(created.meta.version, '');
      assert.equal(created.meta.creationTime.getTime(), at.getTime());
      assert.equal(created.meta.modificationTime.getTime(), at.getTime());
      assert.deepEqual(created.meta.labels, { team: 'a' });
      const got = await store.get({ type: 'Mesh', mesh: '', name: 'm1' });
      assert.deepEqual(got, created);
      assert.ok(got.meta.creationTime instanceof Date);
    }));

  test('create of an existing key fails with ResourceAlreadyExistsError and Kuma text', () =>
    withStore(makeStore, async (store) => {
      await store.create(mesh('m1'));
      const err = await rejectsWithCode(store.create(mesh('m1', { other: true })), 'ERR_RESOURCE_ALREADY_EXISTS');
      assert.equal(err.message, 'resource already exists: type="Mesh" name="m1" mesh=""');
      assert.deepEqual((await store.get({ type: 'Mesh', mesh: '', name: 'm1' })).spec, {});
    }));

  test('same name in another mesh or of another type is a different resource', () =>
    withStore(makeStore, async (store) => {
      await store.create(dataplane('a', 'x'));
      await store.create(dataplane('b', 'x'));
      await store.create(secret('a', 'x'));
      assert.equal((await store.get({ type: 'Dataplane', mesh: 'b', name: 'x' })).meta.mesh, 'b');
      assert.deepEqual((await store.get({ type: 'Secret', mesh: 'a', name: 'x' })).spec, { data: 'c2VjcmV0' });
    }));

  test('get of a missing resource fails with ResourceNotFoundError and Kuma text', () =>
    withStore(makeStore, async (store) => {
      const err = await rejectsWithCode(store.get({ type: 'Dataplane', mesh: 'default', name: 'nope' }), 'ERR_RESOURCE_NOT_FOUND');
      assert.equal(err.message, 'resource not found: type="Dataplane" name="nope" mesh="default"');
    }));

  test('get with a stale version fails with ResourceConflictError', () =>
    withStore(makeStore, async (store) => {
      const v1 = await store.create(mesh('m1'));
      await store.update({ ...v1, spec: { a: 1 } });
      await rejectsWithCode(store.get({ type: 'Mesh', mesh: '', name: 'm1' }, { version: v1.meta.version }), 'ERR_RESOURCE_CONFLICT');
    }));

  test('update replaces spec and labels, changes the version and modification time only', () =>
    withStore(makeStore, async (store) => {
      const created = await store.create(mesh('m1', { a: 1 }, { x: '1' }), { creationTime: new Date('2026-01-01T00:00:00Z') });
      const later = new Date('2026-01-02T00:00:00Z');
      const updated = await store.update({ ...created, spec: { b: 2 }, meta: { ...created.meta, labels: { y: '2' } } }, { modificationTime: later });
      assert.notEqual(updated.meta.version, created.meta.version);
      assert.deepEqual(updated.spec, { b: 2 });
      assert.deepEqual(updated.meta.labels, { y: '2' });
      assert.equal(updated.meta.creationTime.getTime(), created.meta.creationTime.getTime());
      assert.equal(updated.meta.modificationTime.getTime(), later.getTime());
      assert.deepEqual(await store.get({ type: 'Mesh', mesh: '', name: 'm1' }), updated);
    }));

  test('update with a stale version fails with ResourceConflictError and keeps the stored value', () =>
    withStore(makeStore, async (store) => {
      const v1 = await store.create(mesh('m1', { n: 1 }));
      const v2 = await store.update({ ...v1, spec: { n: 2 } });
      const err = await rejectsWithCode(store.update({ ...v1, spec: { n: 99 } }), 'ERR_RESOURCE_CONFLICT');
      assert.equal(err.message, 'resource conflict: type="Mesh" name="m1" mesh=""');
      assert.deepEqual(await store.get({ type: 'Mesh', mesh: '', name: 'm1' }), v2);
    }));

  test('update of a missing resource fails with ResourceConflictError', () =>
    withStore(makeStore, async (store) => {
      const v1 = await store.create(mesh('m1'));
      await store.delete({ type: 'Mesh', mesh: '', name: 'm1' });
      await rejectsWithCode(store.update(v1), 'ERR_RESOURCE_CONFLICT');
    }));

  test('concurrent updates from the same read: exactly one wins', () =>
    withStore(makeStore, async (store) => {
      const base = await store.create(mesh('m1', { n: 0 }));
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.update({ ...base, spec: { n: i + 1 } })));
      const won = results.filter((r): r is PromiseFulfilledResult<Resource> => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'ERR_RESOURCE_CONFLICT');
      assert.deepEqual((await store.get({ type: 'Mesh', mesh: '', name: 'm1' })).spec, won[0]?.value.spec);
    }));

  test('read-modify-write with retry on conflict loses no update', () =>
    withStore(makeStore, async (store) => {
      await store.create(mesh('counter', { n: 0 }));
      const key = { type: 'Mesh', mesh: '', name: 'counter' };
      const increment = async (): Promise<void> => {
        for (;;) {
          const cur = await store.get(key);
          try {
            await store.update({ ...cur, spec: { n: (cur.spec['n'] as number) + 1 } });
            return;
          } catch (err) {
            if ((err as { code?: string }).code !== 'ERR_RESOURCE_CONFLICT') throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: 5 }, async () => {
        for (let i = 0; i < 6; i++) await increment();
      }));
      assert.equal((await store.get(key)).spec['n'], 30);
    }));

  test('delete removes; deleting again fails with ResourceNotFoundError', () =>
    withStore(makeStore, async (store) => {
      await store.create(dataplane('default', 'dp-1'));
      const key = { type: 'Dataplane', mesh: 'default', name: 'dp-1' };
      await store.delete(key);
      await rejectsWithCode(store.get(key), 'ERR_RESOURCE_NOT_FOUND');
      const err = await rejectsWithCode(store.delete(key), 'ERR_RESOURCE_NOT_FOUND');
      assert.equal(err.message, 'resource not found: type="Dataplane" name="dp-1" mesh="default"');
    }));

  test('delete with a stale version fails with ResourceConflictError; with the current one succeeds', () =>
    withStore(makeStore, async (store) => {
      const v1 = await store.create(mesh('m1'));
      const v2 = await store.update({ ...v1, spec: { x: 1 } });
      const key = { type: 'Mesh', mesh: '', name: 'm1' };
      await rejectsWithCode(store.delete(key, { version: v1.meta.version }), 'ERR_RESOURCE_CONFLICT');
      await store.delete(key, { version: v2.meta.version });
      await rejectsWithCode(store.get(key), 'ERR_RESOURCE_NOT_FOUND');
    }));

  test('values are copied: mutating inputs or outputs never changes stored state', () =>
    withStore(makeStore, async (store) => {
      const input = mesh('m1', { nested: { list: [1, 2] } }, { a: '1' });
      const created = await store.create(input);
      (input.spec['nested'] as { list: number[] }).list.push(3);
      (input.meta.labels as Record<string, string>)['a'] = 'changed';
      (created.spec['nested'] as { list: number[] }).list.push(4);
      created.meta.labels['b'] = '2';
      created.meta.creationTime.setTime(0);
      const got = await store.get({ type: 'Mesh', mesh: '', name: 'm1' });
      assert.deepEqual(got.spec, { nested: { list: [1, 2] } });
      assert.deepEqual(got.meta.labels, { a: '1' });
      assert.notEqual(got.meta.creationTime.getTime(), 0);
      (got.spec['nested'] as { list: number[] }).list.length = 0;
      const listed = await store.list('Mesh');
      assert.deepEqual(listed.items[0]?.spec, { nested: { list: [1, 2] } });
      (listed.items[0]?.spec['nested'] as { list: number[] }).list.push(9);
      const update = { ...got, spec: { nested: { list: [7] } } };
      await store.update(update);
      (update.spec.nested.list as number[]).push(8);
      assert.deepEqual((await store.get({ type: 'Mesh', mesh: '', name: 'm1' })).spec, { nested: { list: [7] } });
    }));

  test('long names, unicode labels and specs round-trip', () =>
    withStore(makeStore, async (store) => {
      const longName = `${'a'.repeat(61)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`; // 253 chars, a valid RFC 1123 subdomain
      assert.equal(longName.length, 253);
      const labels = { team: 'zürich-🚀', 'kuma.io/display-name': 'ünïcødé' };
      const spec = { text: 'żółć 日本語 🚀', quote: '"\'\\', nul: 'a\u0001b' };
      await store.create({ type: 'Dataplane', meta: { name: longName, mesh: 'mesh_legacy.1', labels }, spec });
      const got = await store.get({ type: 'Dataplane', mesh: 'mesh_legacy.1', name: longName });
      assert.deepEqual(got.meta.labels, labels);
      assert.deepEqual(got.spec, spec);
      assert.equal((await store.list('Dataplane', { nameContains: 'b'.repeat(63) })).total, 1);
    }));

  test('a 1 MiB payload round-trips', () =>
    withStore(makeStore, async (store) => {
      const bytes = Buffer.alloc(768 * 1024);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
      const data = bytes.toString('base64'); // 1 MiB of base64
      await store.create(secret('default', 'big', data));
      const got = await store.get({ type: 'Secret', mesh: 'default', name: 'big' });
      assert.equal(got.spec['data'], data);
      const listed = await store.list('Secret', { mesh: 'default' });
      assert.equal(listed.items[0]?.spec['data'], data);
    }));
}
