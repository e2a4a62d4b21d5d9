import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { PG_PASSWORD, PG_PASSWORD_USER, postgresUnavailable, startPostgres, type PgServer } from '../../../test/support/postgres.js';
import { LATEST_MIGRATION_VERSION } from './migrations.js';
import { checkMigrated, migrateUp, migrationLockId, readMigrationVersion } from './migrator.js';
import { connectClient, storeOn, testPool, type TestPostgres } from './test-databases.js';

const skip = postgresUnavailable();

const NOT_MIGRATED = 'database is not migrated. Run "kuma-cp migrate up" to update database to the newest schema';
const newer = (v: number): string =>
  `DB is migrated to newer version than Kuma. DB migration version ${v}. Kuma migration version ${LATEST_MIGRATION_VERSION}. Run newer version of Kuma`;

async function rejectsCode(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as { code?: string }).code, code, (err as Error).message);
    return err as Error;
  }
  assert.fail(`expected a rejection with ${code}`);
}

test('the migration lock id is golang-migrate\'s (CRC-32 of "schema\\0table\\0db" times its salt, uint32)', () => {
  // Pinned with Python: zlib.crc32(b"public\0schema_migrations\0kuma") = 0xa61a884d; × 1486364155 mod 2**32.
  assert.equal(migrationLockId('kuma', 'public'), '1126980735');
  assert.notEqual(migrationLockId('kuma', 'public'), migrationLockId('kuma2', 'public'));
});

