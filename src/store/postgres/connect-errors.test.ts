import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { defaultKumaCpConfig } from '../../config/kuma-cp-config.js';
import type { PostgresStoreConfig } from './connect-settings.js';
import { describeConnectError, PostgresConnectError } from './connect-errors.js';
import { postgresClientConfig } from './connection-config.js';

const SECRET = 'hunter2-secret';

function pgConfig(edit: (c: PostgresStoreConfig) => void = () => {}): PostgresStoreConfig {
  const c = defaultKumaCpConfig().store.postgres;
  Object.assign(c, { host: '127.0.0.1', port: 5432, password: SECRET });
  edit(c);
  return c;
}

/** An error as node-postgres builds it from a server ErrorResponse (fields are what the server sent). */
function serverError(code: string, routine: string, message: string): Error {
  return Object.assign(new Error(message), { severity: 'FATAL', code, routine });
}

/** A TCP peer on 127.0.0.1 that runs `onConnection` for each client. */
async function peer(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on('error', () => {});
    onConnection(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

describe('describeConnectError: failures from real peers', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  after(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });

  test('a server without TLS (answers N to the SSLRequest)', async () => {
    const { server, port } = await peer((s) => s.once('data', () => s.end('N')));
    servers.push(server);
    const cfg = pgConfig((c) => {
      c.port = port;
      c.tls.mode = 'verifyNone';
    });
    const err = await new pg.Client(postgresClientConfig(cfg)).connect().then(() => undefined, (e: unknown) => e);
    const d = describeConnectError(err, cfg);
    assert.equal(d.code, 'ERR_POSTGRES_TLS_NOT_SUPPORTED');
    assert.equal(d.transient, false);
    assert.equal(
      d.message,
      `cannot connect to PostgreSQL at 127.0.0.1:${port} (tls.mode verifyNone): the server does not accept TLS connections (ssl = off in its postgresql.conf); ` +
        'turn ssl on in the server, or on a trusted network only set store.postgres.tls.mode (KUMA_STORE_POSTGRES_TLS_MODE) to disable',
    );
  });

  test('a server that never answers: the connection timeout names its setting', async () => {
    const { server, port } = await peer((s) => sockets.push(s));
    servers.push(server);
    const cfg = pgConfig((c) => {
      c.port = port;
      c.connectionTimeout = 1;
    });
    const err = await new pg.Client(postgresClientConfig(cfg)).connect().then(() => undefined, (e: unknown) => e);
    const d = describeConnectError(err, cfg);
    assert.equal(d.code, 'ERR_POSTGRES_CONNECT_TIMEOUT');
    assert.equal(d.transient, true);
    assert.match(d.message, /\(tls\.mode disable\): no answer within 1s \(store\.postgres\.connectionTimeout \(KUMA_STORE_POSTGRES_CONNECTION_TIMEOUT\)\): check store\.postgres\.host/);
  });
});

describe('describeConnectError: classification by code', () => {
  const cfg = pgConfig((c) => Object.assign(c.tls, { mode: 'verifyFull', caPath: '/etc/kuma/pg-ca.crt' }));
  const cases: [string, unknown, string, boolean, RegExp][] = [
    ['expired server certificate', Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }), 'ERR_POSTGRES_TLS_CERT_DATES', false, /server certificate has expired; renew it/],
    [
      'self-signed server certificate',
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      'ERR_POSTGRES_TLS_UNTRUSTED',
      false,
      /\(it presents a self-signed certificate\) is not signed by the CA in store\.postgres\.tls\.caPath \(KUMA_STORE_POSTGRES_TLS_CA_PATH\), "\/etc\/kuma\/pg-ca\.crt"/,
    ],
    [
      'host name mismatch without SANs',
      Object.assign(new Error('altnames'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID', cert: { subjectaltname: undefined } }),
      'ERR_POSTGRES_TLS_HOST_MISMATCH',
      false,
      /not valid for host "127\.0\.0\.1" \(it names no host \(no subject alternative names\)\)/,
    ],
    ['client certificate refused by the server', Object.assign(new Error('alert'), { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' }), 'ERR_POSTGRES_CLIENT_CERT_REJECTED', false, /may require a client certificate: set store\.postgres\.tls\.certPath/],
    ['no common TLS version', Object.assign(new Error('alert'), { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' }), 'ERR_POSTGRES_TLS_HANDSHAKE', false, /requires TLS 1\.2 or later/],
    ['server starting up', serverError('57P03', 'ProcessStartupPacket', 'the database system is starting up'), 'ERR_POSTGRES_NOT_READY', true, /not accepting connections yet .*server: the database system is starting up/],
    ['too many clients', serverError('53300', 'InitProcess', 'sorry, too many clients already'), 'ERR_POSTGRES_TOO_MANY_CONNECTIONS', true, /lower store\.postgres\.maxOpenConnections/],
    ['role missing (trust/cert methods)', serverError('28000', 'InitializeSessionUserId', 'role "kuma" does not exist'), 'ERR_POSTGRES_ROLE_NOT_FOUND', false, /role "kuma" does not exist .*fix store\.postgres\.user/],
    ['certificate CN does not match the user', serverError('28000', 'auth_failed', 'certificate authentication failed for user "kuma"'), 'ERR_POSTGRES_AUTH_FAILED', false, /authentication failed for user "kuma"/],
    ['pg_hba refusal over TLS', serverError('28000', 'ClientAuthentication', 'no pg_hba.conf entry for host "10.0.0.1", user "kuma", database "kuma", SSL encryption'), 'ERR_POSTGRES_HBA_REJECTED', false, /no pg_hba\.conf rule of the server admits user "kuma" to database "kuma" from this host over TLS/],
    ['DNS', Object.assign(new Error('getaddrinfo EAI_AGAIN db'), { code: 'EAI_AGAIN' }), 'ERR_POSTGRES_HOST_NOT_FOUND', true, /does not resolve \(EAI_AGAIN\)/],
    ['refused, wrapped by happy eyeballs', new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], ''), 'ERR_POSTGRES_UNREACHABLE', true, /connection refused/],
    ['pool timeout with a cause', new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }), 'ERR_POSTGRES_CONNECT_TIMEOUT', true, /no answer within 5s/],
    ['server gone mid-handshake', new Error('Connection terminated unexpectedly'), 'ERR_POSTGRES_CONNECTION_LOST', true, /closed the connection before it was ready/],
    ['anything else', new Error('something odd'), 'ERR_POSTGRES_CONNECT', false, /\(tls\.mode verifyFull\): something odd$/],
  ];
  for (const [name, err, code, transient, message] of cases) {
    test(name, () => {
      const d = describeConnectError(err, cfg);
      assert.ok(d instanceof PostgresConnectError);
      assert.deepEqual([d.code, d.transient], [code, transient], d.message);
      assert.match(d.message, /^cannot connect to PostgreSQL at 127\.0\.0\.1:5432 \(tls\.mode verifyFull\): /);
      assert.match(d.message, message);
      assert.equal(d.cause, err);
    });
  }

  test('the password is masked wherever a foreign message repeats it', () => {
    const d = describeConnectError(new Error(`weird failure mentioning ${SECRET}`), cfg);
    assert.ok(!d.message.includes(SECRET));
    assert.match(d.message, /mentioning \*{5}/);
  });

  test('an IPv6 replica address is bracketed; a described error is returned as is', () => {
    const d = describeConnectError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), cfg, { host: '::1', port: 5433 });
    assert.match(d.message, /^cannot connect to PostgreSQL at \[::1\]:5433 /);
    assert.equal(describeConnectError(d, cfg), d);
  });
});
