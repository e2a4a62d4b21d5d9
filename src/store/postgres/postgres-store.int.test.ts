import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PG_PASSWORD, PG_PASSWORD_USER, postgresUnavailable, startPostgres, type PgServer } from '../../../test/support/postgres.js';
import { recordingLogger } from '../../core/log.js';
import { runStoreContract } from '../contract.js';
import { rejectsWithCode } from '../contract-support.js';
import type { NewResource } from '../resource-store.js';
import { migrateUp } from './migrator.js';
import { PostgresResourceStore } from './postgres-store.js';
import { clientConfig, connectClient, freshStore, storeOn, type StoreOnDb, type TestPostgres } from './test-databases.js';

const skip = postgresUnavailable();

const raw = (name: string, mesh = 'default', labels: Record<string, string> = {}): NewResource => ({ type: 'Dataplane', meta: { name, mesh, labels }, spec: {} });

describe('PostgresResourceStore (real server)', { skip }, () => {
  let server: PgServer;
  let pgt: TestPostgres;
  before(async () => {
    server = await startPostgres();
    pgt = { port: server.port, caPath: server.tls.caPath, user: PG_PASSWORD_USER, password: PG_PASSWORD, createDatabase: () => server.createDatabase() };
  });
  after(async () => {
    await server?.stop();
  });

  runStoreContract('postgres', async () => freshStore(pgt));

  describe('Postgres specifics', () => {
    const withFresh = async (fn: (s: StoreOnDb) => Promise<void>): Promise<void> => {
      const s = await freshStore(pgt);
      try {
        await fn(s);
      } finally {
        await s.cleanup();
      }
    };

    test('versions are decimal strings from "0"; times are stored as UTC wall time, whatever the session time zone', async () => {
      const db = await server.createDatabase();
      const pool = new pg.Pool({ ...clientConfig(pgt, db), options: '-c TimeZone=America/New_York' });
      await migrateUp(pool);
      const store = new PostgresResourceStore({ pool, listenClient: () => connectClient(pgt, db) });
      try {
        const at = new Date('2026-01-01T10:00:00.123Z');
        const v0 = await store.create({ type: 'Mesh', meta: { name: 'm1', mesh: '' }, spec: {} }, { creationTime: at });
        assert.equal(v0.meta.version, '0');
        const v1 = await store.update(v0, { modificationTime: new Date('2026-01-02T00:00:00Z') });
        assert.equal(v1.meta.version, '1');
        assert.equal((await store.update(v1)).meta.version, '2');
        assert.equal(server.psql("SELECT creation_time || ' ' || modification_time FROM resources", db).trim().startsWith('2026-01-01 10:00:00.123 '), true);
        assert.equal((await store.get({ type: 'Mesh', mesh: '', name: 'm1' })).meta.creationTime.toISOString(), at.toISOString());
      } finally {
        await store.close();
        await pool.end();
      }
    });

    test('a row written the way Kuma writes it reads back (version, UTC times, spec text, default labels and status)', () =>
      withFresh(async ({ store, database }) => {
        server.psql(
          `INSERT INTO resources (name, mesh, type, version, spec, creation_time, modification_time)
           VALUES ('backend-1', 'default', 'Dataplane', 4, '{"networking":{"address":"10.0.0.1"}}', '2025-05-06 07:08:09.25', '2025-05-06 07:08:10')`,
          database,
        );
        const dp = await store.get({ type: 'Dataplane', mesh: 'default', name: 'backend-1' });
        assert.deepEqual(dp, {
          type: 'Dataplane',
          meta: {
            name: 'backend-1',
            mesh: 'default',
            version: '4',
            creationTime: new Date('2025-05-06T07:08:09.250Z'),
            modificationTime: new Date('2025-05-06T07:08:10Z'),
            labels: {},
          },
          spec: { networking: { address: '10.0.0.1' } },
        });
      }));

    test('status round-trips as jsonb; a resource without status stores Kuma\'s {} and reads back without', () =>
      withFresh(async ({ store, database }) => {
        const withStatus = await store.create({ type: 'MeshService', meta: { name: 's', mesh: 'default' }, spec: {}, status: { addresses: [{ hostname: 'a' }] } });
        assert.deepEqual(withStatus.status, { addresses: [{ hostname: 'a' }] });
        const without = await store.create(raw('dp'));
        assert.equal('status' in without, false);
        assert.equal(server.psql("SELECT status FROM resources WHERE name = 'dp'", database).trim(), '{}');
        const updated = await store.update({ ...withStatus, status: { addresses: [] } });
        assert.deepEqual((await store.get({ type: 'MeshService', mesh: 'default', name: 's' })).status, { addresses: [] });
        assert.equal(updated.meta.version, '1');
      }));

    test('lists are in byte order even in a database whose collation is not (ICU en-US)', async () => {
      const db = `icu_${process.pid}`;
      server.psql(`CREATE DATABASE ${db} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' OWNER kuma`);
      assert.equal(server.psql("SELECT string_agg(x, ',' ORDER BY x) FROM (VALUES ('B'), ('a')) v(x)", db).trim(), 'a,B'); // the trap is armed
      const s = await storeOn(pgt, db);
      try {
        for (const name of ['b', 'é', 'a', 'B', '_x', 'A', 'a-1', 'a.1']) await s.store.create(raw(name, 'm'));
        for (const mesh of ['z', 'Z', 'm']) await s.store.create(raw('n', mesh));
        const all = await s.store.list('Dataplane');
        assert.deepEqual(all.items.map((r) => `${r.meta.mesh}/${r.meta.name}`), [
          'Z/n', 'm/A', 'm/B', 'm/_x', 'm/a', 'm/a-1', 'm/a.1', 'm/b', 'm/n', 'm/é', 'z/n',
        ]);
        const page = await s.store.list('Dataplane', { pageSize: 3, pageOffset: '3' });
        assert.deepEqual(page.items.map((r) => r.meta.name), ['_x', 'a', 'a-1']);
        assert.equal(page.next, '6');
      } finally {
        await s.cleanup();
      }
    });

    test('nameContains matches %, _ and \\ literally', () =>
      withFresh(async ({ store }) => {
        for (const name of ['a%b', 'a_b', 'axb', 'ab', 'a\\b', 'a\\\\b', 'a%%b']) await store.create(raw(name));
        const names = async (nameContains: string): Promise<string[]> => (await store.list('Dataplane', { nameContains })).items.map((r) => r.meta.name);
        assert.deepEqual(await names('%'), ['a%%b', 'a%b']);
        assert.deepEqual(await names('_'), ['a_b']);
        assert.deepEqual(await names('\\'), ['a\\\\b', 'a\\b']);
        assert.deepEqual(await names('a%b'), ['a%b']);
        assert.deepEqual(await names('b'), ['a%%b', 'a%b', 'a\\\\b', 'a\\b', 'a_b', 'ab', 'axb']);
      }));

    test('label filters use jsonb containment: exact values, keys with dots and slashes', () =>
      withFresh(async ({ store }) => {
        await store.create(raw('a', 'default', { 'kuma.io/zone': 'east', team: '"quoted"' }));
        await store.create(raw('b', 'default', { 'kuma.io/zone': 'east-2' }));
        assert.deepEqual((await store.list('Dataplane', { labels: { 'kuma.io/zone': 'east' } })).items.map((r) => r.meta.name), ['a']);
        assert.equal((await store.list('Dataplane', { labels: { team: '"quoted"' } })).total, 1);
        assert.equal((await store.list('Dataplane', { labels: {} })).total, 2);
      }));

    test('values the schema cannot hold are refused as invalid requests, by SQLSTATE', () =>
      withFresh(async ({ store }) => {
        await store.create(raw('x'.repeat(150)));
        // owner_name is varchar(100) in Kuma's schema (22001).
        const tooLong = await rejectsWithCode(store.create(raw('child'), { owner: { type: 'Dataplane', mesh: 'default', name: 'x'.repeat(150) } }), 'ERR_STORE_INVALID');
        assert.match(tooLong.message, /longer than the database allows/);
        // jsonb cannot hold \u0000 (22P05).
        const nul = await rejectsWithCode(store.create(raw('nul', 'default', { k: 'a\u0000b' })), 'ERR_STORE_INVALID');
        assert.match(nul.message, /cannot store/);
        assert.equal((await store.list('Dataplane')).total, 1);
      }));

    test('a corrupt stored spec is reported with the row it is in', () =>
      withFresh(async ({ store, database }) => {
        server.psql("INSERT INTO resources (name, mesh, type, version, spec) VALUES ('bad', 'default', 'Dataplane', 0, '{not json')", database);
        const err = await rejectsWithCode(store.get({ type: 'Dataplane', mesh: 'default', name: 'bad' }), 'ERR_STORE_CORRUPT_ROW');
        assert.match(err.message, /type="Dataplane" name="bad" mesh="default"/);
      }));

    test('reads survive connections the server terminated (retried on a fresh connection)', async () => {
      const log = recordingLogger();
      const { store, pool, database, cleanup } = await freshStore(pgt, { log });
      try {
        await store.create(raw('dp'));
        // Fill the pool with idle connections, then have the server kill them all.
        const clients = await Promise.all([1, 2, 3].map(() => pool.connect()));
        for (const c of clients) c.release();
        server.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`);
        for (let i = 0; i < 3; i++) assert.equal((await store.get({ type: 'Dataplane', mesh: 'default', name: 'dp' })).meta.name, 'dp');
        assert.equal((await store.list('Dataplane')).total, 1);
        assert.ok(log.entries.some((e) => e.msg === 'retrying a read after a lost database connection'), 'no read was retried');
      } finally {
        await cleanup();
      }
    });

    test('an exhausted pool (connection timeout) answers StoreUnavailableError', async () => {
      const db = await server.createDatabase();
      const pool = new pg.Pool({ ...clientConfig(pgt, db), max: 1, connectionTimeoutMillis: 100 });
      await migrateUp(pool);
      const store = new PostgresResourceStore({ pool, listenClient: () => connectClient(pgt, db) });
      const held = await pool.connect();
      try {
        const err = await rejectsWithCode(store.get({ type: 'Mesh', mesh: '', name: 'm' }), 'ERR_STORE_UNAVAILABLE');
        assert.match(err.message, /timeout/);
        held.release();
        await rejectsWithCode(store.get({ type: 'Mesh', mesh: '', name: 'm' }), 'ERR_RESOURCE_NOT_FOUND');
      } finally {
        await store.close();
        await pool.end();
      }
    });

    test('watch after close is a no-op; close is idempotent', () =>
      withFresh(async ({ store }) => {
        const stop = store.watch(() => undefined);
        await store.close();
        stop();
        store.watch(() => assert.fail('no events after close'))();
        await store.close();
      }));
  });
});
