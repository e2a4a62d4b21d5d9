/**
 * Test support: a throwaway PostgreSQL server, TLS-only, with certificates from our own PKI.
 *
 * The server runs as the `postgres` OS user (PostgreSQL refuses root) in a temp dir that user owns,
 * listens on a free port on 127.0.0.1 only, has `ssl=on`, and a pg_hba.conf with `hostssl` lines only:
 * user `kuma` authenticates with scram-sha-256 (password `kuma-test-password`), user `kuma_cert` with a
 * client certificate (`cert`). The server certificate names `localhost` only (no IP SAN), so
 * verifyFull against 127.0.0.1 must fail.
 *
 * Outside CI, a machine without PostgreSQL server binaries skips these tests with a loud message;
 * under CI (`CI` set) their absence is an error.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCaCertificate,
  generateKeyPair,
  issueLeafCertificate,
  privateKeyToPem,
  type CertificateAuthority,
} from '../../src/pki/index.js';
import { freePort } from './ports.js';

export const PG_PASSWORD_USER = 'kuma';
export const PG_PASSWORD = 'kuma-test-password';
export const PG_CERT_USER = 'kuma_cert';

export interface PgTlsFiles {
  /** CA that signed the server and client certificates. */
  caPath: string;
  /** A CA that signed nothing here (for "wrong CA" cases). */
  otherCaPath: string;
  /** Client certificate for PG_CERT_USER (CN=kuma_cert) and its key (0600, owned by root). */
  clientCertPath: string;
  clientKeyPath: string;
}

export interface PgServer {
  host: '127.0.0.1';
  port: number;
  /** Directory holding data/, certs and the log; removed by stop(). */
  dir: string;
  tls: PgTlsFiles;
  /** Creates an empty database owned by both test users' group and returns its name. */
  createDatabase(prefix?: string): Promise<string>;
  /** Runs SQL as the superuser in `db` (default postgres) through psql over the Unix socket. */
  psql(sql: string, db?: string): string;
  /** Stops the server (fast shutdown) but keeps its data; `start()` brings it back on the same port. */
  pause(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes everything. */
  stop(): Promise<void>;
  /** The server log so far (for failure messages). */
  log(): string;
}

/** Where the newest installed PostgreSQL server binaries (initdb, pg_ctl, pgbench) are. */
export function pgBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** Why Postgres tests cannot run here, or undefined when they can. Throws under CI instead of skipping. */
export function postgresUnavailable(): string | undefined {
  const bin = pgBinDir();
  let reason: string | undefined;
  if (!bin) reason = 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)';
  else if (spawnSync('id', ['-u', 'postgres']).status !== 0) reason = 'no `postgres` OS user to run the server as';
  if (reason && process.env['CI']) throw new Error(`Postgres tests are mandatory under CI: ${reason}`);
  if (reason) process.stderr.write(`\n!!! SKIPPING Postgres tests: ${reason}\n\n`);
  return reason;
}


const asPostgres = (bin: string, args: string[]): string =>
  execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function uid(name: string): number {
  return Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
}
function gid(name: string): number {
  return Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
}

async function makeCa(commonName: string): Promise<CertificateAuthority & { pem: string }> {
  const keyPair = await generateKeyPair('ecdsa');
  const ca = createCaCertificate({ subject: { commonName, organization: 'kuma-ts tests' }, keyPair, serial: 'random' });
  return { certificate: ca.certificate, privateKey: keyPair.privateKey, pem: ca.certPem };
}

async function writeTls(dir: string, serverHosts: readonly string[]): Promise<PgTlsFiles & { serverCert: string; serverKey: string }> {
  const ca = await makeCa('kuma-ts test postgres CA');
  const other = await makeCa('kuma-ts unrelated CA');
  const now = Date.now();
  const validity = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 24 * 3600_000) };
  const serverKey = await generateKeyPair('ecdsa');
  const dns = serverHosts.filter((h) => !/^[\d.]+$|:/.test(h));
  const ips = serverHosts.filter((h) => /^[\d.]+$|:/.test(h));
  const server = issueLeafCertificate({
    ca,
    publicKey: serverKey.publicKey,
    subject: { commonName: serverHosts[0] ?? 'localhost' },
    dnsSans: dns,
    ipSans: ips,
    ekus: ['serverAuth'],
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    ...validity,
  });
  const clientKey = await generateKeyPair('ecdsa');
  const client = issueLeafCertificate({
    ca,
    publicKey: clientKey.publicKey,
    subject: { commonName: PG_CERT_USER },
    ekus: ['clientAuth'],
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    ...validity,
  });
  const p = (n: string): string => join(dir, n);
  await writeFile(p('ca.crt'), ca.pem);
  await writeFile(p('other-ca.crt'), other.pem);
  await writeFile(p('server.crt'), server.certPem + ca.pem);
  await writeFile(p('server.key'), privateKeyToPem(serverKey.privateKey), { mode: 0o600 });
  await writeFile(p('client.crt'), client.certPem);
  await writeFile(p('client.key'), privateKeyToPem(clientKey.privateKey), { mode: 0o600 });
  return {
    caPath: p('ca.crt'),
    otherCaPath: p('other-ca.crt'),
    clientCertPath: p('client.crt'),
    clientKeyPath: p('client.key'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
  };
}

