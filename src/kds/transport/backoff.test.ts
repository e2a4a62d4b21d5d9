import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReconnectBackoff, sleep } from './backoff.js';

test('exponential from the base to the cap, jittered between half and the full step', () => {
  const low = new ReconnectBackoff({ baseMs: 5000, capMs: 60_000, random: () => 0 });
  const high = new ReconnectBackoff({ baseMs: 5000, capMs: 60_000, random: () => 1 });
  assert.deepEqual([0, 0, 0, 0, 0, 0].map(() => low.next(0)), [2500, 5000, 10_000, 20_000, 30_000, 30_000]);
  assert.deepEqual([0, 0, 0, 0, 0, 0].map(() => high.next(0)), [5000, 10_000, 20_000, 40_000, 60_000, 60_000]);
});

test('a run at least as long as the cap (healthy) starts again from the base', () => {
  const b = new ReconnectBackoff({ baseMs: 5000, capMs: 60_000, random: () => 1 });
  b.next(0);
  b.next(0);
  assert.equal(b.next(0), 20_000);
  assert.equal(b.next(60_000), 5000);
  assert.equal(b.next(59_999), 10_000);
});

test('sleep resolves false when aborted', async () => {
  const ac = new AbortController();
  const p = sleep(10_000, ac.signal);
  ac.abort();
  assert.equal(await p, false);
  assert.equal(await sleep(1, new AbortController().signal), true);
});
