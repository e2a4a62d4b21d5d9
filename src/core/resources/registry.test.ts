import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GlobalToZones, KdsFlags, ZoneToGlobal, hasFlag } from './descriptor.js';
import { ResourceRegistry, builtinRegistry } from './registry.js';
import { MeshType } from './types.js';
import { assertValidResource, deprecationsOf, validateResource } from './validate.js';

test('paths, kumactl names, scopes and flags match Kuma 2.14', () => {
  const rows = builtinRegistry.all().map((d) => [d.name, d.wsPath, d.scope, d.shortName, d.kumactlArg, d.kumactlListArg, d.readOnly, d.adminOnly, d.isPluginOriginated]);
  assert.deepEqual(rows, [
    ['Mesh', 'meshes', 'global', 'm', 'mesh', 'meshes', false, false, false],
    ['Dataplane', 'dataplanes', 'mesh', 'dp', 'dataplane', 'dataplanes', false, false, false],
    ['DataplaneInsight', 'dataplane-insights', 'mesh', '', '', '', true, false, false],
    ['Secret', 'secrets', 'mesh', '', 'secret', 'secrets', false, true, false],
    ['GlobalSecret', 'globalsecrets', 'global', '', 'globalsecret', 'globalsecrets', false, true, false],
    ['Zone', 'zones', 'global', 'z', 'zone', 'zones', false, false, false],
    ['ZoneInsight', 'zone-insights', 'global', '', '', '', true, false, false],
    ['MeshTrafficPermission', 'meshtrafficpermissions', 'mesh', 'mtp', 'meshtrafficpermission', 'meshtrafficpermissions', false, false, true],
  ]);
  assert.equal(builtinRegistry.findByPath('global-secrets')?.name, 'GlobalSecret');
  assert.equal(builtinRegistry.findByKumactlArg('global-secret')?.name, 'GlobalSecret');
  assert.equal(builtinRegistry.findByKumactlArg('dataplanes')?.name, 'Dataplane');
  assert.equal(builtinRegistry.findByPath('nope'), undefined);
  assert.equal(builtinRegistry.get('Secret').kdsFlags, GlobalToZones | KdsFlags.ProvidedByZone);
  assert.ok(hasFlag(builtinRegistry.get('Dataplane').kdsFlags, ZoneToGlobal));
  assert.throws(() => builtinRegistry.get('Nope'), { code: 'ERR_RESOURCE_UNKNOWN_TYPE', message: 'unknown resource type: "Nope"' });
  assert.throws(() => new ResourceRegistry([MeshType, MeshType]), { code: 'ERR_RESOURCE_DUPLICATE_TYPE' });
});

test('validateResource reports meta then spec violations; deprecations per type', () => {
  const dp = builtinRegistry.get('Dataplane');
  assert.deepEqual(validateResource(dp, { name: 'Bad', mesh: 'default', spec: {} }).map((v) => v.field), ['name', 'networking']);
  assert.throws(() => assertValidResource(dp, { name: 'dp', mesh: 'default', spec: {} }), {
    code: 'ERR_RESOURCE_INVALID',
    message: 'networking: must be defined',
  });
  assert.equal(deprecationsOf(builtinRegistry.get('Mesh'), { name: 'aa.a', spec: {} }).length, 1);
  assert.deepEqual(deprecationsOf(dp, { name: 'aa.a', spec: {} }), []);
});