describe('Postgres migrations (real server)', { skip }, () => {
  let server: PgServer;
  let pgt: TestPostgres;
  const pools: pg.Pool[] = [];
  before(async () => {
    server = await startPostgres();
    pgt = { port: server.port, caPath: server.tls.caPath, user: PG_PASSWORD_USER, password: PG_PASSWORD, createDatabase: () => server.createDatabase() };
  });
  after(async () => {
    for (const p of pools) await p.end().catch(() => undefined);
    await server?.stop();
  });
  const freshDb = async (): Promise<{ db: string; pool: pg.Pool }> => {
    const db = await server.createDatabase();
    const pool = testPool(pgt, db);
    pools.push(pool);
    return { db, pool };
  };

  test('a fresh database is refused, migrated to the end schema, then accepted; a second run is a no-op', async () => {
    const { db, pool } = await freshDb();
    const refused = await rejectsCode(checkMigrated(pool), 'ERR_STORE_NOT_MIGRATED');
    assert.equal(refused.message, NOT_MIGRATED);
    assert.deepEqual(await readMigrationVersion(pool), { version: 0, dirty: false });

    assert.deepEqual(await migrateUp(pool), { from: 0, to: LATEST_MIGRATION_VERSION, applied: [LATEST_MIGRATION_VERSION] });
    assert.deepEqual(await checkMigrated(pool), { version: LATEST_MIGRATION_VERSION, dirty: false });
    assert.deepEqual(await migrateUp(pool), { from: LATEST_MIGRATION_VERSION, to: LATEST_MIGRATION_VERSION, applied: [] });
    assert.equal(server.psql('SELECT version || \',\' || dirty FROM schema_migrations', db).trim(), `${LATEST_MIGRATION_VERSION},false`);

    const columns = server.psql(
      `SELECT string_agg(column_name || ':' || data_type || ':' || coalesce(character_maximum_length::text, '') || ':' || is_nullable || ':' || coalesce(column_default, ''), '|' ORDER BY ordinal_position)
       FROM information_schema.columns WHERE table_name = 'resources'`,
      db,
    ).trim();
    assert.deepEqual(columns.split('|'), [
      'name:character varying:253:NO:',
      'mesh:character varying:100:NO:',
      'type:character varying:100:NO:',
      'version:integer::NO:',
      'spec:text::YES:',
      'creation_time:timestamp without time zone::NO:now()',
      'modification_time:timestamp without time zone::NO:now()',
      'owner_name:character varying:100:YES:',
      'owner_mesh:character varying:100:YES:',
      'owner_type:character varying:100:YES:',
      "labels:jsonb::YES:'{}'::jsonb",
      "status:jsonb::NO:'{}'::jsonb",
    ]);
    const constraints = server.psql(
      `SELECT string_agg(pg_get_constraintdef(oid), '|' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'resources'::regclass`,
      db,
    ).trim();
    assert.equal(constraints, 'FOREIGN KEY (owner_name, owner_mesh, owner_type) REFERENCES resources(name, mesh, type) ON DELETE CASCADE|PRIMARY KEY (name, mesh, type)');
    assert.match(server.psql("SELECT indexdef FROM pg_indexes WHERE indexname = 'owner_fk_index'", db), /\(owner_type, owner_mesh, owner_name\)/);
    assert.match(server.psql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'resources'::regclass AND NOT tgisinternal", db), /^products_notify_event$/m);
    assert.equal(server.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'locks'", db).trim(), '4');
    assert.equal(server.psql("SELECT count(*) FROM pg_class WHERE relname = 'locks_rvn' AND relkind = 'S'", db).trim(), '1');
  });

  test('the trigger announces inserts, updates and deletes in Kuma\'s payload shape', async () => {
    const { db, pool } = await freshDb();
    await migrateUp(pool);
    const listener = await connectClient(pgt, db);
    const payloads: string[] = [];
    listener.on('notification', (m) => payloads.push(m.payload ?? ''));
    await listener.query('LISTEN resource_events');
    server.psql("INSERT INTO resources (name, mesh, type, version, spec) VALUES ('m1', '', 'Mesh', 0, '{}'); UPDATE resources SET version = 1; DELETE FROM resources", db);
    for (let i = 0; i < 200 && payloads.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    await listener.end();
    assert.deepEqual(payloads.map((p) => JSON.parse(p)), ['INSERT', 'UPDATE', 'DELETE'].map((action) => ({ action, data: { name: 'm1', mesh: '', type: 'Mesh' } })));
  });

  test('a database of a newer Kuma is refused by check and migrate, unless newer versions are tolerated', async () => {
    const { db, pool } = await freshDb();
    await migrateUp(pool);
    server.psql('UPDATE schema_migrations SET version = 1800000000', db);
    assert.equal((await rejectsCode(checkMigrated(pool), 'ERR_STORE_DB_NEWER')).message, newer(1800000000));
    assert.equal((await rejectsCode(migrateUp(pool), 'ERR_STORE_DB_NEWER')).message, newer(1800000000));
    assert.deepEqual(await checkMigrated(pool, { tolerateNewerDBVersions: true }), { version: 1800000000, dirty: false });
    assert.deepEqual(await migrateUp(pool, { tolerateNewerDBVersions: true }), { from: 1800000000, to: 1800000000, applied: [] });
  });

  test('a dirty database is refused always, with what to do', async () => {
    const { db, pool } = await freshDb();
    await migrateUp(pool);
    server.psql('UPDATE schema_migrations SET dirty = true', db);
    for (const attempt of [() => checkMigrated(pool), () => checkMigrated(pool, { tolerateNewerDBVersions: true }), () => migrateUp(pool)]) {
      const err = await rejectsCode(attempt(), 'ERR_STORE_MIGRATION_DIRTY');
      assert.match(err.message, new RegExp(`migration ${LATEST_MIGRATION_VERSION} is marked dirty.*set dirty to false, then run "kuma-cp migrate up"`));
    }
  });

  test('two instances migrating at once both succeed and build the schema once', async () => {
    const { db, pool } = await freshDb();
    const other = testPool(pgt, db);
    pools.push(other);
    const [a, b] = await Promise.all([migrateUp(pool), migrateUp(other)]);
    assert.deepEqual([...(a?.applied ?? []), ...(b?.applied ?? [])], [LATEST_MIGRATION_VERSION]);
    assert.equal(a?.to, LATEST_MIGRATION_VERSION);
    assert.equal(b?.to, LATEST_MIGRATION_VERSION);
    assert.equal(server.psql("SELECT count(*) FROM pg_trigger WHERE tgname = 'products_notify_event'", db).trim(), '1');
  });

  test('migrate waits for the golang-migrate advisory lock that Kuma would hold', async () => {
    const { db, pool } = await freshDb();
    const holder = await connectClient(pgt, db);
    await holder.query('SELECT pg_advisory_lock($1)', [migrationLockId(db, 'public')]);
    let done = false;
    const migrating = migrateUp(pool).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(done, false);
    await holder.query('SELECT pg_advisory_unlock($1)', [migrationLockId(db, 'public')]);
    assert.deepEqual((await migrating).applied, [LATEST_MIGRATION_VERSION]);
    await holder.end();
  });

  test('a database left by an older Kuma 2.x (before status) is upgraded in place, keeping its rows', async () => {
    const { db, pool } = await freshDb();
    // The schema Kuma's migrations 1579518998 … 1701180642 leave behind: no status column.
    server.psql(
      `CREATE TABLE resources (name varchar(253) NOT NULL, mesh varchar(100) NOT NULL, type varchar(100) NOT NULL, version integer NOT NULL, spec text,
         creation_time timestamp NOT NULL DEFAULT now(), modification_time timestamp NOT NULL DEFAULT now(),
         owner_name varchar(100), owner_mesh varchar(100), owner_type varchar(100), labels jsonb DEFAULT '{}'::jsonb,
         PRIMARY KEY (name, mesh, type),
         CONSTRAINT owner_fk FOREIGN KEY (owner_name, owner_mesh, owner_type) REFERENCES resources (name, mesh, type) ON DELETE CASCADE);
       CREATE TABLE locks (name varchar(255) PRIMARY KEY, record_version_number bigint, data bytea, owner varchar(255));
       CREATE SEQUENCE locks_rvn OWNED BY locks.record_version_number;
       CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
       INSERT INTO schema_migrations VALUES (1701180642, false);
       INSERT INTO resources (name, mesh, type, version, spec, creation_time, modification_time, labels)
         VALUES ('default', '', 'Mesh', 7, '{"mtls":{"enabledBackend":"ca-1"}}', '2025-03-04 05:06:07.5', '2025-03-04 05:06:08', '{"team":"a"}');
       ALTER TABLE resources OWNER TO kuma; ALTER TABLE locks OWNER TO kuma; ALTER TABLE schema_migrations OWNER TO kuma;`,
      db,
    );
    await rejectsCode(checkMigrated(pool), 'ERR_STORE_NOT_MIGRATED');
    assert.deepEqual(await migrateUp(pool), { from: 1701180642, to: LATEST_MIGRATION_VERSION, applied: [LATEST_MIGRATION_VERSION] });
    const { store, cleanup } = await storeOn(pgt, db, { migrate: false });
    try {
      const mesh = await store.get({ type: 'Mesh', mesh: '', name: 'default' });
      assert.equal(mesh.meta.version, '7');
      assert.deepEqual(mesh.spec, { mtls: { enabledBackend: 'ca-1' } });
      assert.deepEqual(mesh.meta.labels, { team: 'a' });
      assert.equal(mesh.meta.creationTime.toISOString(), '2025-03-04T05:06:07.500Z');
      const watched: string[] = [];
      const stop = store.watch((e) => watched.push(`${e.op} ${e.name}`));
      await store.update({ ...mesh, status: { ok: true } });
      for (let i = 0; i < 200 && watched.length < 1; i++) await new Promise((r) => setTimeout(r, 5));
      stop();
      assert.deepEqual(watched, ['update default']);
    } finally {
      await cleanup();
    }
  });

  test('a pre-1.0 Kuma database is refused with what to do', async () => {
    const { db, pool } = await freshDb();
    server.psql('CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (1589041445, false); ALTER TABLE schema_migrations OWNER TO kuma', db);
    const err = await rejectsCode(migrateUp(pool), 'ERR_STORE_DB_TOO_OLD');
    assert.match(err.message, /^DB migration version 1589041445 is older than 1604501001.*Kuma 2\.x release first$/);
  });

  test('a failing migration is rolled back entirely and reported', async () => {
    const { db, pool } = await freshDb();
    // A view where the table belongs: CREATE TABLE IF NOT EXISTS skips it, ALTER TABLE then fails.
    server.psql('CREATE VIEW resources AS SELECT 1 AS x; ALTER VIEW resources OWNER TO kuma', db);
    const err = await rejectsCode(migrateUp(pool), 'ERR_STORE_MIGRATION_FAILED');
    assert.match(err.message, new RegExp(`^error while executing up migration ${LATEST_MIGRATION_VERSION}_create_schema: .*\\(SQLSTATE \\w{5}\\); the transaction was rolled back`));
    assert.deepEqual(await readMigrationVersion(pool), { version: 0, dirty: false });
    assert.equal(server.psql("SELECT count(*) FROM pg_class WHERE relname IN ('locks', 'locks_rvn')", db).trim(), '0');
  });
});
