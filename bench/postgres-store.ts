/**
 * Issue 5 benchmarks, on a throwaway PostgreSQL (test/support/postgres.ts: TLS-only, scram).
 *
 * 1. Store throughput: resource create and get through PostgresResourceStore (TLS verifyFull, the pool
 *    kuma-cp builds) with 8 concurrent callers, beside pgbench running a comparable insert / select
 *    script (same table, same trigger, same TLS, 8 clients) on the same server in the same run.
 *    Target: ours >= 50% of pgbench's rate.
 * 2. Fail-over: two `kuma-cp run` processes on one database; SIGKILL the leader and time until the
 *    other logs that its leader-only components started. Target: under 10 s. Rounds: FAILOVER_ROUNDS (3).
 *
 * Options (env): DURATION_MS per phase (5000), FAILOVER_ROUNDS (3).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { defaultKumaCpConfig } from '../src/config/kuma-cp-config.js';
import { createPostgresPool, postgresClientConfig } from '../src/store/postgres/connection-config.js';
import { migrateUp } from '../src/store/postgres/migrator.js';
import { PostgresResourceStore } from '../src/store/postgres/postgres-store.js';
import { PG_PASSWORD, PG_PASSWORD_USER, pgBinDir, startPostgres, type PgServer } from '../test/support/postgres.js';
import { startProcess, type RunningProcess } from '../test/support/processes.js';
import { printTable, verdict } from './_util.js';

const DURATION_MS = Number(process.env['DURATION_MS'] ?? 5000);
const FAILOVER_ROUNDS = Number(process.env['FAILOVER_ROUNDS'] ?? 3);
const CALLERS = 8;

function storeConfig(server: PgServer, db: string) {
  const cfg = defaultKumaCpConfig();
  const p = cfg.store.postgres;
  Object.assign(p, { host: 'localhost', port: server.port, user: PG_PASSWORD_USER, password: PG_PASSWORD, dbName: db });
  Object.assign(p.tls, { mode: 'verifyFull', caPath: server.tls.caPath });
  return p;
}

/** Runs `op(i)` from CALLERS concurrent loops for `ms`; ops per second. */
async function concurrentRate(ms: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  const end = start + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() < end) {
        await op(next++);
        done++;
      }
    }),
  );
  return (done / (performance.now() - start)) * 1000;
}

function pgbench(server: PgServer, db: string, script: string, defines: string[]): number {
  const bin = join(pgBinDir() ?? '', 'pgbench');
  const r = spawnSync(bin, ['-h', 'localhost', '-p', String(server.port), '-U', PG_PASSWORD_USER, '-n', '-c', String(CALLERS), '-j', '2', '-T', String(Math.max(1, Math.round(DURATION_MS / 1000))), '-f', script, ...defines, db], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: PG_PASSWORD, PGSSLMODE: 'verify-full', PGSSLROOTCERT: server.tls.caPath },
    timeout: DURATION_MS * 4 + 30_000,
  });
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`pgbench failed (${r.status}): ${r.stderr}${r.stdout}`);
  return Number(m[1]);
}

async function storeThroughput(server: PgServer, dir: string): Promise<void> {
  const db = await server.createDatabase('bench');
  const pgCfg = storeConfig(server, db);
  const pool = createPostgresPool(pgCfg);
  await migrateUp(pool);
  const store = new PostgresResourceStore({
    pool,
    listenClient: async () => {
      const c = new pg.Client(postgresClientConfig(pgCfg));
      await c.connect();
      return c;
    },
  });
  // A realistic small resource: a Mesh with mTLS and a couple of labels.
  const spec = { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } };
  const labels = { team: 'bench', env: 'test' };
  const ourCreate = await concurrentRate(DURATION_MS, (i) => store.create({ type: 'Mesh', meta: { name: `bench-${i}`, mesh: '', labels }, spec }));
  const created = (await store.list('Mesh')).total;
  const ourGet = await concurrentRate(DURATION_MS, (i) => store.get({ type: 'Mesh', mesh: '', name: `bench-${i % created}` }));

  const insert = join(dir, 'insert.sql');
  await writeFile(
    insert,
    "INSERT INTO resources (name, mesh, type, version, spec, creation_time, modification_time, labels, status) VALUES ('pgb-' || :client_id || '-' || nextval('pgb_seq'), '', 'Mesh', 0, '" +
      JSON.stringify(spec) +
      "', now() at time zone 'utc', now() at time zone 'utc', '" +
      JSON.stringify(labels) +
      "', '{}');\n",
  );
  const select = join(dir, 'select.sql');
  await writeFile(
    select,
    "\\set n random(0, :count - 1)\nSELECT spec, version, creation_time, modification_time, labels, status FROM resources WHERE name = 'bench-' || :n AND mesh = '' AND type = 'Mesh';\n",
  );
  server.psql(`CREATE SEQUENCE pgb_seq; GRANT ALL ON SEQUENCE pgb_seq TO ${PG_PASSWORD_USER}`, db);
  const pgbInsert = pgbench(server, db, insert, []);
  const pgbSelect = pgbench(server, db, select, ['-D', `count=${created}`]);
  await store.close();
  await pool.end();

  printTable([
    ['operation (8 callers, TLS)', 'kuma-ts store ops/s', 'pgbench tps', 'ratio'],
    ['create', ourCreate, pgbInsert, `${Math.round((ourCreate / pgbInsert) * 100)}%`],
    ['get', ourGet, pgbSelect, `${Math.round((ourGet / pgbSelect) * 100)}%`],
  ]);
  verdict(ourCreate >= 0.5 * pgbInsert, `create at least 50% of pgbench (${Math.round((ourCreate / pgbInsert) * 100)}%)`);
  verdict(ourGet >= 0.5 * pgbSelect, `get at least 50% of pgbench (${Math.round((ourGet / pgbSelect) * 100)}%)`);
}

