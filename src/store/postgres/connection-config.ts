/**
 * node-postgres settings from `store.postgres`: the same server, credentials, timeouts and TLS that
 * Kuma's DSN gives pgx, for a pool (the store) or one dedicated connection (LISTEN, leader lock,
 * migrations). The password is passed as a function so that it never shows in a dump of the config
 * object (console.log, JSON), and the TLS files are read and checked here, once.
 */
import { Socket, isIP } from 'node:net';
import pg from 'pg';
import { KumaError, messageOf } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { PostgresStoreConfig } from './connect-settings.js';
import { loadPostgresTlsMaterial, postgresSslOptions, type PostgresTlsMaterial } from './tls-options.js';

/** What pgx gets for maxOpenConnections 0 ("unlimited"): MaxInt32. */
export const UNLIMITED_CONNECTIONS = 2 ** 31 - 1;

export const DEFAULT_APPLICATION_NAME = 'kuma-cp';

/**
 * node-postgres sends SNI whenever the host is a name and offers no switch to stop it, but sends none
 * for an IP literal. So with disableSSLSNI it is given this unroutable IP (RFC 6666 discard prefix)
 * and a socket that dials the real host instead; the real host is still what verifyFull checks.
 */
export const SNI_FREE_HOST_PLACEHOLDER = '100::';

export interface PostgresConnectionOptions {
  /** The primary (default) or `store.postgres.readReplica` (same credentials and TLS, other host/port). */
  target?: 'primary' | 'readReplica';
  /** `application_name` shown in pg_stat_activity (default kuma-cp). */
  applicationName?: string;
  /** TLS material already loaded with loadPostgresTlsMaterial (default: read the files now). */
  tlsMaterial?: PostgresTlsMaterial;
  /** Source of the lifetime jitter, [0, 1) (default Math.random). */
  random?: () => number;
}

export function targetAddress(cfg: PostgresStoreConfig, target: 'primary' | 'readReplica' = 'primary'): { host: string; port: number } {
  if (target === 'primary') return { host: cfg.host, port: cfg.port };
  if (cfg.readReplica.host === '') {
    throw new KumaError('ERR_POSTGRES_NO_READ_REPLICA', 'no read replica is configured (store.postgres.readReplica.host is empty)');
  }
  return { host: cfg.readReplica.host, port: cfg.readReplica.port };
}

/** A TCP socket that connects to `host` whatever host node-postgres asks for. */
function socketTo(host: string): Socket {
  const socket = new Socket();
  const connect = socket.connect.bind(socket) as (port: number, host: string) => Socket;
  socket.connect = ((port: number) => connect(port, host)) as Socket['connect'];
  return socket;
}

/** Settings for one dedicated connection (`new pg.Client(...)`). Throws PostgresTlsConfigError on bad TLS files. */
export function postgresClientConfig(cfg: PostgresStoreConfig, opts: PostgresConnectionOptions = {}): pg.ClientConfig {
  const { host, port } = targetAddress(cfg, opts.target);
  const material = opts.tlsMaterial ?? loadPostgresTlsMaterial(cfg.tls);
  const ssl = postgresSslOptions(cfg.tls, host, material);
  const password = cfg.password;
  const config: pg.ClientConfig = {
    host,
    port,
    user: cfg.user,
    password: () => password,
    database: cfg.dbName,
    // libpq's connect_timeout: whole seconds, 0 waits forever.
    connectionTimeoutMillis: Math.max(0, cfg.connectionTimeout) * 1000,
    application_name: opts.applicationName ?? DEFAULT_APPLICATION_NAME,
    keepAlive: true,
    ssl,
  };
  if (ssl !== false && cfg.tls.disableSSLSNI && isIP(host) === 0 && !host.startsWith('/')) {
    config.host = SNI_FREE_HOST_PLACEHOLDER;
    config.stream = () => socketTo(host);
  }
  return config;
}

/** maxConnectionLifetime plus a random share of the jitter, in seconds; 0 means connections live forever. */
export function connectionLifetimeSeconds(cfg: PostgresStoreConfig, random: () => number = Math.random): number {
  if (cfg.maxConnectionLifetime <= 0) return 0;
  const jitter = Math.max(0, Math.min(cfg.maxConnectionLifetimeJitter, cfg.maxConnectionLifetime));
  return (cfg.maxConnectionLifetime + random() * jitter) / 1000;
}

/**
 * Pool settings. pg-pool has no health-check loop (healthCheckInterval): a dead idle connection is
 * dropped when it errors, and the pool dials a new one on demand. maxLifetimeSeconds holds one
 * jitter draw; createPostgresPool draws per connection.
 */
export function postgresConnectionConfig(cfg: PostgresStoreConfig, opts: PostgresConnectionOptions = {}): pg.PoolConfig {
  return {
    ...postgresClientConfig(cfg, opts),
    max: cfg.maxOpenConnections === 0 ? UNLIMITED_CONNECTIONS : cfg.maxOpenConnections,
    min: Math.max(0, cfg.minOpenConnections),
    idleTimeoutMillis: Math.max(0, cfg.maxConnectionIdleTime),
    maxLifetimeSeconds: connectionLifetimeSeconds(cfg, opts.random),
  };
}

/**
 * A pool with a fresh lifetime jitter per connection (so connections opened together do not all
 * close together, the point of the jitter) and a listener for idle-connection errors, which
 * node-postgres would otherwise raise as an uncaught 'error' event when the server restarts.
 */
export function createPostgresPool(cfg: PostgresStoreConfig, opts: PostgresConnectionOptions & { log?: Logger } = {}): pg.Pool {
  const pool = new pg.Pool(postgresConnectionConfig(cfg, opts));
  const random = opts.random ?? Math.random;
  // pg-pool reads options.maxLifetimeSeconds each time it sets up a new connection.
  Object.defineProperty(pool.options, 'maxLifetimeSeconds', { get: () => connectionLifetimeSeconds(cfg, random), enumerable: true, configurable: true });
  const log = opts.log ?? silentLogger;
  pool.on('error', (err) => {
    log.warn({ error: messageOf(err) }, 'an idle PostgreSQL connection failed; the pool opens a new one when needed');
  });
  return pool;
}
