import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordingLogger } from '../core/log.js';
import { AlwaysLeader } from './leader-election.js';

test('AlwaysLeader leads from start() to stop() and tells listeners once per transition', async () => {
  const log = recordingLogger();
  const e = new AlwaysLeader('cp-1', log);
  const seen: boolean[] = [];
  e.onChange((l) => seen.push(l));
  e.onChange(() => {
    throw new Error('listener bug');
  });
  const unsubscribed: boolean[] = [];
  e.onChange((l) => unsubscribed.push(l))();
  assert.equal(e.isLeader(), false);
  assert.equal(await e.currentLeader(), undefined);
  await e.start();
  await e.start();
  assert.equal(e.isLeader(), true);
  assert.equal(await e.currentLeader(), 'cp-1');
  await e.stop();
  await e.stop();
  assert.equal(e.isLeader(), false);
  assert.deepEqual(seen, [true, false]);
  assert.deepEqual(unsubscribed, []);
  assert.equal(log.entries.filter((l) => l.msg === 'leadership listener failed').length, 2);
});
