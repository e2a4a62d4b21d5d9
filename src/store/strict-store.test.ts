import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../core/resources/resource.js';
import { MemoryResourceStore } from './memory/memory-store.js';
import { StrictResourceStore } from './strict-store.js';

const strict = () => new StrictResourceStore(new MemoryResourceStore());

test('refuses keys that no backend may store', async () => {
  const s = strict();
  const cases: [string, Promise<unknown>][] = [
    ['unknown resource type "Nope"', s.create({ type: 'Nope', meta: { name: 'x', mesh: '' }, spec: {} })],
    ['Mesh name must be set', s.create({ type: 'Mesh', meta: { name: '', mesh: '' }, spec: {} })],
    ['Dataplane is mesh-scoped: mesh must be set', s.get({ type: 'Dataplane', mesh: '', name: 'x' })],
    ['Mesh is global-scoped: mesh must be empty', s.delete({ type: 'Mesh', mesh: 'm', name: 'x' })],
    ['name must be at most 253 characters', s.create({ type: 'Mesh', meta: { name: 'a'.repeat(254), mesh: '' }, spec: {} })],
    ['mesh must be at most 100 characters', s.create({ type: 'Secret', meta: { name: 'a', mesh: 'm'.repeat(101) }, spec: {} })],
    ['label values must be strings', s.create({ type: 'Mesh', meta: { name: 'a', mesh: '', labels: { a: 1 as unknown as string } }, spec: {} })],
    ['spec must be an object', s.create({ type: 'Mesh', meta: { name: 'a', mesh: '' }, spec: [] as unknown as Record<string, never> })],
    ['unknown resource type "Nope"', s.list('Nope')],
  ];
  for (const [reason, p] of cases) {
    await assert.rejects(p, { code: 'ERR_STORE_INVALID', message: `invalid: ${reason}` });
  }
});

test('update needs the version it was read at', async () => {
  const s = strict();
  const m = await s.create({ type: 'Mesh', meta: { name: 'm', mesh: '' }, spec: {} });
  await assert.rejects(s.update({ ...m, meta: { ...m.meta, version: '' } }), {
    code: 'ERR_STORE_INVALID',
    message: 'invalid: update of Mesh "m" needs the version it was read at',
  });
});

test('reports a backend that does not change the version', async () => {
  const inner = new MemoryResourceStore();
  const broken = Object.assign(Object.create(inner) as MemoryResourceStore, {
    update: async (r: Resource) => r,
  });
  const s = new StrictResourceStore(broken);
  const m = await s.create({ type: 'Mesh', meta: { name: 'm', mesh: '' }, spec: {} });
  await assert.rejects(s.update(m), { code: 'ERR_STORE_CONTRACT' });
});
