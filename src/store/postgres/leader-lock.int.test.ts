import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PG_PASSWORD, PG_PASSWORD_USER, postgresUnavailable, startPostgres, type PgServer } from '../../../test/support/postgres.js';
import { recordingLogger } from '../../core/log.js';
import { ensureLockTable } from './leader-lock-sql.js';
import { KUMA_LEADER_LOCK_NAME, PostgresLeaderElector } from './leader-lock.js';

const skip = postgresUnavailable();

const LEASE = 600;
const HEARTBEAT = 150;
const RETRY = 200;

interface Transition {
  id: string;
  leading: boolean;
  at: number;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Fails when two instances were ever leading at the same time, according to their listeners. */
function assertNoOverlap(timeline: Transition[]): void {
  const leading = new Set<string>();
  for (const t of [...timeline].sort((a, b) => a.at - b.at)) {
    if (t.leading) {
      assert.equal(leading.size, 0, `${t.id} started leading at ${t.at.toFixed(1)} while ${[...leading].join(',')} still led`);
      leading.add(t.id);
    } else {
      leading.delete(t.id);
    }
  }
}

describe('Postgres leader election (real server)', { skip }, () => {
  let server: PgServer;
  let ca: string;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    server = await startPostgres();
    ca = readFileSync(server.tls.caPath, 'utf8');
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await server?.stop();
  });

  async function database(): Promise<string> {
    const db = await server.createDatabase('leader');
    const p = pool(db);
    await ensureLockTable(p);
    await p.end();
    return db;
  }

  function pool(db: string): pg.Pool {
    const p = new pg.Pool({ host: 'localhost', port: server.port, user: PG_PASSWORD_USER, password: PG_PASSWORD, database: db, ssl: { ca }, max: 3 });
    p.on('error', () => {}); // idle connections die when the test pauses the server
    let ended = false;
    const end = p.end.bind(p);
    p.end = (async () => {
      if (ended) return;
      ended = true;
      await end();
    }) as typeof p.end;
    cleanups.push(() => p.end());
    return p;
  }

  function elector(db: string, id: string, timeline: Transition[], log = recordingLogger()) {
    const p = pool(db);
    const e = new PostgresLeaderElector({ pool: p, instanceId: id, leaseMs: LEASE, heartbeatMs: HEARTBEAT, retryMs: RETRY, log });
    e.onChange((leading) => timeline.push({ id, leading, at: performance.now() }));
    cleanups.push(() => e.stop());
    return { e, pool: p, log };
  }

  test('a lone elector leads at once, names itself, and releases the row on stop', async () => {
    const db = await database();
    const timeline: Transition[] = [];
    const { e } = elector(db, 'cp-1', timeline);
    await e.start();
    assert.equal(e.isLeader(), true);
    assert.equal(await e.currentLeader(), 'cp-1');
    assert.equal(server.psql(`SELECT owner FROM locks WHERE name = '${KUMA_LEADER_LOCK_NAME}'`, db).trim(), 'cp-1');
    // Heartbeats replace the RVN.
    const rvn1 = server.psql(`SELECT record_version_number FROM locks`, db).trim();
    await sleep(HEARTBEAT * 2.5);
    assert.notEqual(server.psql(`SELECT record_version_number FROM locks`, db).trim(), rvn1);
    assert.equal(e.isLeader(), true);
    await e.stop();
    assert.equal(e.isLeader(), false);
    assert.deepEqual(timeline.map((t) => t.leading), [true, false]);
    assert.equal(server.psql('SELECT count(*) FROM locks', db).trim(), '0');
    assert.equal(await e.currentLeader(), undefined);
  });

  test('two electors: exactly one leads at any time; both can name it; stop() hands over within a heartbeat', async () => {
    const db = await database();
    const timeline: Transition[] = [];
    const a = elector(db, 'cp-a', timeline).e;
    const b = elector(db, 'cp-b', timeline).e;
    await Promise.all([a.start(), b.start()]);
    let samples = 0;
    let withLeader = 0;
    const sampler = setInterval(() => {
      const n = Number(a.isLeader()) + Number(b.isLeader());
      assert.ok(n <= 1, 'both electors lead at once');
      samples += 1;
      if (n === 1) withLeader += 1;
    }, 3);
    try {
      await sleep(LEASE * 2);
      // Under heavy machine load a heartbeat can be late enough to cost the lease; rarely, not often.
      assert.ok(withLeader >= samples * 0.9, `a leader at most samples (${withLeader}/${samples})`);
      const [leader, other] = a.isLeader() ? [a, b] : [b, a];
      assert.equal(await a.currentLeader(), leader.instanceId);
      assert.equal(await b.currentLeader(), leader.instanceId);

      const stoppedAt = performance.now();
      await leader.stop();
      const ledAt = await waitFor('the other elector to lead', () => other.isLeader(), LEASE * 3);
      // Without the release the takeover would need a full lease of an unchanged RVN.
      assert.ok(ledAt - stoppedAt < LEASE, `took over after ${(ledAt - stoppedAt).toFixed(0)} ms, not within a heartbeat or so`);
      assert.equal(await other.currentLeader(), other.instanceId);
    } finally {
      clearInterval(sampler);
    }
    assertNoOverlap(timeline);
  });

