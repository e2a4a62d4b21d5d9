import { crc32 } from 'node:zlib';
import pg from 'pg';
import { KumaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { LATEST_MIGRATION_VERSION, MIGRATIONS, OLDEST_UPGRADABLE_KUMA_VERSION, type Migration } from './migrations.js';
import { describeFailure, isConnectionError, sqlStateOf, SQLSTATE, storeUnavailable } from './sql-errors.js';

// Applies MIGRATIONS and checks a database's schema version, interoperable with Kuma's golang-migrate:
// same bookkeeping table and the same advisory lock id, so a Kuma and a kuma-ts instance migrating
// the same database at once also wait for each other.

const MIGRATIONS_TABLE = 'schema_migrations';
/** golang-migrate's salt for advisory lock ids. */
const ADVISORY_LOCK_SALT = 1486364155;

export class DatabaseNotMigratedError extends KumaError {
  constructor() {
    super('ERR_STORE_NOT_MIGRATED', 'database is not migrated. Run "kuma-cp migrate up" to update database to the newest schema');
  }
}

export class DatabaseNewerThanKumaError extends KumaError {
  constructor(readonly dbVersion: number, readonly kumaVersion: number) {
    super(
      'ERR_STORE_DB_NEWER',
      `DB is migrated to newer version than Kuma. DB migration version ${dbVersion}. Kuma migration version ${kumaVersion}. Run newer version of Kuma`,
    );
  }
}

export class DatabaseMigrationDirtyError extends KumaError {
  constructor(readonly dbVersion: number) {
    super(
      'ERR_STORE_MIGRATION_DIRTY',
      `database schema migration ${dbVersion} is marked dirty in table ${MIGRATIONS_TABLE}: a migration failed half-way or is still running elsewhere. ` +
        `Make sure no migration is running, repair the schema by hand (or restore a backup), set dirty to false, then run "kuma-cp migrate up"`,
    );
  }
}

export class DatabaseTooOldError extends KumaError {
  constructor(readonly dbVersion: number) {
    super(
      'ERR_STORE_DB_TOO_OLD',
      `DB migration version ${dbVersion} is older than ${OLDEST_UPGRADABLE_KUMA_VERSION}, the oldest schema this Kuma can upgrade. Run "kuma-cp migrate up" of a Kuma 2.x release first`,
    );
  }
}

export class MigrationFailedError extends KumaError {
  constructor(migration: Migration, reason: string, cause: unknown) {
    super('ERR_STORE_MIGRATION_FAILED', `error while executing up migration ${migration.version}_${migration.name}: ${reason}; the transaction was rolled back, nothing changed`, { cause });
  }
}

export interface DbVersion {
  /** Last applied migration; 0 when none (no table or no row). */
  version: number;
  dirty: boolean;
}

export interface MigrationResult {
  /** Version before; 0 for an empty database. */
  from: number;
  /** Version after. */
  to: number;
  /** Versions applied by this call, ascending (empty when already current). */
  applied: number[];
}

export interface MigrateOptions {
  /** A database migrated by a newer Kuma is left alone instead of refused. */
  tolerateNewerDBVersions?: boolean;
  log?: Logger;
}

type Queryable = pg.ClientBase | pg.Pool;

/** golang-migrate's lock id: CRC-32 (IEEE) of "schema\0table\0database" times a salt, as uint32. */
export function migrationLockId(database: string, schema: string, table = MIGRATIONS_TABLE): string {
  const sum = crc32(Buffer.from(`${schema}\u0000${table}\u0000${database}`, 'utf8'));
  return String(Math.imul(sum, ADVISORY_LOCK_SALT) >>> 0);
}

/** Connection failures become StoreUnavailableError; everything else passes unchanged. */
function unavailableOr(err: unknown): unknown {
  if (err instanceof KumaError) return err;
  return isConnectionError(err) ? storeUnavailable(err) : err;
}

/** Runs `fn` on one connection (advisory locks are per session): the client itself, or one from the pool. */
async function onOneConnection<T>(db: Queryable, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool)) return fn(db);
  let client: pg.PoolClient;
  try {
    client = await db.connect();
  } catch (err) {
    throw storeUnavailable(err);
  }
  let broken: Error | undefined;
  try {
    return await fn(client);
  } catch (err) {
    if (isConnectionError(err) && err instanceof Error) broken = err;
    throw err;
  } finally {
    client.release(broken);
  }
}

