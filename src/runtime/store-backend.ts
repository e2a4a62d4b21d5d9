import pg from 'pg';
import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import type { Logger } from '../core/log.js';
import { EncryptingResourceStore } from '../store/encrypting-store.js';
import { AlwaysLeader, type LeaderElector } from '../store/leader-election.js';
import { MemoryResourceStore } from '../store/memory/memory-store.js';
import { describeConnectError } from '../store/postgres/connect-errors.js';
import { connectWithRetry } from '../store/postgres/connect-retry.js';
import { createPostgresPool, postgresClientConfig } from '../store/postgres/connection-config.js';
import { PostgresLeaderElector } from '../store/postgres/leader-lock.js';
import { checkMigrated } from '../store/postgres/migrator.js';
import { PostgresResourceStore } from '../store/postgres/postgres-store.js';
import { loadPostgresTlsMaterial, tlsModeLogLine, type PostgresTlsMaterial } from '../store/postgres/tls-options.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { SecretsKeyring } from '../store/secrets-keyring.js';
import { loadSecretsKeyring } from '../store/secrets-keyring.js';

/** The resource store kuma-cp runs on, and who leads among the instances sharing it. */
export interface StoreBackend {
  readonly type: 'memory' | 'postgres';
  /** What the resource manager wraps (Postgres: secrets encrypted on the way in and out). */
  readonly store: ResourceStore;
  /** The backend without encryption (re-encryption reads and writes raw rows). */
  readonly raw: ResourceStore;
  readonly keyring: SecretsKeyring | undefined;
  readonly leadership: LeaderElector;
  /** Ends the store's connections (after the components stopped). */
  close(): Promise<void>;
}

export interface StoreBackendOptions {
  instanceId: string;
  log: Logger;
  /** Aborts the start-up retry (a signal while waiting for the database). */
  signal?: AbortSignal;
}

export async function openStoreBackend(cfg: KumaCpConfig, opts: StoreBackendOptions): Promise<StoreBackend> {
  if (cfg.store.type !== 'postgres') {
    const store = new MemoryResourceStore({ logger: opts.log });
    return { type: 'memory', store, raw: store, keyring: undefined, leadership: new AlwaysLeader(opts.instanceId, opts.log), close: () => store.close() };
  }
  return openPostgres(cfg, opts);
}

/** A pool that reached the database (retried for `startupTimeout`), with the TLS files it was built from. */
export async function connectPostgres(
  pgCfg: KumaCpConfig['store']['postgres'],
  log: Logger,
  signal?: AbortSignal,
): Promise<{ pool: pg.Pool; tlsMaterial: PostgresTlsMaterial }> {
  const line = tlsModeLogLine(pgCfg);
  log[line.level](line.fields, line.msg);
  // Bad TLS files are configuration errors: reported before any connection attempt.
  const tlsMaterial = loadPostgresTlsMaterial(pgCfg.tls);
  const pool = createPostgresPool(pgCfg, { tlsMaterial, log });
  try {
    await connectWithRetry(
      async () => {
        const client = await pool.connect();
        client.release();
      },
      { deadlineMs: pgCfg.startupTimeout, log, describe: (err) => describeConnectError(err, pgCfg), ...(signal ? { signal } : {}) },
    );
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return { pool, tlsMaterial };
}

async function openPostgres(cfg: KumaCpConfig, opts: StoreBackendOptions): Promise<StoreBackend> {
  const pgCfg = cfg.store.postgres;
  const log = opts.log.child({ component: 'postgres' });
  const keyring = await loadSecretsKeyring(pgCfg, log);
  const { pool, tlsMaterial } = await connectPostgres(pgCfg, log, opts.signal);
  try {
    await checkMigrated(pool, { tolerateNewerDBVersions: pgCfg.tolerateNewerDBVersions });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  log.info({ host: pgCfg.host, port: pgCfg.port, dbName: pgCfg.dbName, secretsEncrypted: keyring !== undefined }, 'connected to PostgreSQL');
  const raw = new PostgresResourceStore({
    pool,
    listenClient: async () => {
      const client = new pg.Client(postgresClientConfig(pgCfg, { tlsMaterial, applicationName: 'kuma-cp-events' }));
      try {
        await client.connect();
      } catch (err) {
        await client.end().catch(() => undefined);
        throw describeConnectError(err, pgCfg);
      }
      return client;
    },
    log,
  });
  // Wrapped even without a key: a database holding ciphertext then fails loudly instead of handing
  // out `{encrypted: ...}` as if it were the secret.
  const store = new EncryptingResourceStore(raw, keyring);
  const leadership = new PostgresLeaderElector({ pool, instanceId: opts.instanceId, log: opts.log.child({ component: 'leader-election' }) });
  return {
    type: 'postgres',
    store,
    raw,
    keyring,
    leadership,
    async close() {
      await store.close();
      await pool.end();
    },
  };
}
