import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointPicker } from './endpoints.js';

const eps = [
  { address: '10.0.0.1', port: 1 },
  { address: '10.0.0.2', port: 1 },
  { address: '10.0.0.3', port: 1 },
];

describe('EndpointPicker', () => {
  it('goes round robin', () => {
    const p = new EndpointPicker();
    p.set(eps);
    assert.deepEqual([1, 2, 3, 4].map(() => p.pick()?.address), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
  });

  it('skips an endpoint that failed recently, and takes it back after the backoff', () => {
    let now = 1000;
    const p = new EndpointPicker(5000, () => now);
    p.set(eps);
    p.failed(eps[1] as (typeof eps)[number]);
    assert.deepEqual([1, 2, 3, 4].map(() => p.pick()?.address), ['10.0.0.1', '10.0.0.3', '10.0.0.1', '10.0.0.3']);
    now += 5000;
    assert.ok([1, 2, 3].map(() => p.pick()?.address).includes('10.0.0.2'));
  });

  it('tries the longest-failed endpoint when all failed, and none of those already tried', () => {
    let now = 0;
    const p = new EndpointPicker(5000, () => now);
    p.set(eps);
    for (const e of [eps[2], eps[0], eps[1]]) {
      p.failed(e as (typeof eps)[number]);
      now += 10;
    }
    assert.equal(p.pick()?.address, '10.0.0.3');
    assert.equal(p.pick(new Set(['10.0.0.3:1']))?.address, '10.0.0.1');
    assert.equal(p.pick(new Set(['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1'])), undefined);
  });

  it('keeps failure marks of endpoints that stay, and forgets removed ones', () => {
    const p = new EndpointPicker(5000, () => 0);
    p.set(eps);
    p.failed(eps[0] as (typeof eps)[number]);
    p.set([eps[0] as (typeof eps)[number], { address: '10.0.0.9', port: 1 }]);
    assert.equal(p.pick()?.address, '10.0.0.9');
    assert.equal(p.pick()?.address, '10.0.0.9');
    p.set([]);
    assert.equal(p.pick(), undefined);
  });
});
