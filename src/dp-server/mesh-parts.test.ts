import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeshType, type Resource } from '../core/resources/index.js';
import { ResourceNotFoundError } from '../store/errors.js';
import { MeshParts } from './mesh-parts.js';

function meshResource(enabledBackend: string): Resource {
  const now = new Date();
  return { type: MeshType.name, meta: { mesh: '', name: 'default', labels: {}, version: '1', creationTime: now, modificationTime: now }, spec: { mtls: { enabledBackend } } };
}

function reader(state: { mesh: Resource | undefined; reads: number; fail?: boolean }) {
  return {
    get: async (key: { type: string; mesh: string; name: string }): Promise<Resource> => {
      state.reads += 1;
      if (state.fail) throw new Error('database unavailable');
      if (!state.mesh) throw new ResourceNotFoundError(key);
      return state.mesh;
    },
  };
}

test('one store read serves every stream of a mesh until the mesh changes', async () => {
  const state = { mesh: meshResource(''), reads: 0 };
  const parts = new MeshParts(reader(state));
  const got = await Promise.all(Array.from({ length: 100 }, () => parts.get('default')));
  assert.equal(state.reads, 1);
  assert.equal(got[0]?.info.mtlsEnabled, false);
  state.mesh = meshResource('ca-1');
  parts.invalidate('default');
  const after = await parts.get('default');
  assert.equal(state.reads, 2);
  assert.equal(after?.info.mtlsEnabled, true);
  assert.notEqual(after?.hash, got[0]?.hash);
});

test('a missing mesh reads as undefined; failures are not kept', async () => {
  const state: { mesh: Resource | undefined; reads: number; fail?: boolean } = { mesh: undefined, reads: 0, fail: true };
  const parts = new MeshParts(reader(state));
  await assert.rejects(parts.get('default'), /database unavailable/);
  state.fail = false;
  assert.equal(await parts.get('default'), undefined);
  state.mesh = meshResource('');
  parts.invalidate();
  assert.equal((await parts.get('default'))?.info.name, 'default');
  assert.equal(state.reads, 3);
});
