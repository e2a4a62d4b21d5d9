import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeLike, parseVersion, rowToResource, timeParam, type ResourceRow } from './resource-rows.js';

const row = (over: Partial<ResourceRow> = {}): ResourceRow => ({
  name: 'm1',
  mesh: '',
  type: 'Mesh',
  version: 0,
  spec: '{"a":1}',
  labels: { team: 'x' },
  status: {},
  creation_time: new Date('2026-01-01T00:00:00Z'),
  modification_time: new Date('2026-01-02T00:00:00Z'),
  ...over,
});

describe('resource rows', () => {
  test('a row maps to a resource with a decimal version; empty status reads as absent', () => {
    const r = rowToResource(row());
    assert.deepEqual(r, {
      type: 'Mesh',
      meta: { name: 'm1', mesh: '', version: '0', creationTime: new Date('2026-01-01T00:00:00Z'), modificationTime: new Date('2026-01-02T00:00:00Z'), labels: { team: 'x' } },
      spec: { a: 1 },
    });
    assert.deepEqual(rowToResource(row({ status: { ready: true } })).status, { ready: true });
    assert.deepEqual(rowToResource(row({ status: [] })).status, []);
  });

  test('NULL or empty spec and NULL labels (older Kuma rows) read as empty', () => {
    const r = rowToResource(row({ spec: null, labels: null, status: null }));
    assert.deepEqual(r.spec, {});
    assert.deepEqual(r.meta.labels, {});
    assert.equal('status' in r, false);
    assert.deepEqual(rowToResource(row({ spec: '' })).spec, {});
  });

  test('a spec that is not a JSON object is reported, naming the row', () => {
    assert.throws(() => rowToResource(row({ spec: 'not json' })), { code: 'ERR_STORE_CORRUPT_ROW', message: /type="Mesh" name="m1" mesh="".*not valid JSON/ });
    assert.throws(() => rowToResource(row({ spec: '[1]' })), { code: 'ERR_STORE_CORRUPT_ROW', message: /not a JSON object/ });
  });

  test('versions: only our decimal integers parse; anything else means conflict', () => {
    assert.equal(parseVersion('0'), 0);
    assert.equal(parseVersion('41'), 41);
    assert.equal(parseVersion('2147483647'), 2147483647);
    for (const v of ['', 'stale', '01', '-1', '1.5', ' 1', '2147483648', '99999999999']) assert.equal(parseVersion(v), undefined, v);
  });

  test('LIKE wildcards and the escape character are escaped', () => {
    assert.equal(escapeLike('a%b_c\\d'), 'a\\%b\\_c\\\\d');
    assert.equal(escapeLike('plain-name.1'), 'plain-name.1');
  });

  test('time parameters are UTC ISO strings; invalid dates are refused', () => {
    assert.equal(timeParam(new Date('2026-01-01T10:00:00.123+02:00'), 'creationTime'), '2026-01-01T08:00:00.123Z');
    assert.throws(() => timeParam(new Date('nope'), 'creationTime'), { code: 'ERR_STORE_INVALID', message: 'invalid: creationTime is not a valid date' });
  });
});
