import type pg from 'pg';

// The statements of the record-version-number lock on Kuma's `locks` table (the schema pglock uses:
// name PK, record_version_number bigint, data bytea, owner). Every write is one statement, so the
// compare-and-set is atomic without an explicit transaction. RVNs come back as strings (bigint).

export interface LockRow {
  /** NULL when a holder released the row without deleting it (pglock's keep-on-release). */
  rvn: string | null;
  owner: string | null;
}

/** The lock row as it is now, or undefined when nobody ever took (or everybody released) the lock. */
export async function readLock(pool: pg.Pool, name: string): Promise<LockRow | undefined> {
  const r = await pool.query<{ rvn: string | null; owner: string | null }>(
    'SELECT record_version_number AS rvn, owner FROM locks WHERE name = $1',
    [name],
  );
  return r.rows[0];
}

/** Creates the row with a fresh RVN; undefined when someone else created it first. */
export async function insertLock(pool: pg.Pool, name: string, owner: string): Promise<string | undefined> {
  const r = await pool.query<{ rvn: string }>(
    `INSERT INTO locks (name, record_version_number, data, owner) VALUES ($1, nextval('locks_rvn'), NULL, $2)
     ON CONFLICT (name) DO NOTHING RETURNING record_version_number AS rvn`,
    [name, owner],
  );
  return r.rows[0]?.rvn;
}

/**
 * Sets a fresh RVN and the owner if the row still carries `expected` (NULL matches a released row);
 * returns the new RVN, or undefined when the RVN moved on (someone else wrote). Used for heartbeats
 * and for taking over a row whose holder stopped heartbeating.
 */
export async function compareAndSetLock(pool: pg.Pool, name: string, expected: string | null, owner: string): Promise<string | undefined> {
  const r = await pool.query<{ rvn: string }>(
    `UPDATE locks SET record_version_number = nextval('locks_rvn'), owner = $3
     WHERE name = $1 AND record_version_number IS NOT DISTINCT FROM $2::bigint
     RETURNING record_version_number AS rvn`,
    [name, expected, owner],
  );
  return r.rows[0]?.rvn;
}

/** Deletes the row if it still carries our RVN, so a waiting instance can take it at once. */
export async function releaseLock(pool: pg.Pool, name: string, rvn: string): Promise<boolean> {
  const r = await pool.query('DELETE FROM locks WHERE name = $1 AND record_version_number = $2::bigint', [name, rvn]);
  return (r.rowCount ?? 0) === 1;
}

/** Creates the lock table and sequence when missing (tests; production runs the migrations). */
export async function ensureLockTable(pool: pg.Pool): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS locks (name varchar(255) PRIMARY KEY, record_version_number bigint, data bytea, owner varchar(255));
     CREATE SEQUENCE IF NOT EXISTS locks_rvn`,
  );
}