async function failover(server: PgServer, home: string): Promise<void> {
  const db = await server.createDatabase('failover');
  const pool = createPostgresPool(storeConfig(server, db));
  await migrateUp(pool);
  await pool.end();
  const env = (name: string): Record<string, string> => ({
    HOME: home,
    KUMA_STORE_TYPE: 'postgres',
    KUMA_STORE_POSTGRES_HOST: 'localhost',
    KUMA_STORE_POSTGRES_PORT: String(server.port),
    KUMA_STORE_POSTGRES_USER: PG_PASSWORD_USER,
    KUMA_STORE_POSTGRES_PASSWORD: PG_PASSWORD,
    KUMA_STORE_POSTGRES_DB_NAME: db,
    KUMA_STORE_POSTGRES_TLS_MODE: 'verifyFull',
    KUMA_STORE_POSTGRES_TLS_CA_PATH: server.tls.caPath,
    KUMA_DIAGNOSTICS_SERVER_PORT: '0',
    KUMA_API_SERVER_HTTP_PORT: '0',
    KUMA_API_SERVER_HTTPS_PORT: '0',
    KUMA_DP_SERVER_PORT: '0',
    KUMA_GENERAL_WORK_DIR: join(home, name),
  });
  const LEADS = 'this instance leads: starting leader-only components';
  const start = async (name: string): Promise<RunningProcess> => {
    const p = startProcess('kuma-cp', ['run'], env(name));
    await p.waitForLog((l) => l['msg'] === 'Control Plane is ready', 30_000);
    return p;
  };
  const leads = (p: RunningProcess): boolean => p.logs.some((l) => l['msg'] === LEADS);
  let a = await start('a');
  let b = await start('b');
  const times: number[] = [];
  try {
    for (let round = 0; round < FAILOVER_ROUNDS; round++) {
      const leader = leads(a) && !leads(b) ? a : b;
      const follower = leader === a ? b : a;
      const before = follower.logs.length;
      leader.child.kill('SIGKILL');
      const killedAt = performance.now();
      await leader.exited;
      await follower.waitForLog((l) => l['msg'] === LEADS && follower.logs.indexOf(l) >= before, 30_000);
      const ms = performance.now() - killedAt;
      times.push(ms);
      process.stdout.write(`fail-over round ${round + 1}: ${Math.round(ms)} ms\n`);
      // The killed one comes back as a follower for the next round.
      const restarted = await start(`r${round}`);
      if (leader === a) a = restarted;
      else b = restarted;
    }
  } finally {
    await a.stop();
    await b.stop();
  }
  const worst = Math.max(...times);
  printTable([
    ['fail-over (SIGKILL of the leader -> leader-only components running elsewhere)', 'min ms', 'max ms'],
    ['lease 5 s, heartbeat 1 s', Math.min(...times), worst],
  ]);
  verdict(worst < 10_000, `fail-over under 10 s (worst ${Math.round(worst)} ms)`);
}

const server = await startPostgres();
const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-pgbench-'));
try {
  process.stdout.write(`postgres-store: PostgreSQL ${readFileSync(join(server.dir, 'data', 'PG_VERSION'), 'utf8').trim()} on 127.0.0.1:${server.port}, TLS, ${CALLERS} callers, ${DURATION_MS} ms per phase\n`);
  await storeThroughput(server, dir);
  await failover(server, dir);
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