  test('a killed leader (no release) is replaced after one to two leases, never earlier than its own step-down', async () => {
    const db = await database();
    const timeline: Transition[] = [];
    const a = elector(db, 'cp-a', timeline);
    await a.e.start();
    const b = elector(db, 'cp-b', timeline);
    await b.e.start();
    assert.equal(a.e.isLeader(), true);
    assert.equal(b.e.isLeader(), false);
    await sleep(HEARTBEAT * 2); // b has seen a's heartbeats

    // A crash: the connections go away and nothing is released.
    const killedAt = performance.now();
    await a.pool.end();
    await a.e.stop();
    assert.equal(server.psql('SELECT owner FROM locks', db).trim(), 'cp-a');

    const ledAt = await waitFor('b to take over', () => b.e.isLeader(), LEASE * 4);
    const took = ledAt - killedAt;
    assert.ok(took >= LEASE - HEARTBEAT, `took over after ${took.toFixed(0)} ms: sooner than a lease`);
    assert.ok(took <= 2 * LEASE + HEARTBEAT + 200, `took over after ${took.toFixed(0)} ms: more than two leases`);
    assert.equal(await b.e.currentLeader(), 'cp-b');
    assertNoOverlap(timeline);
    assert.ok(b.log.entries.some((l) => l.msg === 'leader stopped heartbeating; taking over'));
  });

  test('an event-loop stall longer than the lease ends leadership at once, and the lock stays exclusive', async () => {
    const db = await database();
    const timeline: Transition[] = [];
    const a = elector(db, 'cp-a', timeline).e;
    await a.start();
    const b = elector(db, 'cp-b', timeline).e;
    await b.start();
    await sleep(HEARTBEAT * 2);
    assert.equal(a.isLeader(), true);
    const until = performance.now() + LEASE * 1.5;
    while (performance.now() < until) {
      // blocks timers and I/O, like a long GC pause or a CPU-bound request
    }
    assert.equal(a.isLeader(), false, 'still claims leadership after the lease ran out');
    await waitFor('a leader again', () => a.isLeader() || b.isLeader(), LEASE * 4);
    await sleep(LEASE);
    assert.ok(Number(a.isLeader()) + Number(b.isLeader()) === 1);
    assertNoOverlap(timeline);
  });

  test('losing the database ends leadership within a lease; a leader returns once it is back', async () => {
    const db = await database();
    const timeline: Transition[] = [];
    const a = elector(db, 'cp-a', timeline);
    const b = elector(db, 'cp-b', timeline);
    await a.e.start();
    await b.e.start();
    assert.equal(a.e.isLeader(), true);

    await server.pause(); // blocks this process while pg_ctl runs
    const pausedAt = performance.now();
    try {
      const lostAt = await waitFor('a to report the loss', () => timeline.some((t) => t.id === 'cp-a' && !t.leading), LEASE);
      assert.ok(lostAt - pausedAt <= LEASE);
      assert.equal(a.e.isLeader(), false);
      await sleep(LEASE);
      assert.equal(a.e.isLeader() || b.e.isLeader(), false, 'nobody may lead without the database');
    } finally {
      await server.start();
    }
    await waitFor('a leader after the database came back', () => a.e.isLeader() || b.e.isLeader(), RETRY * 2 + LEASE * 3);
    const leader = a.e.isLeader() ? 'cp-a' : 'cp-b';
    assert.equal(await b.e.currentLeader(), leader);
    assert.equal(await a.e.currentLeader(), leader);
    assertNoOverlap(timeline);
    // Errors were logged, not thrown; no key or password in any entry.
    for (const l of [...a.log.entries, ...b.log.entries]) assert.ok(!JSON.stringify(l).includes(PG_PASSWORD));
  });

  test('refuses a lease shorter than two heartbeats', () => {
    assert.throws(
      () => new PostgresLeaderElector({ pool: {} as pg.Pool, instanceId: 'x', leaseMs: 1000, heartbeatMs: 600 }),
      { code: 'ERR_LEADER_ELECTION_CONFIG', message: /lease \(1000 ms\) must be at least twice the heartbeat \(600 ms\)/ },
    );
  });
});
