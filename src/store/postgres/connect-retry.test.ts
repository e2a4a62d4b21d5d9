import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KumaError } from '../../core/errors.js';
import { recordingLogger } from '../../core/log.js';
import { connectWithRetry } from './connect-retry.js';

class Described extends KumaError {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(transient ? 'ERR_TEST_TRANSIENT' : 'ERR_TEST_PERMANENT', message);
  }
}

const describeErr = (err: unknown): Described => {
  const m = err instanceof Error ? err.message : String(err);
  return new Described(`explained: ${m}`, m.startsWith('down'));
};

/** A connect function that fails with the given messages, then succeeds. */
function failing(...messages: string[]): { connect: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    connect: async () => {
      const m = messages[calls++];
      if (m !== undefined) throw new Error(m);
      return 'connected';
    },
    calls: () => calls,
  };
}

describe('connectWithRetry', () => {
  test('retries transient failures with growing delays, logging each once at warn', async () => {
    const log = recordingLogger();
    const c = failing('down 1', 'down 2', 'down 3');
    const started = Date.now();
    assert.equal(await connectWithRetry(c.connect, { deadlineMs: 5_000, log, describe: describeErr, initialDelayMs: 20, maxDelayMs: 50 }), 'connected');
    assert.equal(c.calls(), 4);
    assert.deepEqual(
      log.entries.map((e) => [e.level, e.fields['attempt'], e.fields['retryInMs'], e.fields['code']]),
      [
        ['warn', 1, 20, 'ERR_TEST_TRANSIENT'],
        ['warn', 2, 40, 'ERR_TEST_TRANSIENT'],
        ['warn', 3, 50, 'ERR_TEST_TRANSIENT'],
      ],
    );
    assert.match(log.entries[0]?.msg ?? '', /^explained: down 1 \(attempt 1; retrying in 0\.0s\)$/);
    assert.ok(Date.now() - started >= 100);
  });

  test('a failure retrying cannot fix is thrown at once, without retry', async () => {
    const log = recordingLogger();
    const c = failing('bad password');
    await assert.rejects(connectWithRetry(c.connect, { deadlineMs: 5_000, log, describe: describeErr }), (err: Described) => {
      assert.equal(err.code, 'ERR_TEST_PERMANENT');
      assert.equal(err.message, 'explained: bad password');
      return true;
    });
    assert.equal(c.calls(), 1);
    assert.equal(log.entries.length, 0);
  });

  test('gives up at the deadline with the last explanation and how long it tried', async () => {
    const log = recordingLogger();
    const c = failing(...Array.from({ length: 100 }, (_, i) => `down ${i + 1}`));
    const started = Date.now();
    await assert.rejects(connectWithRetry(c.connect, { deadlineMs: 300, log, describe: describeErr, initialDelayMs: 50, maxDelayMs: 100 }), (err: Described) => {
      assert.equal(err.code, 'ERR_TEST_TRANSIENT');
      assert.match(err.message, /^explained: down \d+ \(gave up after \d+ attempts in 0\.\ds\)$/);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 300 && elapsed < 2_000, `elapsed ${elapsed}ms`);
    assert.equal(log.entries.length, c.calls() - 1, 'every attempt but the last is logged');
  });

  test('an abort signal ends the wait', async () => {
    const ac = new AbortController();
    const c = failing('down', 'down');
    setTimeout(() => ac.abort(), 30);
    await assert.rejects(
      connectWithRetry(c.connect, { deadlineMs: 60_000, log: recordingLogger(), describe: describeErr, initialDelayMs: 10_000, signal: ac.signal }),
      { name: 'AbortError' },
    );
  });
});
