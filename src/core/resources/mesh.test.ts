import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from './json.js';
import { validateMeshSpec } from './mesh.js';
import { validateCaBackends, validateMeshCreate, validateMeshUpdate } from './mesh-ca-backends.js';

const builtin = (name: string, extra: JsonObject = {}): JsonObject => ({ name, type: 'builtin', ...extra });

test('a 2.x mtls block with a builtin backend is valid', () => {
  const spec = {
    mtls: {
      enabledBackend: 'ca-1',
      backends: [builtin('ca-1', { mode: 'PERMISSIVE', dpCert: { rotation: { expiration: '1d' } }, conf: { caCert: { RSAbits: 2048, expiration: '10y' } } })],
    },
  };
  assert.deepEqual(validateMeshSpec(spec).list, []);
  assert.deepEqual(validateMeshCreate('default', spec).list, []);
  assert.deepEqual(validateMeshSpec({}).list, []);
});

test('mtls structural rules with Kuma field paths and texts', () => {
  const spec = {
    mtls: {
      enabledBackend: 'missing',
      backends: [builtin('ca-1'), builtin('ca-1', { dpCert: { rotation: { expiration: '1 day' } } }), builtin('ca-3')],
    },
  };
  assert.deepEqual(validateMeshSpec(spec).list, [
    // Two backends are allowed (CA rotation; Kuma allows one), three are not.
    { field: 'mtls.backends', message: 'cannot have more than 2 backends' },
    { field: 'mtls.backends[1].name', message: '"ca-1" name is already used for another backend' },
    { field: 'mtls.dpcert.rotation.expiration', message: 'has to be a valid format' },
    { field: 'mtls.enabledBackend', message: 'has to be set to one of the backends in the mesh' },
  ]);
});

test('zoneEgress needs mTLS', () => {
  assert.deepEqual(validateMeshSpec({ routing: { zoneEgress: true } }).list, [{ field: 'mtls', message: 'has to be set when zoneEgress enabled' }]);
  assert.deepEqual(validateMeshSpec({ routing: { zoneEgress: true }, mtls: { enabledBackend: 'a', backends: [builtin('a')] } }).list, []);
});

test('logging, tracing, metrics backends and constraints', () => {
  const spec = {
    logging: { defaultBackend: 'x', backends: [{ name: '', type: 'syslog' }] },
    tracing: { backends: [{ name: 't', type: 'zipkin' }, { name: 't', type: 'zipkin' }] },
    metrics: { enabledBackend: 'p', backends: [{ name: 'p', type: 'statsd' }] },
    constraints: { dataplaneProxy: { requirements: [{ tags: {} }], restrictions: [{ tags: { 'kuma.io/service': 'a b' } }] } },
  };
  assert.deepEqual(validateMeshSpec(spec).list, [
    { field: 'logging.backends[0].name', message: 'cannot be empty' },
    { field: 'logging.backends[0].type', message: 'unknown backend type. Available backends: "tcp", "file"' },
    { field: 'logging.defaultBackend', message: 'has to be set to one of the logging backend in mesh' },
    { field: 'tracing.backends[1].name', message: '"t" name is already used for another backend' },
    { field: 'metrics.backends[0].type', message: 'unknown backend type. Available backends: "prometheus"' },
    { field: 'constraints.dataplaneProxy.requirements[0].tags', message: 'must have at least one tag' },
    {
      field: 'constraints.dataplaneProxy.restrictions[0].tags["kuma.io/service"]',
      message: 'tag value must consist of alphanumeric characters, dots, dashes, slashes and underscores or be "*"',
    },
  ]);
});

test('CA backend types must be installed (builtin|provided)', () => {
  assert.deepEqual(validateCaBackends('m', { mtls: { backends: [{ name: 'v', type: 'vault' }] } }).list, [
    { field: 'mtls.backends[0].type', message: 'could not find installed plugin for this type' },
  ]);
});

test('builtin backend name must make a valid DNS secret name', () => {
  assert.deepEqual(validateCaBackends('m', { mtls: { backends: [builtin('CA_1')] } }).list, [
    { field: 'mtls.backends[0].conf.mtls.backends.name', message: '"CA_1" name must be valid dns name' },
  ]);
  assert.deepEqual(validateCaBackends('m', { mtls: { skipValidation: true, backends: [builtin('CA_1')] } }).list, []);
});

test('provided backend needs cert and key data sources', () => {
  const spec = (conf: JsonObject): JsonObject => ({ mtls: { backends: [{ name: 'p', type: 'provided', conf }] } });
  assert.deepEqual(validateCaBackends('m', spec({})).list, [
    { field: 'mtls.backends[0].conf.cert', message: 'has to be defined' },
    { field: 'mtls.backends[0].conf.key', message: 'has to be defined' },
  ]);
  assert.deepEqual(validateCaBackends('m', spec({ cert: {}, key: { secret: '' } })).list, [
    { field: 'mtls.backends[0].conf.cert', message: 'data source has to be chosen. Available sources: secret, file, inline' },
    { field: 'mtls.backends[0].conf.key.secret', message: 'cannot be empty' },
  ]);
  assert.deepEqual(validateCaBackends('m', spec({ cert: { secret: 'c' }, key: { inline: 'a2V5' } })).list, []);
});

test('mesh create name length and CA change on update', () => {
  assert.deepEqual(validateMeshCreate('a'.repeat(64), {}).list, [{ field: 'name', message: 'cannot be longer than 63 characters' }]);
  const on = (b: string) => ({ mtls: { enabledBackend: b, backends: [builtin(b)] } });
  assert.deepEqual(validateMeshUpdate('m', on('a'), on('b')).list, [
    {
      field: 'mtls.enabledBackend',
      message:
        'Changing CA when mTLS is enabled is forbidden. Disable mTLS first and then change the CA, or rotate without downtime: first add the new backend next to the enabled one, then switch enabledBackend to it, then remove the old one',
    },
  ]);
  // Rotation: b was listed next to the enabled a, so switching to it is allowed.
  const both = (enabled: string) => ({ mtls: { enabledBackend: enabled, backends: [builtin('a'), builtin('b')] } });
  assert.deepEqual(validateMeshUpdate('m', both('a'), both('b')).list, []);
  assert.deepEqual(validateMeshUpdate('m', both('b'), on('b')).list, []);
  assert.deepEqual(validateMeshUpdate('m', {}, on('b')).list, []);
  assert.deepEqual(validateMeshUpdate('m', on('a'), on('a')).list, []);
});