async function readVersionOn(client: pg.ClientBase): Promise<DbVersion> {
  try {
    const r = await client.query<{ version: string; dirty: boolean }>(`SELECT version, dirty FROM ${MIGRATIONS_TABLE} LIMIT 1`);
    const row = r.rows[0];
    return row ? { version: Number(row.version), dirty: row.dirty } : { version: 0, dirty: false };
  } catch (err) {
    if (sqlStateOf(err) === SQLSTATE.undefinedTable) return { version: 0, dirty: false };
    throw unavailableOr(err);
  }
}

/** The schema version recorded in `schema_migrations` (0 when the database was never migrated). */
export async function readMigrationVersion(db: Queryable): Promise<DbVersion> {
  return onOneConnection(db, readVersionOn);
}

/**
 * Throws unless the database is at LATEST_MIGRATION_VERSION (or newer, with tolerateNewerDBVersions)
 * and clean. Stricter than Kuma, which boots on a dirty row at the expected version: a dirty row
 * means a schema that may be half-built, so it is always refused.
 */
export async function checkMigrated(db: Queryable, opts: { tolerateNewerDBVersions?: boolean } = {}): Promise<DbVersion> {
  const v = await readMigrationVersion(db);
  if (v.dirty) throw new DatabaseMigrationDirtyError(v.version);
  if (v.version > LATEST_MIGRATION_VERSION) {
    if (opts.tolerateNewerDBVersions) return v;
    throw new DatabaseNewerThanKumaError(v.version, LATEST_MIGRATION_VERSION);
  }
  if (v.version < LATEST_MIGRATION_VERSION) throw new DatabaseNotMigratedError();
  return v;
}

async function applyOne(client: pg.ClientBase, m: Migration): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(m.sql);
    await client.query(`DELETE FROM ${MIGRATIONS_TABLE}`);
    await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, dirty) VALUES ($1, false)`, [m.version]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (isConnectionError(err)) throw storeUnavailable(err);
    throw new MigrationFailedError(m, describeFailure(err), err);
  }
}

async function migrateOn(client: pg.ClientBase, opts: MigrateOptions): Promise<MigrationResult> {
  const log = opts.log ?? silentLogger;
  const where = await client.query<{ db: string; schema: string | null }>('SELECT current_database() AS db, current_schema() AS schema');
  const { db = '', schema = null } = where.rows[0] ?? {};
  if (schema === null) throw new KumaError('ERR_STORE_NO_SCHEMA', 'no schema to migrate: the search_path of the database user names no existing schema; set search_path (e.g. to public)');
  const lockId = migrationLockId(db, schema);
  // Waits while another instance (kuma-ts or Kuma) migrates this database; it then finds nothing to do.
  await client.query('SELECT pg_advisory_lock($1)', [lockId]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`);
    const current = await readVersionOn(client);
    if (current.dirty) throw new DatabaseMigrationDirtyError(current.version);
    if (current.version > LATEST_MIGRATION_VERSION) {
      if (opts.tolerateNewerDBVersions) {
        log.info({ dbVersion: current.version, kumaVersion: LATEST_MIGRATION_VERSION }, 'DB is at a newer migration version than this Kuma; tolerated');
        return { from: current.version, to: current.version, applied: [] };
      }
      throw new DatabaseNewerThanKumaError(current.version, LATEST_MIGRATION_VERSION);
    }
    if (current.version > 0 && current.version < OLDEST_UPGRADABLE_KUMA_VERSION) throw new DatabaseTooOldError(current.version);
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (m.version <= current.version) continue;
      log.info({ version: m.version, name: m.name }, 'applying database migration');
      await applyOne(client, m);
      applied.push(m.version);
    }
    return { from: current.version, to: applied[applied.length - 1] ?? current.version, applied };
  } finally {
    // A dead connection has released the session lock already.
    await client.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
  }
}

/**
 * Brings the schema to LATEST_MIGRATION_VERSION, one migration per transaction, under golang-migrate's
 * advisory lock. Safe to run from several instances at once and again on a current database (no-op).
 */
export async function migrateUp(db: Queryable, opts: MigrateOptions = {}): Promise<MigrationResult> {
  return onOneConnection(db, async (client) => {
    try {
      return await migrateOn(client, opts);
    } catch (err) {
      throw unavailableOr(err);
    }
  });
}
