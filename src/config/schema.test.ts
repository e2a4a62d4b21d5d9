import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance } from './did-you-mean.js';
import { applyEnv, envTableOf } from './env-apply.js';
import { redactConfig } from './redact.js';
import { renderDefaultsYaml } from './render-yaml.js';
import { bool, defaultsOf, duration, ignored, int, list, map, secret, section, str, uint, type ValueOf } from './schema.js';
import { applyYaml } from './yaml-apply.js';

// A small schema exercising every kind, independent of kuma-cp's.
const demo = section('demo', {
  name: str('n', 'DEMO_NAME', 'a name'),
  token: secret('', 'DEMO_TOKEN', 'a secret'),
  count: int(1, 'DEMO_COUNT', 'a count'),
  size: uint(2, 'DEMO_SIZE', 'a size'),
  on: bool(false, 'DEMO_ON', 'a switch'),
  wait: duration('1m30s', 'DEMO_WAIT', 'a wait'),
  items: list(['a'], 'DEMO_ITEMS', 'items'),
  labels: map({ k: 'v' }, 'DEMO_LABELS', 'labels'),
  legacy: ignored('old'),
  nested: section('nested', { deep: str('', undefined, 'yaml only') }),
});
type Demo = ValueOf<typeof demo>;

test('the value type and defaults follow the schema', () => {
  const d: Demo = defaultsOf(demo);
  assert.deepEqual(d, { name: 'n', token: '', count: 1, size: 2, on: false, wait: 90_000, items: ['a'], labels: { k: 'v' }, nested: { deep: '' } });
  // @ts-expect-error ignored keys have no property
  assert.equal(d.legacy, undefined);
});

test('env table skips YAML-only fields', () => {
  assert.deepEqual([...envTableOf(demo).keys()], ['DEMO_NAME', 'DEMO_TOKEN', 'DEMO_COUNT', 'DEMO_SIZE', 'DEMO_ON', 'DEMO_WAIT', 'DEMO_ITEMS', 'DEMO_LABELS']);
});

test('maps from env: k:v,k2:v2; empty clears; a bad item is reported', () => {
  const d = defaultsOf(demo);
  assert.deepEqual(applyEnv(demo, d, { DEMO_LABELS: 'a:1, b:2' }), []);
  assert.deepEqual(d.labels, { a: '1', b: '2' });
  assert.deepEqual(applyEnv(demo, d, { DEMO_LABELS: '' }), []);
  assert.deepEqual(d.labels, {});
  assert.deepEqual(applyEnv(demo, d, { DEMO_LABELS: 'a:1,b' }), [
    { path: 'labels', message: `assigning DEMO_LABELS to labels: converting 'a:1,b' to type map[string]string. details: invalid map item: "b"` },
  ]);
});

test('ints from env: decimal only, range-checked', () => {
  const d = defaultsOf(demo);
  assert.deepEqual(applyEnv(demo, d, { DEMO_COUNT: '-42', DEMO_SIZE: '4294967295' }), []);
  assert.equal(d.count, -42);
  assert.equal(d.size, 4294967295);
  const v = applyEnv(demo, d, { DEMO_COUNT: '0x10', DEMO_SIZE: '4294967296' });
  assert.deepEqual(v.map((x) => x.message), [
    `assigning DEMO_COUNT to count: converting '0x10' to type int. details: strconv.ParseInt: parsing "0x10": invalid syntax`,
    `assigning DEMO_SIZE to size: converting '4294967296' to type uint32. details: strconv.ParseUint: parsing "4294967296": value out of range`,
  ]);
});

test('yaml: maps, ignored keys, prototype keys', () => {
  const d = defaultsOf(demo);
  const r = applyYaml(demo, d, { labels: { x: 'y' }, legacy: { anything: [1, 2] }, wait: '2h', __proto__x: 1 });
  assert.deepEqual(d.labels, { x: 'y' });
  assert.equal(d.wait, 7_200_000);
  assert.deepEqual(r.ignored, ['legacy']);
  assert.deepEqual(r.violations.map((v) => v.path), ['__proto__x']);
  const withProto = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}') as unknown;
  const r2 = applyYaml(demo, defaultsOf(demo), withProto);
  assert.deepEqual(r2.violations.map((v) => v.path), ['__proto__', 'constructor']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('yaml: integers must be integers, unsigned ones in uint32 range', () => {
  const r = applyYaml(demo, defaultsOf(demo), { size: -1, count: 1.5 });
  assert.deepEqual(r.violations.map((v) => v.message), ['size: expected a non-negative integer, got a negative number', 'count: expected an integer, got a number']);
  assert.deepEqual(applyYaml(demo, defaultsOf(demo), { size: 2 ** 32 }).violations.map((v) => v.message), ['size: expected an integer in [0, 4294967295]']);
});

test('redaction and rendering of every kind', () => {
  const d = defaultsOf(demo);
  d.token = 'secret-value';
  assert.deepEqual(redactConfig(demo, d), { name: 'n', token: '*****', count: 1, size: 2, on: false, wait: '1m30s', items: ['a'], labels: { k: 'v' }, nested: { deep: '' } });
  assert.equal(
    renderDefaultsYaml(demo, ['head']),
    [
      '# head',
      '# a name',
      'name: "n" # ENV: DEMO_NAME',
      '# a secret',
      'token: "" # ENV: DEMO_TOKEN',
      '# a count',
      'count: 1 # ENV: DEMO_COUNT',
      '# a size',
      'size: 2 # ENV: DEMO_SIZE',
      '# a switch',
      'on: false # ENV: DEMO_ON',
      '# a wait',
      'wait: "1m30s" # ENV: DEMO_WAIT',
      '# items',
      'items: ["a"] # ENV: DEMO_ITEMS',
      '# labels',
      'labels: { "k": "v" } # ENV: DEMO_LABELS',
      '# legacy: accepted and ignored — old',
      '# nested',
      'nested:',
      '  # yaml only',
      '  deep: "" # YAML only (no environment variable)',
      '',
    ].join('\n'),
  );
});

test('did-you-mean', () => {
  assert.equal(editDistance('htps', 'https'), 1);
  assert.equal(closest('htps', ['http', 'https', 'authn']), 'https');
  assert.equal(closest('htp', ['https', 'http']), 'http');
  assert.equal(closest('readOnyl', ['readOnly', 'rootUrl']), 'readOnly');
  assert.equal(closest('APISERVER', ['apiServer']), 'apiServer');
  assert.equal(closest('zzzzzz', ['apiServer', 'dpServer']), undefined);
});
