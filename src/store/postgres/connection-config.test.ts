import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TLSSocket, createSecureContext } from 'node:tls';
import { inspect } from 'node:util';
import pg from 'pg';
import { defaultKumaCpConfig } from '../../config/kuma-cp-config.js';
import { createSelfSignedCertificate, generateKeyPair } from '../../pki/index.js';
import type { PostgresStoreConfig } from './connect-settings.js';
import {
  SNI_FREE_HOST_PLACEHOLDER,
  UNLIMITED_CONNECTIONS,
  connectionLifetimeSeconds,
  createPostgresPool,
  postgresClientConfig,
  postgresConnectionConfig,
} from './connection-config.js';

const SECRET = 'pw-that-must-not-leak';

function pgConfig(edit: (c: PostgresStoreConfig) => void = () => {}): PostgresStoreConfig {
  const c = defaultKumaCpConfig().store.postgres;
  c.password = SECRET;
  edit(c);
  return c;
}

describe('Postgres connection settings', () => {
  test('connection and pool settings follow store.postgres', async () => {
    const cfg = pgConfig((c) => {
      Object.assign(c, { host: 'db.internal', port: 6543, user: 'u', dbName: 'kumadb', connectionTimeout: 7, minOpenConnections: 2, maxOpenConnections: 9 });
      c.maxConnectionIdleTime = 60_000;
      c.maxConnectionLifetime = 3_600_000;
      c.maxConnectionLifetimeJitter = 60_000;
    });
    const p = postgresConnectionConfig(cfg, { random: () => 0.5 });
    assert.deepEqual(
      { host: p.host, port: p.port, user: p.user, database: p.database, t: p.connectionTimeoutMillis, app: p.application_name, ka: p.keepAlive, ssl: p.ssl },
      { host: 'db.internal', port: 6543, user: 'u', database: 'kumadb', t: 7000, app: 'kuma-cp', ka: true, ssl: false },
    );
    assert.deepEqual({ max: p.max, min: p.min, idle: p.idleTimeoutMillis, life: p.maxLifetimeSeconds }, { max: 9, min: 2, idle: 60_000, life: 3630 });
    assert.equal(typeof p.password, 'function');
    assert.equal(await (p.password as () => Promise<string>)(), SECRET);
    assert.equal(postgresClientConfig(cfg, { applicationName: 'kuma-cp-migrate' }).application_name, 'kuma-cp-migrate');
  });

  test('the password is not in a dump of the config', () => {
    const p = postgresConnectionConfig(pgConfig());
    assert.ok(!JSON.stringify(p).includes(SECRET));
    assert.ok(!inspect(p, { depth: 5, showHidden: true }).includes(SECRET));
  });

  test('maxOpenConnections 0 is unlimited; lifetime 0 is forever; jitter stays within its bound', () => {
    assert.equal(postgresConnectionConfig(pgConfig((c) => (c.maxOpenConnections = 0))).max, UNLIMITED_CONNECTIONS);
    assert.equal(connectionLifetimeSeconds(pgConfig((c) => (c.maxConnectionLifetime = 0))), 0);
    const cfg = pgConfig((c) => {
      c.maxConnectionLifetime = 10_000;
      c.maxConnectionLifetimeJitter = 2_000;
    });
    assert.equal(connectionLifetimeSeconds(cfg, () => 0), 10);
    assert.equal(connectionLifetimeSeconds(cfg, () => 0.999999), 11.999998);
  });

  test('createPostgresPool draws the lifetime jitter per connection', async () => {
    const draws = [0, 0.5, 1];
    const cfg = pgConfig((c) => {
      c.maxConnectionLifetime = 10_000;
      c.maxConnectionLifetimeJitter = 2_000;
    });
    const pool = createPostgresPool(cfg, { random: () => draws.shift() ?? 0 });
    try {
      assert.deepEqual([pool.options.maxLifetimeSeconds, pool.options.maxLifetimeSeconds], [11, 12]);
      assert.ok(pool.listenerCount('error') > 0, 'idle errors must not crash the process');
    } finally {
      await pool.end();
    }
  });

  test('the read replica uses its own host and port with the same credentials and TLS', () => {
    const cfg = pgConfig((c) => {
      c.readReplica.host = 'replica.internal';
      c.readReplica.port = 5433;
    });
    const r = postgresClientConfig(cfg, { target: 'readReplica' });
    assert.deepEqual([r.host, r.port, r.user, r.database], ['replica.internal', 5433, cfg.user, cfg.dbName]);
    assert.throws(() => postgresClientConfig(pgConfig(), { target: 'readReplica' }), /no read replica is configured/);
  });
});

/**
 * A real TLS peer that speaks the start of the PostgreSQL protocol (answers the SSLRequest with 'S')
 * and records the SNI name of each handshake, to check what node-postgres really sends.
 */
describe('Server Name Indication (tls.disableSSLSNI)', () => {
  let server: Server;
  let port: number;
  const seen: (string | false)[] = [];

  before(async () => {
    const keyPair = await generateKeyPair('ecdsa');
    const cert = createSelfSignedCertificate({ type: 'server', keyPair, hosts: ['localhost'] });
    const secureContext = createSecureContext({ cert: cert.certPem, key: cert.keyPem });
    server = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.write('S');
        const tls = new TLSSocket(socket, { isServer: true, secureContext });
        tls.on('error', () => {});
        tls.on('secure', () => {
          // Set on server sockets (false without SNI); missing from @types/node.
          seen.push((tls as TLSSocket & { servername: string | false }).servername);
          tls.destroy();
        });
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
  });

  async function sniOf(host: string, disableSSLSNI: boolean): Promise<string | false | undefined> {
    seen.length = 0;
    const cfg = pgConfig((c) => {
      Object.assign(c, { host, port });
      Object.assign(c.tls, { mode: 'verifyNone', disableSSLSNI });
    });
    const client = new pg.Client(postgresClientConfig(cfg));
    await assert.rejects(client.connect()); // the peer hangs up after the handshake
    return seen[0];
  }

  test('a host name is sent as SNI by default', async () => {
    assert.equal(await sniOf('localhost', false), 'localhost');
  });

  test('disableSSLSNI sends none, while still dialling the configured host name', async () => {
    assert.equal(await sniOf('localhost', true), false);
    const cfg = pgConfig((c) => {
      c.host = 'localhost';
      Object.assign(c.tls, { mode: 'verifyNone', disableSSLSNI: true });
    });
    assert.equal(postgresClientConfig(cfg).host, SNI_FREE_HOST_PLACEHOLDER);
  });

  test('an IP address is never sent as SNI (RFC 6066)', async () => {
    assert.equal(await sniOf('127.0.0.1', false), false);
  });
});
