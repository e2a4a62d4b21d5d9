import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeLabels, validateLabelSyntax } from './labels.js';
import { builtinRegistry } from './registry.js';

const d = (n: string) => builtinRegistry.get(n);

test('mesh-scoped types get kuma.io/mesh; global mode adds nothing else', () => {
  assert.deepEqual(computeLabels(d('Secret'), {}, {}, 'default', { mode: 'global' }), { 'kuma.io/mesh': 'default' });
  assert.deepEqual(computeLabels(d('Secret'), {}, { 'kuma.io/mesh': 'x' }, 'default', { mode: 'global' }), { 'kuma.io/mesh': 'x' });
  assert.deepEqual(computeLabels(d('Mesh'), {}, { a: 'b' }, '', { mode: 'global' }), { a: 'b' });
});

test('zone mode: origin, zone and env for types provided by zones (golden secret PUT)', () => {
  assert.deepEqual(computeLabels(d('Secret'), { data: 'eA==' }, {}, 'default', { mode: 'zone', zone: 'default' }), {
    'kuma.io/env': 'universal',
    'kuma.io/mesh': 'default',
    'kuma.io/origin': 'zone',
    'kuma.io/zone': 'default',
  });
  assert.deepEqual(computeLabels(d('Mesh'), {}, {}, '', { mode: 'zone', zone: 'z' }), {});
  assert.deepEqual(computeLabels(d('Secret'), {}, { 'kuma.io/origin': 'global' }, 'm', { mode: 'zone', zone: 'z', isK8s: true }), {
    'kuma.io/mesh': 'm',
    'kuma.io/origin': 'global',
  });
});

test('dataplanes get proxy type and listener labels, recomputed every time', () => {
  const spec = { networking: { gateway: { type: 'BUILTIN' }, listeners: [{ type: 'ZoneIngress' }] } };
  assert.deepEqual(computeLabels(d('Dataplane'), spec, { 'kuma.io/listener-zoneegress': 'enabled', 'kuma.io/proxy-type': 'x' }, 'm', { mode: 'global' }), {
    'kuma.io/mesh': 'm',
    'kuma.io/proxy-type': 'gateway',
    'kuma.io/listener-zoneingress': 'enabled',
  });
});

test('label syntax checks with k8s texts (Kuma golden put_mtp_02)', () => {
  const res = validateLabelSyntax({ 'foo/bar/baz': 'bar', '': 'bar', foo: '^*bar', 'ok.io/x': 'y' }).list;
  assert.deepEqual(res, [
    { field: 'labels[""]', message: 'name part must be non-empty' },
    {
      field: 'labels[""]',
      message:
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    },
    {
      field: 'labels["foo"]',
      message:
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    },
    {
      field: 'labels["foo/bar/baz"]',
      message:
        "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    },
  ]);
});
