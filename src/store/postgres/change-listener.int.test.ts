import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { PG_PASSWORD, PG_PASSWORD_USER, postgresUnavailable, startPostgres, type PgServer } from '../../../test/support/postgres.js';
import { recordingLogger } from '../../core/log.js';
import type { ResourceChangedEvent } from '../resource-store.js';
import { freshStore, storeOn, type TestPostgres } from './test-databases.js';

const skip = postgresUnavailable();

const mesh = (name: string): { type: string; meta: { name: string; mesh: string }; spec: Record<string, never> } => ({
  type: 'Mesh',
  meta: { name, mesh: '' },
  spec: {},
});

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<number> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - start;
}

const show = (e: ResourceChangedEvent): string => `${e.op} ${e.type} ${e.mesh}/${e.name}`;

describe('Postgres change events (real server)', { skip }, () => {
  let server: PgServer;
  let pgt: TestPostgres;
  before(async () => {
    server = await startPostgres();
    pgt = { port: server.port, caPath: server.tls.caPath, user: PG_PASSWORD_USER, password: PG_PASSWORD, createDatabase: () => server.createDatabase() };
  });
  after(async () => {
    await server?.stop();
  });

  const listenSessions = (db: string): number =>
    Number(server.psql(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND query ILIKE 'LISTEN%'`).trim());

  test('writes of another instance arrive within a second; the LISTEN connection exists only while watched', async () => {
    const watcher = await freshStore(pgt);
    const writer = await storeOn(pgt, watcher.database, { migrate: false });
    try {
      assert.equal(listenSessions(watcher.database), 0);
      const seen: ResourceChangedEvent[] = [];
      const stop = watcher.store.watch((e) => seen.push(e));
      await until('LISTEN session', () => listenSessions(watcher.database) === 1);
      const m = await writer.store.create(mesh('m1'));
      const took = await until('create event', () => seen.length === 1);
      assert.ok(took < 1000, `event took ${took} ms`);
      await writer.store.update({ ...m, spec: { a: 1 } });
      await writer.store.create({ type: 'Dataplane', meta: { name: 'dp-1', mesh: 'm1' }, spec: {} }, { owner: { type: 'Mesh', mesh: '', name: 'm1' } });
      await writer.store.delete({ type: 'Mesh', mesh: '', name: 'm1' });
      await until('4 more events', () => seen.length === 5, 1000);
      assert.deepEqual(seen.slice(0, 3).map(show), ['create Mesh /m1', 'update Mesh /m1', 'create Dataplane m1/dp-1']);
      // One statement deleted both (FK cascade); their order is Postgres' trigger order.
      assert.deepEqual(seen.slice(3).map(show).sort(), ['delete Dataplane m1/dp-1', 'delete Mesh /m1']);
      stop();
      await until('LISTEN session closed', () => listenSessions(watcher.database) === 0);
    } finally {
      await writer.cleanup();
      await watcher.cleanup();
    }
  });

  test('a malformed notification is logged and ignored; later events still arrive', async () => {
    const log = recordingLogger();
    const s = await freshStore(pgt, { log });
    try {
      const seen: ResourceChangedEvent[] = [];
      const stop = s.store.watch((e) => seen.push(e));
      await until('LISTEN session', () => listenSessions(s.database) === 1);
      server.psql(`SELECT pg_notify('resource_events', 'not json'); SELECT pg_notify('resource_events', '{"action":"TRUNCATE","data":{}}')`, s.database);
      await s.store.create(mesh('after'));
      await until('event after the garbage', () => seen.length === 1);
      stop();
      assert.deepEqual(seen.map(show), ['create Mesh /after']);
      const warned = log.entries.filter((e) => e.msg === 'ignoring a malformed resource change notification').map((e) => e.fields['payload']);
      assert.deepEqual(warned, ['not json', '{"action":"TRUNCATE","data":{}}']);
    } finally {
      await s.cleanup();
    }
  });

  test('while the server is down the store is unavailable; after it is back it works, resyncs once, and events flow again', async () => {
    const log = recordingLogger();
    const s = await freshStore(pgt, { log });
    const writer = await storeOn(pgt, s.database, { migrate: false });
    let paused = false;
    try {
      const seen: ResourceChangedEvent[] = [];
      const stop = s.store.watch((e) => seen.push(e));
      await s.store.create(mesh('before'));
      await until('event before the outage', () => seen.length === 1);

      paused = true;
      await server.pause();
      const ops = [() => s.store.get({ type: 'Mesh', mesh: '', name: 'before' }), () => s.store.list('Mesh'), () => s.store.create(mesh('during'))];
      for (const op of ops) {
        await assert.rejects(op(), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
          assert.match(err.message, /^the resource store cannot reach its database: .+/);
          assert.doesNotMatch(err.message, new RegExp(PG_PASSWORD));
          return true;
        });
      }
      await until('the listener noticed', () => log.entries.some((e) => e.msg.startsWith('lost the connection for resource change events')));
      await server.start();
      paused = false;

      assert.equal((await s.store.get({ type: 'Mesh', mesh: '', name: 'before' })).meta.name, 'before');
      await until('resync', () => seen.some((e) => e.op === 'resync'));
      await writer.store.create(mesh('after'));
      await until('event after the outage', () => seen.some((e) => e.name === 'after'));
      stop();
      assert.deepEqual(seen.map(show), ['create Mesh /before', 'resync  /', 'create Mesh /after']);
      for (const e of log.entries) assert.doesNotMatch(JSON.stringify(e), new RegExp(PG_PASSWORD));
    } finally {
      await writer.cleanup();
      await s.cleanup();
      if (paused) await server.start();
    }
  });

  test('close() during an outage cancels the reconnect loop and leaves no timers', async () => {
    const s = await freshStore(pgt);
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    let paused = false;
    try {
      const stop = s.store.watch(() => undefined);
      await until('LISTEN session', () => listenSessions(s.database) === 1);
      await s.pool.end();
      const baseline = timers();
      paused = true;
      await server.pause();
      // The listener now retries with backoff (a pending timer).
      await until('a reconnect timer', () => timers() > baseline, 2000);
      await s.store.close();
      assert.equal(timers(), baseline);
      stop();
    } finally {
      await s.store.close();
      if (paused) await server.start();
    }
  });
});
