import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PG_CERT_USER, PG_PASSWORD, PG_PASSWORD_USER, postgresUnavailable, startPostgres, type PgServer } from './postgres.js';

const skip = postgresUnavailable();

describe('test PostgreSQL harness', { skip }, () => {
  let server: PgServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test('accepts scram over TLS and client certificates, refuses plain connections', async () => {
    const db = await server.createDatabase();
    const ca = readFileSync(server.tls.caPath, 'utf8');
    const scram = new pg.Client({ host: 'localhost', port: server.port, user: PG_PASSWORD_USER, password: PG_PASSWORD, database: db, ssl: { ca } });
    await scram.connect();
    const r = await scram.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    assert.equal(r.rows[0]?.ssl, true);
    await scram.end();

    const cert = new pg.Client({
      host: 'localhost',
      port: server.port,
      user: PG_CERT_USER,
      database: db,
      ssl: { ca, cert: readFileSync(server.tls.clientCertPath, 'utf8'), key: readFileSync(server.tls.clientKeyPath, 'utf8') },
    });
    await cert.connect();
    await cert.end();

    const plain = new pg.Client({ host: '127.0.0.1', port: server.port, user: PG_PASSWORD_USER, password: PG_PASSWORD, database: db, ssl: false });
    await assert.rejects(plain.connect(), /no pg_hba.conf entry/);
  });

  test('pause and start keep data and port', async () => {
    const db = await server.createDatabase();
    server.psql('CREATE TABLE t (x int); INSERT INTO t VALUES (42)', db);
    await server.pause();
    await server.start();
    assert.equal(server.psql('SELECT x FROM t', db).trim(), '42');
  });
});
