import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationFlag, stringToStringFlag } from './flags.js';
import { formatAge } from './output/age.js';
import { renderTable } from './output/table.js';

describe('pflag-compatible flag parsing', () => {
  const s2s = stringToStringFlag('--tag');
  it('StringToString: one "=" keeps commas in the value; several pairs are CSV', () => {
    assert.deepEqual(s2s('kuma.io/service=web,web-api', undefined), { 'kuma.io/service': 'web,web-api' });
    assert.deepEqual(s2s('a=1,b=2', { c: '3' }), { c: '3', a: '1', b: '2' });
    assert.deepEqual(s2s('"a=x,y",b=2', undefined), { a: 'x,y', b: '2' });
    assert.deepEqual(s2s('a=1,b', undefined), { a: '1,b' });
    assert.throws(() => s2s('a=1,b,c=2', undefined), /invalid argument "a=1,b,c=2" for "--tag" flag: b must be formatted as key=value/);
  });
  it('durations are Go durations', () => {
    assert.equal(durationFlag('--valid-for')('1m30s'), 90_000);
    assert.throws(() => durationFlag('--valid-for')('soon'), /invalid argument "soon" for "--valid-for" flag: time: invalid duration "soon"/);
  });
});

describe('table cells', () => {
  it('ages as Kuma prints them, saturating like Go durations', () => {
    assert.deepEqual([-5000, -500, 0, 59_999, 60_000, 3_600_000, 86_400_000, 400 * 86_400_000].map(formatAge), ['never', '0s', '0s', '59s', '1m', '1h', '1d', '1y']);
    assert.equal(formatAge(Date.now() - Date.parse('0001-01-01T00:00:00Z')), '292y');
  });
  it('pads every column but the last by 3 (tabwriter), counting runes', () => {
    assert.equal(renderTable({ headers: ['A', 'BB', 'C'], rows: [['ééé', '', 'x']], footer: 'more' }), 'A     BB   C\nééé        x\n\nmore\n');
  });
});
