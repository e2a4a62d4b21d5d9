/** Schema of `store`: backend choice, Postgres connection, TLS, pool, replica and secrets encryption. */

import { bool, duration, ignored, int, secret, section, str, uint } from './schema.js';

export const postgresSchema = section('Postgres store (used when store.type is postgres).', {
  host: str('127.0.0.1', 'KUMA_STORE_POSTGRES_HOST', 'Host of the database.'),
  port: int(15432, 'KUMA_STORE_POSTGRES_PORT', 'Port of the database.'),
  user: str('kuma', 'KUMA_STORE_POSTGRES_USER', 'Database user.'),
  password: secret('kuma', 'KUMA_STORE_POSTGRES_PASSWORD', 'Database password (printed as *****).'),
  dbName: str('kuma', 'KUMA_STORE_POSTGRES_DB_NAME', 'Database name.'),
  driverName: str('pgx', 'KUMA_STORE_POSTGRES_DRIVER_NAME', 'Kept for Kuma compatibility; only pgx is accepted.'),
  connectionTimeout: int(5, 'KUMA_STORE_POSTGRES_CONNECTION_TIMEOUT', 'Connection timeout in seconds.'),
  startupTimeout: duration('1m', 'KUMA_STORE_POSTGRES_STARTUP_TIMEOUT', 'kuma-ts: how long kuma-cp keeps retrying an unreachable database at start before it exits (Kuma exits at once).'),
  maxConnectionIdleTime: duration('30m', 'KUMA_STORE_POSTGRES_MAX_CONNECTION_IDLE_TIME', 'Idle connections older than this are closed.'),
  maxConnectionLifetime: duration('1h', 'KUMA_STORE_POSTGRES_MAX_CONNECTION_LIFETIME', 'Connections older than this are closed.'),
  maxConnectionLifetimeJitter: duration('1m', 'KUMA_STORE_POSTGRES_MAX_CONNECTION_LIFETIME_JITTER', 'Random extra lifetime so connections do not all close at once; at most maxConnectionLifetime.'),
  healthCheckInterval: duration('30s', 'KUMA_STORE_POSTGRES_HEALTH_CHECK_INTERVAL', 'How often idle connections are checked.'),
  minOpenConnections: int(0, 'KUMA_STORE_POSTGRES_MIN_OPEN_CONNECTIONS', 'Connections kept open; at most maxOpenConnections.'),
  maxOpenConnections: int(50, 'KUMA_STORE_POSTGRES_MAX_OPEN_CONNECTIONS', 'Maximum open connections; 0 means unlimited.'),
  maxIdleConnections: int(50, 'KUMA_STORE_POSTGRES_MAX_IDLE_CONNECTIONS', 'Maximum idle connections (migrations and leader election pool).'),
  maxListQueryElements: uint(0, 'KUMA_STORE_POSTGRES_MAX_LIST_QUERY_ELEMENTS', 'List queries for fewer keys than this filter in SQL, others filter in memory; 0: always in memory.'),
  tls: section('TLS to the database.', {
    mode: str('disable', 'KUMA_STORE_POSTGRES_TLS_MODE', 'disable, verifyNone, verifyCa or verifyFull.'),
    certPath: str('', 'KUMA_STORE_POSTGRES_TLS_CERT_PATH', 'Client certificate (for the cert auth method).'),
    keyPath: str('', 'KUMA_STORE_POSTGRES_TLS_KEY_PATH', 'Client private key.'),
    caPath: str('', 'KUMA_STORE_POSTGRES_TLS_CA_PATH', 'CA certificate the server must chain to; required by verifyCa and verifyFull.'),
    disableSSLSNI: bool(false, 'KUMA_STORE_POSTGRES_TLS_DISABLE_SSLSNI', 'If true, no SNI is sent (some proxies and poolers need this).'),
  }),
  tolerateNewerDBVersions: bool(false, 'KUMA_STORE_POSTGRES_TOLERATE_NEWER_DB_VERSIONS', 'If true, start against a schema migrated by a newer version (blue/green upgrades).'),
  readReplica: section('Read replica for non-consistent reads.', {
    host: str('', 'KUMA_STORE_POSTGRES_READ_REPLICA_HOST', 'Host of the replica; empty means no replica.'),
    port: uint(5432, 'KUMA_STORE_POSTGRES_READ_REPLICA_PORT', 'Port of the replica.'),
    ratio: uint(100, 'KUMA_STORE_POSTGRES_READ_REPLICA_RATIO', 'Percentage (0-100) of reads sent to the replica.'),
  }),
  secretsEncryptionKey: secret(
    '',
    'KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY',
    'Key that encrypts Secret and GlobalSecret data at rest: 32 bytes in base64 (openssl rand -base64 32).\nEmpty (and no key file): secrets are stored unencrypted. Printed as *****.',
  ),
  secretsEncryptionKeyFile: secret(
    '',
    'KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY_FILE',
    'Path to a file holding the key above (instead of secretsEncryptionKey). Printed as *****.',
  ),
});

export const storeSchema = section('Resource store.', {
  type: str('memory', 'KUMA_STORE_TYPE', 'memory, postgres or kubernetes.'),
  kubernetes: ignored('Kuma Kubernetes store settings (systemNamespace).'),
  postgres: postgresSchema,
  cache: section('Per-instance cache of read-only operations.', {
    enabled: bool(true, 'KUMA_STORE_CACHE_ENABLED', 'If true, reads are cached.'),
    expirationTime: duration('1s', 'KUMA_STORE_CACHE_EXPIRATION_TIME', 'How long a cached read is reused.'),
  }),
  upsert: section('Retries of get-and-update operations on conflict.', {
    conflictRetryBaseBackoff: duration('200ms', 'KUMA_STORE_UPSERT_CONFLICT_RETRY_BASE_BACKOFF', 'Base of the exponential backoff.'),
    conflictRetryMaxTimes: uint(10, 'KUMA_STORE_UPSERT_CONFLICT_RETRY_MAX_TIMES', 'Maximum retries.'),
    conflictRetryJitterPercent: uint(30, 'KUMA_STORE_UPSERT_CONFLICT_RETRY_JITTER_PERCENT', 'Jitter in percent of the backoff.'),
  }),
  unsafeDelete: bool(false, 'KUMA_STORE_UNSAFE_DELETE', 'If true, deletes skip safety checks (e.g. a Mesh with Dataplanes can be deleted).'),
});
