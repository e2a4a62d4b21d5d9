/**
 * Kuma's four TLS modes, client certificates and connection failures against a real PostgreSQL
 * (TLS-only pg_hba, server certificate for `localhost` only), through node-postgres with the
 * settings of connection-config.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { defaultKumaCpConfig } from '../../config/kuma-cp-config.js';
import { recordingLogger } from '../../core/log.js';
import { createSelfSignedCertificate, generateKeyPair } from '../../pki/index.js';
import { PG_CERT_USER, PG_PASSWORD, PG_PASSWORD_USER, postgresUnavailable, startPostgres, type PgServer } from '../../../test/support/postgres.js';
import type { PostgresStoreConfig } from './connect-settings.js';
import { describeConnectError, type PostgresConnectError } from './connect-errors.js';
import { connectWithRetry } from './connect-retry.js';
import { createPostgresPool, postgresClientConfig } from './connection-config.js';
import { freePort } from '../../../test/support/ports.js';

const skip = postgresUnavailable();


describe('PostgreSQL TLS modes and connection failures (real server)', { skip }, () => {
  let server: PgServer;
  let db: string;
  let dir: string;

  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase();
    dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function pgConfig(edit: (c: PostgresStoreConfig) => void = () => {}): PostgresStoreConfig {
    const c = defaultKumaCpConfig().store.postgres;
    Object.assign(c, { host: server.host, port: server.port, user: PG_PASSWORD_USER, password: PG_PASSWORD, dbName: db, connectionTimeout: 5 });
    edit(c);
    return c;
  }

  /** Connects one client with `cfg`; returns whether the session is encrypted, or the described failure. */
  async function connect(cfg: PostgresStoreConfig): Promise<{ ssl: boolean } | PostgresConnectError> {
    const client = new pg.Client(postgresClientConfig(cfg));
    try {
      await client.connect();
    } catch (err) {
      return describeConnectError(err, cfg);
    }
    try {
      const r = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return { ssl: r.rows[0]?.ssl === true };
    } finally {
      await client.end();
    }
  }

  async function expectConnected(cfg: PostgresStoreConfig): Promise<void> {
    const r = await connect(cfg);
    assert.deepEqual(r, { ssl: true }, r instanceof Error ? `${r.message}\n${server.log().slice(-2000)}` : undefined);
  }

  async function expectFailure(cfg: PostgresStoreConfig, code: string): Promise<PostgresConnectError> {
    const r = await connect(cfg);
    assert.ok(r instanceof Error, 'expected the connection to fail');
    assert.equal(r.code, code, r.message);
    assert.ok(r.message.startsWith(`cannot connect to PostgreSQL at ${cfg.host}:${cfg.port} (tls.mode ${cfg.tls.mode}): `), r.message);
    return r;
  }

  test('disable: refused by the hostssl-only server, with a hint to use TLS', async () => {
    const err = await expectFailure(pgConfig(), 'ERR_POSTGRES_HBA_REJECTED');
    assert.match(err.message, /refused this unencrypted connection .*no pg_hba\.conf entry.*: set store\.postgres\.tls\.mode \(KUMA_STORE_POSTGRES_TLS_MODE\) to verifyFull/);
    assert.equal(err.transient, false);
  });

  test('verifyNone: encrypted, nothing verified', async () => {
    await expectConnected(pgConfig((c) => (c.tls.mode = 'verifyNone')));
  });

  test('verifyNone with a caPath verifies the chain, as libpq require + sslrootcert does', async () => {
    await expectConnected(pgConfig((c) => Object.assign(c.tls, { mode: 'verifyNone', caPath: server.tls.caPath })));
    await expectFailure(pgConfig((c) => Object.assign(c.tls, { mode: 'verifyNone', caPath: server.tls.otherCaPath })), 'ERR_POSTGRES_TLS_UNTRUSTED');
  });

  test('verifyCa: the right CA connects by IP (name not checked); another CA is refused', async () => {
    await expectConnected(pgConfig((c) => Object.assign(c.tls, { mode: 'verifyCa', caPath: server.tls.caPath })));
    const err = await expectFailure(pgConfig((c) => Object.assign(c.tls, { mode: 'verifyCa', caPath: server.tls.otherCaPath })), 'ERR_POSTGRES_TLS_UNTRUSTED');
    assert.ok(err.message.includes(`is not signed by the CA in store.postgres.tls.caPath (KUMA_STORE_POSTGRES_TLS_CA_PATH), "${server.tls.otherCaPath}"`), err.message);
  });

  test('verifyFull: 127.0.0.1 is refused (certificate names localhost only); localhost connects', async () => {
    const err = await expectFailure(pgConfig((c) => Object.assign(c.tls, { mode: 'verifyFull', caPath: server.tls.caPath })), 'ERR_POSTGRES_TLS_HOST_MISMATCH');
    assert.match(err.message, /\(tls\.mode verifyFull\): the server certificate is not valid for host "127\.0\.0\.1" \(its names: localhost\); set store\.postgres\.host .* or use verifyCa$/);
    await expectConnected(pgConfig((c) => {
      c.host = 'localhost';
      Object.assign(c.tls, { mode: 'verifyFull', caPath: server.tls.caPath });
    }));
  });

  test('disableSSLSNI: connects by name with verifyFull', async () => {
    await expectConnected(pgConfig((c) => {
      c.host = 'localhost';
      Object.assign(c.tls, { mode: 'verifyFull', caPath: server.tls.caPath, disableSSLSNI: true });
    }));
  });

  test('client certificate authentication (cert method) as the certificate user', async () => {
    const certCfg = (edit: (c: PostgresStoreConfig) => void = () => {}): PostgresStoreConfig =>
      pgConfig((c) => {
        Object.assign(c, { host: 'localhost', user: PG_CERT_USER, password: 'unused-by-cert-auth' });
        Object.assign(c.tls, { mode: 'verifyFull', caPath: server.tls.caPath, certPath: server.tls.clientCertPath, keyPath: server.tls.clientKeyPath });
        edit(c);
      });
    await expectConnected(certCfg());
    const err = await expectFailure(certCfg((c) => Object.assign(c.tls, { certPath: '', keyPath: '' })), 'ERR_POSTGRES_CLIENT_CERT_REQUIRED');
    assert.match(err.message, /requires a client certificate for user "kuma_cert" .*set store\.postgres\.tls\.certPath \(KUMA_STORE_POSTGRES_TLS_CERT_PATH\) and store\.postgres\.tls\.keyPath/);
  });

  test('client certificate pairing problems stop startup before any connection', async () => {
    const other = createSelfSignedCertificate({ type: 'client', keyPair: await generateKeyPair('ecdsa'), hosts: ['x'] });
    await writeFile(join(dir, 'other.key'), other.keyPem, { mode: 0o600 });
    await writeFile(join(dir, 'not-pem.crt'), 'certificate? no\n');
    const withFiles = (certPath: string, keyPath: string): PostgresStoreConfig =>
      pgConfig((c) => Object.assign(c.tls, { mode: 'verifyCa', caPath: server.tls.caPath, certPath, keyPath }));
    const cases: [PostgresStoreConfig, RegExp][] = [
      [withFiles(server.tls.clientCertPath, ''), /^store\.postgres\.tls\.certPath \(KUMA_STORE_POSTGRES_TLS_CERT_PATH\) is set but store\.postgres\.tls\.keyPath \(KUMA_STORE_POSTGRES_TLS_KEY_PATH\) is empty/],
      [withFiles(server.tls.clientCertPath, join(dir, 'other.key')), /^invalid store\.postgres\.tls\.keyPath .*does not match the certificate/],
      [withFiles(join(dir, 'not-pem.crt'), server.tls.clientKeyPath), /^invalid store\.postgres\.tls\.certPath .*no certificate found/],
      [withFiles(join(dir, 'missing.crt'), server.tls.clientKeyPath), /^cannot read store\.postgres\.tls\.certPath .*missing\.crt": no such file/],
      [pgConfig((c) => Object.assign(c.tls, { mode: 'verifyCa', caPath: join(dir, 'missing-ca.crt') })), /^cannot read store\.postgres\.tls\.caPath \(KUMA_STORE_POSTGRES_TLS_CA_PATH\)/],
    ];
    for (const [cfg, message] of cases) assert.throws(() => postgresClientConfig(cfg), { name: 'PostgresTlsConfigError', message });
  });

  test('wrong password: the message names the user, never the password', async () => {
    const wrong = 'Wr0ng-and-secret-password';
    const err = await expectFailure(pgConfig((c) => Object.assign(c, { password: wrong, tls: { ...c.tls, mode: 'verifyNone' } })), 'ERR_POSTGRES_AUTH_FAILED');
    assert.match(err.message, /password authentication failed for user "kuma": check store\.postgres\.user \(KUMA_STORE_POSTGRES_USER\) and store\.postgres\.password/);
    for (const text of [err.message, String(err.stack), JSON.stringify(err)]) {
      assert.ok(!text.includes(wrong) && !text.includes(PG_PASSWORD), text);
    }
  });

  test('missing database: named with its setting', async () => {
    const err = await expectFailure(pgConfig((c) => Object.assign(c, { dbName: 'no_such_db', tls: { ...c.tls, mode: 'verifyNone' } })), 'ERR_POSTGRES_DATABASE_NOT_FOUND');
    assert.match(err.message, /database "no_such_db" does not exist: .*store\.postgres\.dbName \(KUMA_STORE_POSTGRES_DB_NAME\)$/);
  });

  test('a pool from the settings runs queries over TLS', async () => {
    const pool = createPostgresPool(pgConfig((c) => Object.assign(c.tls, { mode: 'verifyCa', caPath: server.tls.caPath })));
    try {
      const r = await pool.query<{ ssl: boolean; app: string }>("SELECT ssl, current_setting('application_name') AS app FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
      assert.deepEqual(r.rows[0], { ssl: true, app: 'kuma-cp' });
    } finally {
      await pool.end();
    }
  });

  test('settings problems are not retried', async () => {
    const log = recordingLogger();
    const cfg = pgConfig((c) => Object.assign(c.tls, { mode: 'verifyFull', caPath: server.tls.caPath }));
    let attempts = 0;
    const open = async (): Promise<void> => {
      attempts++;
      const client = new pg.Client(postgresClientConfig(cfg));
      await client.connect();
      await client.end();
    };
    await assert.rejects(connectWithRetry(open, { deadlineMs: 10_000, log, describe: (e) => describeConnectError(e, cfg) }), { code: 'ERR_POSTGRES_TLS_HOST_MISMATCH' });
    assert.equal(attempts, 1);
    assert.equal(log.entries.length, 0);
  });

  test('unreachable port: retried until the deadline, then a clear error', async () => {
    const log = recordingLogger();
    const port = await freePort();
    const cfg = pgConfig((c) => {
      c.port = port;
      c.tls.mode = 'verifyNone';
    });
    const open = async (): Promise<void> => {
      const client = new pg.Client(postgresClientConfig(cfg));
      await client.connect();
      await client.end();
    };
    const started = Date.now();
    await assert.rejects(connectWithRetry(open, { deadlineMs: 800, log, describe: (e) => describeConnectError(e, cfg), initialDelayMs: 100 }), (err: PostgresConnectError) => {
      assert.equal(err.code, 'ERR_POSTGRES_UNREACHABLE');
      assert.match(err.message, new RegExp(`^cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${cfg.port} \\(tls\\.mode verifyNone\\): connection refused: check store\\.postgres\\.host \\(KUMA_STORE_POSTGRES_HOST\\) and store\\.postgres\\.port \\(KUMA_STORE_POSTGRES_PORT\\).* \\(gave up after \\d+ attempts in 0\\.\\ds\\)$`));
      return true;
    });
    assert.ok(Date.now() - started >= 800);
    assert.ok(log.entries.length >= 2 && log.entries.every((e) => e.level === 'warn' && e.fields['code'] === 'ERR_POSTGRES_UNREACHABLE'));
  });

  // Last: it stops and restarts the server.
  test('the server coming up during the retry window: the connection succeeds', async () => {
    const log = recordingLogger();
    const cfg = pgConfig((c) => Object.assign(c.tls, { mode: 'verifyCa', caPath: server.tls.caPath }));
    await server.pause();
    const restart = setTimeout(() => server.start().catch(() => {}), 600);
    try {
      const ssl = await connectWithRetry(
        async () => {
          const client = new pg.Client(postgresClientConfig(cfg));
          await client.connect();
          try {
            return (await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0]?.ssl;
          } finally {
            await client.end();
          }
        },
        { deadlineMs: 30_000, log, describe: (e) => describeConnectError(e, cfg), initialDelayMs: 100, maxDelayMs: 400 },
      );
      assert.equal(ssl, true);
      assert.ok(log.entries.length >= 1, 'at least one refused attempt was logged');
      assert.ok(log.entries.every((e) => e.level === 'warn'));
    } finally {
      clearTimeout(restart);
      await server.start().catch(() => {}); // no-op when already running
    }
  });
});
