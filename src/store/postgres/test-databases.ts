import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { migrateUp } from './migrator.js';
import { PostgresResourceStore } from './postgres-store.js';

// Test helpers (not tests): connections to a database of the test server and stores on them.

/**
 * What the helpers need of the test server (test/support/postgres.ts, which code under src/ may not
 * import): its port, CA, a password user and fresh databases.
 */
export interface TestPostgres {
  port: number;
  caPath: string;
  user: string;
  password: string;
  createDatabase(): Promise<string>;
}

/** Password user over TLS, verifying the harness CA; short timeouts so a stopped server fails fast. */
export function clientConfig(server: TestPostgres, database: string): pg.ClientConfig {
  return {
    host: 'localhost',
    port: server.port,
    user: server.user,
    password: server.password,
    database,
    ssl: { ca: readFileSync(server.caPath, 'utf8') },
    connectionTimeoutMillis: 2000,
  };
}

export function testPool(server: TestPostgres, database: string): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(server, database), max: 10, idleTimeoutMillis: 1000 });
  pool.on('error', () => undefined);
  return pool;
}

/** A connected client, as PostgresResourceStore's `listenClient` wants it. */
export async function connectClient(server: TestPostgres, database: string): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(server, database));
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

export interface StoreOnDb {
  database: string;
  pool: pg.Pool;
  store: PostgresResourceStore;
  cleanup: () => Promise<void>;
}

/** A store (own pool) on `database`, migrated unless `migrate: false`. */
export async function storeOn(server: TestPostgres, database: string, opts: { log?: Logger; migrate?: boolean } = {}): Promise<StoreOnDb> {
  const pool = testPool(server, database);
  if (opts.migrate !== false) await migrateUp(pool);
  const store = new PostgresResourceStore({
    pool,
    listenClient: () => connectClient(server, database),
    log: opts.log ?? silentLogger,
  });
  return {
    database,
    pool,
    store,
    cleanup: async () => {
      await store.close();
      await pool.end();
    },
  };
}

/** A fresh database, migrated, with a store on it. */
export async function freshStore(server: TestPostgres, opts: { log?: Logger } = {}): Promise<StoreOnDb> {
  return storeOn(server, await server.createDatabase(), opts);
}