export interface StartPostgresOptions {
  /** Names in the server certificate (default ['localhost']). */
  serverHosts?: readonly string[];
}

/**
 * Starts a fresh server. Call `postgresUnavailable()` first and skip when it returns a reason.
 * Takes about 1-2 s (initdb dominates); share one server per test file and give each test its own
 * database with `createDatabase()`.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PgServer> {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found');
  const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-pg-'));
  await chmod(dir, 0o755);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const tlsDir = join(dir, 'tls');
  await mkdir(tlsDir, { mode: 0o755 });
  const tls = await writeTls(tlsDir, opts.serverHosts ?? ['localhost']);
  const pgUid = uid('postgres');
  const pgGid = gid('postgres');
  // The server reads its key as the postgres user and insists on 0600; the client files stay root's.
  await chown(tls.serverKey, pgUid, pgGid);
  await chown(tls.serverCert, pgUid, pgGid);
  await chown(dir, pgUid, pgGid);
  const pwFile = join(dir, 'superuser.pw');
  await writeFile(pwFile, 'postgres-superuser-unused\n', { mode: 0o600 });
  await chown(pwFile, pgUid, pgGid);
  asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwFile, '-A', 'scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const sock = dir;
  await writeFile(
    join(data, 'postgresql.auto.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${sock}'`,
      'ssl = on',
      `ssl_cert_file = '${tls.serverCert}'`,
      `ssl_key_file = '${tls.serverKey}'`,
      `ssl_ca_file = '${tls.caPath}'`,
      "ssl_min_protocol_version = 'TLSv1.2'",
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 200',
      "password_encryption = 'scram-sha-256'",
      '',
    ].join('\n'),
  );
  await writeFile(
    join(data, 'pg_hba.conf'),
    [
      '# Unix socket: the harness itself (superuser), trusted by OS user.',
      'local all postgres peer',
      `hostssl all ${PG_CERT_USER} 127.0.0.1/32 cert`,
      `hostssl all all 127.0.0.1/32 scram-sha-256`,
      '',
    ].join('\n'),
  );
  await chown(join(data, 'pg_hba.conf'), pgUid, pgGid);
  await chown(join(data, 'postgresql.auto.conf'), pgUid, pgGid);
  const ctl = (args: string[]): string => asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, ...args]);
  const psql = (sql: string, db = 'postgres'): string =>
    asPostgres(join(bin, 'psql'), ['-h', sock, '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql]);
  let running = false;
  const start = async (): Promise<void> => {
    ctl(['-w', '-t', '30', 'start']);
    running = true;
  };
  const pause = async (): Promise<void> => {
    if (running) ctl(['-w', '-t', '30', '-m', 'fast', 'stop']);
    running = false;
  };
  try {
    await start();
    psql(`CREATE ROLE ${PG_PASSWORD_USER} LOGIN PASSWORD '${PG_PASSWORD}'; CREATE ROLE ${PG_CERT_USER} LOGIN;`);
  } catch (err) {
    let log = '';
    try {
      log = await readFile(logFile, 'utf8');
    } catch {
      // no log yet
    }
    await rm(dir, { recursive: true, force: true });
    throw new Error(`starting the test PostgreSQL failed: ${(err as Error).message}\n${log}`);
  }
  let dbCounter = 0;
  return {
    host: '127.0.0.1',
    port,
    dir,
    tls: { caPath: tls.caPath, otherCaPath: tls.otherCaPath, clientCertPath: tls.clientCertPath, clientKeyPath: tls.clientKeyPath },
    async createDatabase(prefix = 'kuma'): Promise<string> {
      dbCounter += 1;
      const name = `${prefix}_${process.pid}_${dbCounter}`;
      psql(`CREATE DATABASE ${name} OWNER ${PG_PASSWORD_USER}`);
      // Both users work in the same schema, so either may run migrations and the store.
      psql(`GRANT ALL ON DATABASE ${name} TO ${PG_CERT_USER}; GRANT ALL ON SCHEMA public TO ${PG_CERT_USER}`, name);
      psql(`ALTER DEFAULT PRIVILEGES FOR ROLE ${PG_PASSWORD_USER} IN SCHEMA public GRANT ALL ON TABLES TO ${PG_CERT_USER}`, name);
      psql(`ALTER DEFAULT PRIVILEGES FOR ROLE ${PG_PASSWORD_USER} IN SCHEMA public GRANT ALL ON SEQUENCES TO ${PG_CERT_USER}`, name);
      return name;
    },
    psql,
    pause,
    start,
    async stop(): Promise<void> {
      try {
        if (running) ctl(['-w', '-t', '30', '-m', 'immediate', 'stop']);
      } finally {
        running = false;
        await rm(dir, { recursive: true, force: true });
      }
    },
    log(): string {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
}
