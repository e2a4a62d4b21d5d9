/**
 * Validation of `store` with Kuma's texts. Kuma stops at the first Postgres problem; every problem is
 * reported here. Postgres settings are checked only when store.type is postgres, as in Kuma.
 */

import { closest } from './did-you-mean.js';
import type { KumaCpConfig } from './kuma-cp-schema.js';
import type { Scope } from './validate-support.js';

const STORE_TYPES = ['postgres', 'kubernetes', 'memory'];
const PG_TLS_MODES = ['disable', 'verifyNone', 'verifyCa', 'verifyFull'];
/** libpq sslmode names people copy from a DSN, and the Kuma mode that behaves the same. */
const LIBPQ_SSLMODES: Readonly<Record<string, string>> = { require: 'verifyNone', 'verify-ca': 'verifyCa', 'verify-full': 'verifyFull' };

/** Kuma's `invalid mode: <m>`, plus a hint and the allowed values. */
function invalidTlsMode(mode: string): string {
  const hint = Object.hasOwn(LIBPQ_SSLMODES, mode) ? LIBPQ_SSLMODES[mode] : closest(mode, PG_TLS_MODES);
  const didYouMean = hint === undefined ? '' : `; did you mean ${hint}?`;
  return `invalid mode: ${mode}${didYouMean} (allowed: ${PG_TLS_MODES.join(', ')})`;
}

/** Bytes of a base64 string, or undefined when it is not canonical base64. */
function base64Length(s: string): number | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return Buffer.from(s, 'base64').length;
}

export function validatePostgres(s: Scope, p: KumaCpConfig['store']['postgres']): void {
  if (p.host === '') s.add('host', 'Host should not be empty');
  if (p.port < 0) s.add('port', 'Port cannot be negative');
  else if (p.port > 65535) s.add('port', 'Port must be in range [0, 65535]');
  if (p.user === '') s.add('user', 'User should not be empty');
  if (p.password === '') s.add('password', 'Password should not be empty');
  if (p.dbName === '') s.add('dbName', 'DbName should not be empty');
  // Not checked by Kuma (pgx then fails to parse the DSN); a negative libpq connect_timeout makes no sense.
  if (p.connectionTimeout < 0) s.add('connectionTimeout', 'ConnectionTimeout cannot be negative');
  if (p.driverName !== 'pgx') s.add('driverName', `unknown driver name ${p.driverName}`);
  const tls = s.scope('TLS validation failed: ', 'tls');
  if (!PG_TLS_MODES.includes(p.tls.mode)) tls.add('mode', invalidTlsMode(p.tls.mode));
  else if ((p.tls.mode === 'verifyCa' || p.tls.mode === 'verifyFull') && p.tls.caPath === '') tls.add('caPath', 'CAPath cannot be empty');
  if (p.tls.keyPath === '' && p.tls.certPath !== '') tls.add('keyPath', 'KeyPath cannot be empty when CertPath is provided');
  if (p.tls.certPath === '' && p.tls.keyPath !== '') tls.add('certPath', 'CertPath cannot be empty when KeyPath is provided');
  if (p.minOpenConnections < 0) s.add('minOpenConnections', 'MinOpenConnections should be greater than 0');
  else if (p.minOpenConnections > p.maxOpenConnections) s.add('minOpenConnections', 'MinOpenConnections should be less than MaxOpenConnections');
  if (p.maxConnectionLifetime < 0) s.add('maxConnectionLifetime', 'MaxConnectionLifetime should be greater than 0');
  if (p.maxConnectionLifetimeJitter < 0) s.add('maxConnectionLifetimeJitter', 'MaxConnectionLifetimeJitter should be greater than 0');
  else if (p.maxConnectionLifetimeJitter > p.maxConnectionLifetime) {
    s.add('maxConnectionLifetimeJitter', 'MaxConnectionLifetimeJitter should be less than MaxConnectionLifetime');
  }
  if (p.healthCheckInterval < 0) s.add('healthCheckInterval', 'HealthCheckInterval should be greater than 0');
  if (p.readReplica.ratio > 100) s.scope('ReadReplica validation failed: ', 'readReplica').add('ratio', '.Ratio out of [0-100] range');
  // Never echo the key: these messages end up in logs.
  if (p.secretsEncryptionKey !== '' && p.secretsEncryptionKeyFile !== '') {
    s.add('secretsEncryptionKey', 'SecretsEncryptionKey and SecretsEncryptionKeyFile cannot be both defined');
  } else if (p.secretsEncryptionKey !== '' && base64Length(p.secretsEncryptionKey) !== 32) {
    s.add('secretsEncryptionKey', 'SecretsEncryptionKey has to be 32 bytes encoded in base64 (for example the output of: openssl rand -base64 32)');
  }
}

export function validateStore(s: Scope, st: KumaCpConfig['store']): void {
  if (!STORE_TYPES.includes(st.type)) {
    s.add('type', 'Type should be either postgres, kubernetes or memory');
    return;
  }
  if (st.type === 'postgres') validatePostgres(s.scope('Postgres validation failed: ', 'postgres'), st.postgres);
  if (st.upsert.conflictRetryBaseBackoff < 0) {
    s.scope('Upsert validation failed: ', 'upsert').add('conflictRetryBaseBackoff', 'RetryBaseBackoff cannot be lower than 0');
  }
}
