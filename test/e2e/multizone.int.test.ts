/**
 * The seed page's multizone section with real processes: a certificate from `kumactl generate
 * tls-certificate`, a global with `KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE`/`_KEY_FILE`, a zone with
 * `KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE` and `grpcs://<name>:<port>`; a Mesh and a MeshTrafficPermission
 * made on the global reach the zone, a kuma-dp connected to the zone shows up on the global, and the
 * zone is online in `/zones+insights`. Then zone tokens: a global with `auth.type: zoneToken` refuses a
 * zone without a token and accepts one with a token from `kumactl generate zone-token`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { withTempDir } from '../support/openssl.js';
import { binPath, startProcess, type RunningProcess } from '../support/processes.js';
import { freePort } from '../support/ports.js';

const run = promisify(execFile);
const PORTS_0 = { KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' };
const isReady = (l: Record<string, unknown>): boolean => l['msg'] === 'Control Plane is ready';

async function kumactl(home: string, args: string[]): Promise<string> {
  const r = await run(process.execPath, [binPath('kumactl'), ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
  return r.stdout;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}${last ? ` (${String(last)})` : ''}`);
}

const getJson = async (url: string): Promise<Record<string, unknown> | undefined> => {
  const r = await fetch(url);
  if (r.status !== 200) {
    await r.text();
    return undefined;
  }
  return (await r.json()) as Record<string, unknown>;
};

interface Cp {
  proc: RunningProcess;
  api: string;
  ready: Record<string, unknown>;
}

async function startCp(home: string, workDir: string, env: Record<string, string>): Promise<Cp> {
  const proc = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0, KUMA_GENERAL_WORK_DIR: join(home, workDir), ...env });
  const ready = await proc.waitForLog(isReady, 30_000);
  return { proc, api: `http://localhost:${String(ready['apiHttpPort'])}`, ready };
}


describe('seed page, Universal: control plane to control plane (multizone over KDS)', () => {
  it('global and zone with kumactl-generated certificates: policies down, dataplanes up, zone online', async () => {
    await withTempDir(async (home) => {
      const crt = join(home, 'tls.crt');
      const key = join(home, 'tls.key');
      await kumactl(home, ['generate', 'tls-certificate', '--type=server', '--hostname=localhost', `--cert-file=${crt}`, `--key-file=${key}`]);
      const ca = join(home, 'ca.crt');
      await writeFile(ca, await readFile(crt));
      const global = await startCp(home, 'global', {
        KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE: crt,
        KUMA_MULTIZONE_GLOBAL_KDS_TLS_KEY_FILE: key,
        KUMA_MODE: 'global',
        KUMA_MULTIZONE_GLOBAL_KDS_GRPC_PORT: '0',
      });
      let zone: Cp | undefined;
      let dp: RunningProcess | undefined;
      try {
        const kdsPort = global.ready['kdsPort'] as number;
        assert.ok(kdsPort > 0);
        zone = await startCp(home, 'zone', {
          KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE: ca,
          KUMA_MODE: 'zone',
          KUMA_MULTIZONE_ZONE_NAME: 'zone-1',
          KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS: `grpcs://localhost:${kdsPort}`,
        });
        const z = zone;

        // Written on the global, read on the zone.
        const put = (path: string, body: unknown): Promise<Response> =>
          fetch(`${global.api}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        // Mesh mTLS with a builtin CA made on the global: zones sign with the global's CA, never their own.
        assert.equal((await put('/meshes/mz', { type: 'Mesh', name: 'mz', mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } })).status, 201);
        const mtp = await put('/meshes/mz/meshtrafficpermissions/allow-all', {
          type: 'MeshTrafficPermission',
          mesh: 'mz',
          name: 'allow-all',
          spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] },
        });
        assert.equal(mtp.status, 201, await mtp.text());
        await eventually('Mesh mz on the zone', () => getJson(`${z.api}/meshes/mz`));
        const mtps = await eventually('the MeshTrafficPermission on the zone', async () => {
          const list = await getJson(`${z.api}/meshes/mz/meshtrafficpermissions`);
          const items = (list?.['items'] as Record<string, unknown>[] | undefined) ?? [];
          return items.length > 0 ? items : undefined;
        });
        const synced = mtps[0] as { name: string; labels: Record<string, string> };
        assert.equal(synced.labels['kuma.io/origin'], 'global');
        assert.equal(synced.labels['kuma.io/display-name'], 'allow-all');

        // A proxy on the zone, seen on the global with its zone.
        const token = await (await fetch(`${z.api}/tokens/dataplane`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mesh: 'mz', name: 'web-1' }) })).text();
        const dataplane = JSON.stringify({ type: 'Dataplane', mesh: 'mz', name: 'web-1', networking: { address: '127.0.0.1', inbound: [{ port: await freePort(), servicePort: 9001, tags: { 'kuma.io/service': 'web' } }] } });
        dp = startProcess('kuma-dp', ['run', `--cp-address=https://localhost:${String(z.ready['dpServerPort'])}`, `--dataplane=${dataplane}`, `--dataplane-token=${token}`, '--drain-time=0s'], {
          HOME: home,
          KUMA_READINESS_PORT: '0',
          KUMA_CONTROL_PLANE_CA_CERT: await readFile(join(home, 'zone', 'kuma-cp.crt'), 'utf8'),
        });
        const onGlobal = await eventually('the Dataplane on the global', async () => {
          const list = await getJson(`${global.api}/meshes/mz/dataplanes`);
          const items = (list?.['items'] as { name: string; labels: Record<string, string> }[] | undefined) ?? [];
          return items.find((d) => d.labels['kuma.io/display-name'] === 'web-1');
        });
        assert.equal(onGlobal.labels['kuma.io/zone'], 'zone-1');
        assert.equal(onGlobal.labels['kuma.io/origin'], 'zone');

        // Its identity comes from the global's CA, synced to the zone as a Secret.
        await dp.waitForLog((l) => l['msg'] === 'mesh identity certificate applied', 15_000);
        const caSecret = '/meshes/mz/secrets/mz.ca-builtin-cert-ca-1';
        const [globalCa, zoneCa] = [await getJson(`${global.api}${caSecret}`), await getJson(`${z.api}${caSecret}`)];
        assert.ok(globalCa?.['data'] !== undefined, 'the global made the CA');
        assert.equal(zoneCa?.['data'], globalCa?.['data'], 'the zone uses the global CA');

        // The zone is online on the global; users cannot write dataplanes there.
        await eventually('zone-1 online', async () => {
          const zi = await getJson(`${global.api}/zones+insights/zone-1`);
          const subs = ((zi?.['zoneInsight'] as Record<string, unknown> | undefined)?.['subscriptions'] as Record<string, unknown>[] | undefined) ?? [];
          return subs.some((s) => s['connectTime'] !== undefined && s['disconnectTime'] === undefined) ? true : undefined;
        });
        await kumactl(home, ['config', 'control-planes', 'add', '--name=global', `--address=${global.api}`]);
        const table = await eventually('zone-1 with its version in kumactl inspect zones', async () => {
          const t = await kumactl(home, ['inspect', 'zones']);
          return /\smemory\s*\n/.test(t) ? t : undefined;
        });
        assert.match(table, /^NAME\s+STATUS\s+LAST CONNECTED AGO/);
        assert.match(table, /\nzone-1\s+Online\s+/);
        assert.match(table, /\smemory\s*\n/);
        const refused = await put('/meshes/mz/dataplanes/x', { type: 'Dataplane', mesh: 'mz', name: 'x', networking: { address: '1.1.1.1', inbound: [{ port: 1, tags: { 'kuma.io/service': 'x' } }] } });
        assert.equal(refused.status, 405);
        await refused.text();
      } finally {
        await dp?.stop('SIGKILL');
        await zone?.proc.stop();
        await global.proc.stop();
      }
    });
  });

  it('zone tokens: the global refuses a zone without one and accepts kumactl generate zone-token', async () => {
    await withTempDir(async (home) => {
      const global = await startCp(home, 'global', { KUMA_MODE: 'global', KUMA_MULTIZONE_GLOBAL_KDS_GRPC_PORT: '0', KUMA_MULTIZONE_GLOBAL_KDS_AUTH_TYPE: 'zoneToken' });
      let zone: Cp | undefined;
      try {
        const kdsPort = global.ready['kdsPort'] as number;
        const ca = join(home, 'global', 'kuma-cp.crt');
        const zoneEnv = (extra: Record<string, string>): Record<string, string> => ({
          KUMA_MODE: 'zone',
          KUMA_MULTIZONE_ZONE_NAME: 'zone-2',
          KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS: `grpcs://localhost:${kdsPort}`,
          KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE: ca,
          ...extra,
        });
        // Without a token: the zone runs, the global says why it refuses.
        zone = await startCp(home, 'zone-a', zoneEnv({}));
        const z1 = zone;
        await z1.proc.waitForLog((l) => /token/i.test(JSON.stringify(l)) && l['level'] !== 'info', 20_000);
        assert.equal((await fetch(`${global.api}/zones/zone-2`)).status, 404);
        await z1.proc.stop();

        await kumactl(home, ['config', 'control-planes', 'add', '--name=global', `--address=${global.api}`]);
        const token = await kumactl(home, ['generate', 'zone-token', '--zone=zone-2', '--scope=cp', '--valid-for=1h']);
        const tokenFile = join(home, 'zone.token');
        await writeFile(tokenFile, token);
        zone = await startCp(home, 'zone-b', zoneEnv({ KUMA_MULTIZONE_ZONE_KDS_AUTH_TOKEN_PATH: tokenFile }));
        await eventually('Mesh default synced to the authenticated zone', async () => {
          const zi = await getJson(`${global.api}/zones+insights/zone-2`);
          const subs = ((zi?.['zoneInsight'] as Record<string, unknown> | undefined)?.['subscriptions'] as Record<string, unknown>[] | undefined) ?? [];
          return subs.some((s) => s['disconnectTime'] === undefined) ? true : undefined;
        });
      } finally {
        await zone?.proc.stop();
        await global.proc.stop();
      }
    });
  });
});
