import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../core/log.js';
import type { Component } from './component.js';
import { LeaderGate, type Leadership } from './leader-gate.js';

/** An elector driven by the test: `set(true|false)` as a lease would be won or lost. */
class ManualLeadership implements Leadership {
  private leading = false;
  private readonly listeners = new Set<(l: boolean) => void>();
  released = false;
  constructor(private readonly initially: boolean) {}
  start(): void {
    this.leading = this.initially;
  }
  async stop(): Promise<void> {
    this.released = true;
    this.leading = false;
  }
  isLeader(): boolean {
    return this.leading;
  }
  onChange(l: (leading: boolean) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(leading: boolean): void {
    this.leading = leading;
    for (const l of this.listeners) l(leading);
  }
}

function recorder(events: string[]): () => Component[] {
  let n = 0;
  return () => {
    n += 1;
    const id = n;
    return [
      {
        name: `job-${id}`,
        start: async () => void events.push(`start ${id}`),
        stop: async () => void events.push(`stop ${id}`),
      },
    ];
  };
}

test('an instance that leads at once runs its leader-only components inside start()', async () => {
  const events: string[] = [];
  const el = new ManualLeadership(true);
  const gate = new LeaderGate(el, recorder(events), silentLogger);
  await gate.start();
  assert.deepEqual(events, ['start 1']);
  await gate.stop();
  assert.deepEqual(events, ['start 1', 'stop 1']);
  assert.equal(el.released, true);
});

test('each term gets fresh components; losing the lease stops them', async () => {
  const events: string[] = [];
  const el = new ManualLeadership(false);
  const seen: boolean[] = [];
  const gate = new LeaderGate(el, recorder(events), silentLogger, (l) => seen.push(l));
  await gate.start();
  assert.deepEqual(events, []);
  el.set(true);
  await gate.settled();
  el.set(false);
  el.set(true);
  await gate.settled();
  assert.deepEqual(events, ['start 1', 'stop 1', 'start 2']);
  assert.equal(gate.terms, 2);
  assert.equal(gate.leading, true);
  await gate.stop();
  assert.deepEqual(events, ['start 1', 'stop 1', 'start 2', 'stop 2']);
  assert.deepEqual(seen, [true, false, true, false]);
});

test('a component failing to start does not take the gate down', async () => {
  const el = new ManualLeadership(true);
  const gate = new LeaderGate(el, () => [{ name: 'bad', start: async () => Promise.reject(new Error('boom')), stop: async () => {} }], silentLogger);
  await gate.start();
  await gate.stop();
});
