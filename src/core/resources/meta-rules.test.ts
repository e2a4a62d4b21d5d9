import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsNameDeprecation, validateMeta, validateMeshNameLength } from './meta-rules.js';

const NAME_MSG =
  "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

test('valid names and meshes pass', () => {
  assert.deepEqual(validateMeta({ name: 'dp-1.web', mesh: 'my_mesh.1' }, 'mesh').list, []);
  assert.deepEqual(validateMeta({ name: 'a'.repeat(63), mesh: '' }, 'global').list, []);
});

test('name rules with Kuma texts', () => {
  assert.deepEqual(validateMeta({ name: '', mesh: '' }, 'global').list, [{ field: 'name', message: 'cannot be empty' }]);
  assert.deepEqual(validateMeta({ name: 'a'.repeat(254), mesh: '' }, 'global').list, [
    { field: 'name', message: 'value length must less or equal 253' },
  ]);
  for (const bad of ['Upper', '-a', 'a-', 'a_b', 'a..b', 'żółw']) {
    assert.deepEqual(validateMeta({ name: bad, mesh: '' }, 'global').list, [{ field: 'name', message: NAME_MSG }], bad);
  }
});

test('mesh rules apply to mesh-scoped types only', () => {
  assert.deepEqual(validateMeta({ name: 'x', mesh: '' }, 'mesh').list, [{ field: 'mesh', message: 'cannot be empty' }]);
  assert.deepEqual(validateMeta({ name: 'x', mesh: 'Bad!' }, 'mesh').list, [
    { field: 'mesh', message: "invalid characters. Valid characters are numbers, lowercase latin letters and '-', '_', '.' symbols." },
  ]);
  assert.deepEqual(validateMeta({ name: 'x', mesh: 'Bad!' }, 'global').list, []);
  assert.deepEqual(validateMeta({ name: '', mesh: '' }, 'mesh').list, [
    { field: 'name', message: 'cannot be empty' },
    { field: 'mesh', message: 'cannot be empty' },
  ]);
});

test('mesh name length (manager rule) counts bytes like Go', () => {
  assert.deepEqual(validateMeshNameLength('a'.repeat(63)).list, []);
  assert.deepEqual(validateMeshNameLength('a'.repeat(64)).list, [{ field: 'name', message: 'cannot be longer than 63 characters' }]);
});

test('DNS-1035 deprecation warning is a warning text, as in Kuma golden put_meshes_04', () => {
  assert.deepEqual(dnsNameDeprecation('Mesh', 'default'), []);
  assert.deepEqual(dnsNameDeprecation('Mesh', 'aa.a'), [
    "Invalid Mesh resource name: 'aa.a'. It does not conform to the DNS format (RFC 1035). This is deprecated. Errors: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.match(dnsNameDeprecation('Mesh', 'a'.repeat(64))[0] ?? '', /Errors: must be no more than 63 characters$/);
});
