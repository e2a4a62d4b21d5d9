import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Channel } from './channel.js';

test('push resolves only once the consumer took the message (backpressure), in order', async () => {
  const ch = new Channel<number>();
  let taken = false;
  const p = ch.push(1).then(() => (taken = true));
  void ch.push(2);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(taken, false);
  const it = ch[Symbol.asyncIterator]();
  assert.deepEqual(await it.next(), { done: false, value: 1 });
  await p;
  assert.equal(taken, true);
  assert.deepEqual(await it.next(), { done: false, value: 2 });
  ch.end();
  assert.equal((await it.next()).done, true);
});

test('a message nobody pulls within sendTimeoutMs fails the channel (Kuma msgSendTimeout)', async () => {
  const ch = new Channel<number>({ sendTimeoutMs: 20, what: 'responses to zone "z"' });
  // The channel's timer does not hold the process open (unref); this one does, for the test.
  const hold = setTimeout(() => {}, 1000);
  after(() => clearTimeout(hold));
  await assert.rejects(ch.push(1), (err: Error & { code?: string }) => err.code === 'ERR_KDS_SEND_TIMEOUT' && /msgSendTimeout \(20 ms\)/.test(err.message));
  await assert.rejects(ch.push(2), /msgSendTimeout/);
});

test('fail() rejects pending pushes and makes iteration throw', async () => {
  const ch = new Channel<number>();
  const pending = ch.push(1);
  ch.fail(new Error('boom'));
  await assert.rejects(pending, /boom/);
  await assert.rejects(async () => {
    for await (const _ of ch) assert.fail('nothing is delivered after a failure');
  }, /boom/);
});

test('when the consumer stops, what is left is rejected and later pushes fail', async () => {
  const ch = new Channel<number>();
  void ch.push(1);
  const left = ch.push(2);
  for await (const v of ch) {
    assert.equal(v, 1);
    break;
  }
  await assert.rejects(left, /the stream was closed/);
  await assert.rejects(ch.push(3), /the stream was closed/);
});
