/**
 * kuma-cp on PostgreSQL, end to end with real processes: `kuma-cp migrate up`, refusing an unmigrated
 * database, two instances on one database (change events, leader election, SIGKILL of the leader, no
 * acknowledged write lost), the database going away under a running control plane, and a clear
 * start-up error for an unreachable database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, type RunningProcess } from '../support/processes.js';
import { PG_PASSWORD, PG_PASSWORD_USER, postgresUnavailable, startPostgres, type PgServer } from '../support/postgres.js';

const skip = postgresUnavailable();
const PORTS_0 = { KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' };

interface Cp {
  proc: RunningProcess;
  api: string;
  diag: string;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out: ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

describe('kuma-cp on PostgreSQL', { skip }, () => {
  let server: PgServer;
  let home: string;
  before(async () => {
    server = await startPostgres();
    home = await mkdtemp(join(tmpdir(), 'kuma-ts-pgha-'));
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const envFor = (db: string, extra: Record<string, string> = {}): Record<string, string> => ({
    HOME: home,
    KUMA_STORE_TYPE: 'postgres',
    KUMA_STORE_POSTGRES_HOST: 'localhost',
    KUMA_STORE_POSTGRES_PORT: String(server.port),
    KUMA_STORE_POSTGRES_USER: PG_PASSWORD_USER,
    KUMA_STORE_POSTGRES_PASSWORD: PG_PASSWORD,
    KUMA_STORE_POSTGRES_DB_NAME: db,
    KUMA_STORE_POSTGRES_TLS_MODE: 'verifyFull',
    KUMA_STORE_POSTGRES_TLS_CA_PATH: server.tls.caPath,
    ...extra,
  });

  async function migrate(db: string): Promise<{ code: number | string; out: string }> {
    const p = startProcess('kuma-cp', ['migrate', 'up'], envFor(db));
    const code = await p.exited;
    return { code, out: p.logs.map((l) => String(l['msg'] ?? '')).join('\n') + p.stderr() };
  }

  async function startCp(db: string, name: string, extra: Record<string, string> = {}): Promise<Cp> {
    const workDir = join(home, name);
    const proc = startProcess('kuma-cp', ['run'], envFor(db, { ...PORTS_0, KUMA_GENERAL_WORK_DIR: workDir, ...extra }));
    const ready = await proc.waitForLog((l) => l['msg'] === 'Control Plane is ready', 30_000);
    return { proc, api: `http://127.0.0.1:${String(ready['apiHttpPort'])}`, diag: `http://127.0.0.1:${String(ready['diagnosticsPort'])}` };
  }

  const leaderOf = async (cp: Cp): Promise<{ instanceId: string; isLeader: boolean; leader: string | null }> =>
    (await (await fetch(`${cp.diag}/leader`)).json()) as { instanceId: string; isLeader: boolean; leader: string | null };

  it('migrate up migrates once; run refuses an unmigrated database with Kuma\'s text', async () => {
    const db = await server.createDatabase('migrate');
    const unmigrated = startProcess('kuma-cp', ['run'], envFor(db, { ...PORTS_0, KUMA_GENERAL_WORK_DIR: join(home, 'unmigrated') }));
    assert.notEqual(await unmigrated.exited, 0);
    assert.match(unmigrated.stderr(), /database is not migrated\. Run "kuma-cp migrate up" to update database to the newest schema/);

    const first = await migrate(db);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /DB has been migrated for Kuma /);
    const again = await migrate(db);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /DB has already been migrated for Kuma /);
  });

  it('migrate up on the memory store says it is not supported', async () => {
    const p = startProcess('kuma-cp', ['migrate', 'up'], { HOME: home });
    assert.notEqual(await p.exited, 0);
    assert.match(p.stderr(), /migrations are not supported for Memory resource store/);
  });

  it('an unreachable database is a clear start-up error after the start-up timeout', async () => {
    const p = startProcess(
      'kuma-cp',
      ['run'],
      envFor('nowhere', { ...PORTS_0, KUMA_STORE_POSTGRES_PORT: '1', KUMA_STORE_POSTGRES_STARTUP_TIMEOUT: '1s', KUMA_GENERAL_WORK_DIR: join(home, 'nowhere') }),
    );
    assert.notEqual(await p.exited, 0);
    assert.match(p.stderr(), /cannot connect to PostgreSQL at localhost:1 \(tls\.mode verifyFull\)/);
    assert.doesNotMatch(p.stderr() + JSON.stringify(p.logs), new RegExp(PG_PASSWORD));
  });

  it('two instances: one leader, changes seen by the other within a second, fail-over after SIGKILL, nothing acknowledged lost', async () => {
    const db = await server.createDatabase('ha');
    assert.equal((await migrate(db)).code, 0);
    const a = await startCp(db, 'a');
    const b = await startCp(db, 'b');
    try {
      // Exactly one leads, and both agree who.
      const [la, lb] = [await leaderOf(a), await leaderOf(b)];
      assert.equal([la.isLeader, lb.isLeader].filter(Boolean).length, 1);
      assert.equal(la.leader, lb.leader);
      const [leader, follower] = la.isLeader ? [a, b] : [b, a];
      // The leader created the default Mesh; the follower serves it from the same database.
      await eventually('default mesh on the follower', async () => ((await fetch(`${follower.api}/meshes/default`)).status === 200 ? true : undefined));

      // Warm the follower's cached list, write on the leader, see it on the follower through LISTEN/NOTIFY.
      await (await fetch(`${follower.api}/meshes`)).text();
      const t0 = Date.now();
      const put = await fetch(`${leader.api}/meshes/ha-1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'Mesh', name: 'ha-1' }) });
      assert.equal(put.status, 201, await put.text());
      await eventually('ha-1 listed on the follower', async () => {
        const body = (await (await fetch(`${follower.api}/meshes`)).json()) as { items: { name: string }[] };
        return body.items.some((m) => m.name === 'ha-1') ? true : undefined;
      }, 5000, 10);
      const seenMs = Date.now() - t0;
      assert.ok(seenMs < 1000, `the follower saw the write after ${seenMs} ms`);

      // Writes acknowledged by the leader right before it dies.
      const acked: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${leader.api}/meshes/acked-${i}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'Mesh', name: `acked-${i}` }) });
        if (r.status === 201) acked.push(`acked-${i}`);
        await r.text();
      }
      assert.equal(acked.length, 20);
      leader.proc.child.kill('SIGKILL');
      await leader.proc.exited;
      const killedAt = Date.now();
      await eventually('the follower leads', async () => ((await leaderOf(follower)).isLeader ? true : undefined), 20_000, 100);
      const failoverMs = Date.now() - killedAt;
      assert.ok(failoverMs < 10_000, `fail-over took ${failoverMs} ms`);
      await follower.proc.waitForLog((l) => l['msg'] === 'this instance leads: starting leader-only components', 5000);
      const body = (await (await fetch(`${follower.api}/meshes`)).json()) as { items: { name: string }[] };
      const names = new Set(body.items.map((m) => m.name));
      for (const n of acked) assert.ok(names.has(n), `acknowledged write ${n} lost`);
    } finally {
      await a.proc.stop();
      await b.proc.stop();
    }
  });

  it('PostgreSQL going away: writes get 503 with a clear body, the CP stays up and recovers by itself', async () => {
    const db = await server.createDatabase('outage');
    assert.equal((await migrate(db)).code, 0);
    const cp = await startCp(db, 'outage');
    let dp: RunningProcess | undefined;
    try {
      // A proxy connected before the outage keeps its stream and its config through it.
      await eventually('default mesh', async () => ((await fetch(`${cp.api}/meshes/default`)).status === 200 ? true : undefined));
      const tokenRes = await fetch(`${cp.api}/tokens/dataplane`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mesh: 'default', name: 'dp-pg' }) });
      const token = await tokenRes.text();
      assert.equal(tokenRes.status, 200, token);
      const dpPort = cp.proc.logs.find((l) => l['msg'] === 'Control Plane is ready')?.['dpServerPort'];
      const dataplane = JSON.stringify({ type: 'Dataplane', mesh: 'default', name: 'dp-pg', networking: { address: '127.0.0.1', inbound: [{ port: 9000, servicePort: 9001, tags: { 'kuma.io/service': 'web' } }] } });
      dp = startProcess('kuma-dp', ['run', `--cp-address=https://localhost:${String(dpPort)}`, `--dataplane=${dataplane}`, `--dataplane-token=${token}`, '--drain-time=0s'], {
        HOME: home,
        KUMA_READINESS_PORT: '0',
        KUMA_CONTROL_PLANE_CA_CERT: readFileSync(join(home, 'outage', 'kuma-cp.crt'), 'utf8'),
      });
      const readyLine = await dp.waitForLog((l) => l['msg'] === 'readiness server listening (GET /ready)');
      const readyUrl = `http://127.0.0.1:${String(readyLine['port'])}/ready`;
      await eventually('kuma-dp ready', async () => ((await fetch(readyUrl)).status === 200 ? true : undefined));
      const liveDp = dp;
      const streamClosed = (): boolean => liveDp.logs.some((l) => l['msg'] === 'config stream closed, reconnecting');

      await server.pause();
      // A change pushed to the live stream while the database is away must not end it.
      const meshPut = await fetch(`${cp.api}/meshes/default`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'Mesh', name: 'default' }) });
      await meshPut.text();
      const down = await fetch(`${cp.api}/meshes/during-outage`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'Mesh', name: 'during-outage' }) });
      const text = await down.text();
      assert.equal(down.status, 503, text);
      assert.match(text, /cannot reach its resource store/);
      assert.doesNotMatch(text, new RegExp(PG_PASSWORD));
      assert.equal((await fetch(`${cp.diag}/healthy`)).status, 200);
      assert.equal((await fetch(readyUrl)).status, 200);
      assert.equal(streamClosed(), false, 'the config stream survived the outage');
      assert.equal(liveDp.child.exitCode, null);
      await server.start();
      await eventually('writes work again', async () => {
        const r = await fetch(`${cp.api}/meshes/after-outage`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'Mesh', name: 'after-outage' }) });
        await r.text();
        return r.status === 201 || r.status === 200 ? true : undefined;
      }, 20_000, 200);
      // After the store is back (resync), the proxy is still on the same stream.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(streamClosed(), false);
    } finally {
      await dp?.stop('SIGKILL');
      await server.start().catch(() => undefined);
      await cp.proc.stop();
    }
  });
});
