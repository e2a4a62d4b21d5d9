import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { withTempDir } from '../support/openssl.js';
import { binPath, startProcess, type RunningProcess } from '../support/processes.js';

const run = promisify(execFile);
const PORTS_0 = { KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' };
const isReady = (l: Record<string, unknown>): boolean => l['msg'] === 'Control Plane is ready';

const DP_YAML = `type: Dataplane
mesh: default
name: {{ name }}
networking:
  address: 127.0.0.1
  inbound:
  - port: 9000
    servicePort: 9001
    tags:
      kuma.io/service: redis
`;

async function kumactl(home: string, args: string[]): Promise<string> {
  const r = await run(process.execPath, [binPath('kumactl'), ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
  return r.stdout;
}

async function waitReady(dp: RunningProcess): Promise<void> {
  const line = await dp.waitForLog((l) => l['msg'] === 'readiness server listening (GET /ready)');
  const port = line['port'] as number;
  const end = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
    const status = res?.status;
    await res?.text();
    if (status === 200) return;
    if (Date.now() > end) throw new Error(`kuma-dp not ready; logs: ${JSON.stringify(dp.logs.slice(-5))} stderr: ${dp.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('seed page, Universal: kuma-dp run against kuma-cp (real processes)', () => {
  it('--ca-cert-file and KUMA_CONTROL_PLANE_CA_CERT both connect, register and get ready; SIGTERM exits 0', async () => {
    await withTempDir(async (home) => {
      const cert = join(home, 'tls.crt');
      const key = join(home, 'tls.key');
      await kumactl(home, ['generate', 'tls-certificate', '--type=server', '--hostname=localhost', `--cert-file=${cert}`, `--key-file=${key}`]);
      const cp = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0, KUMA_DP_SERVER_TLS_CERT_FILE: cert, KUMA_DP_SERVER_TLS_KEY_FILE: key });
      const dps: RunningProcess[] = [];
      try {
        const ready = await cp.waitForLog(isReady);
        const dpPort = ready['dpServerPort'] as number;
        const apiPort = ready['apiHttpPort'] as number;
        await kumactl(home, ['config', 'control-planes', 'add', '--name=cp', `--address=http://localhost:${apiPort}`, '--skip-check']);
        const dpYaml = join(home, 'dp.yaml');
        await writeFile(dpYaml, DP_YAML);

        for (const [name, caEnv, caArgs] of [
          ['dp-1', {}, [`--ca-cert-file=${cert}`]],
          ['dp-2', { KUMA_CONTROL_PLANE_CA_CERT: await readFile(cert, 'utf8') }, []],
        ] as const) {
          const tokenFile = join(home, `${name}.token`);
          await writeFile(tokenFile, await kumactl(home, ['generate', 'dataplane-token', `--name=${name}`, '--mesh=default', '--valid-for=1h']));
          const dp = startProcess(
            'kuma-dp',
            ['run', `--cp-address=https://localhost:${dpPort}`, ...caArgs, `--dataplane-file=${dpYaml}`, '-v', `name=${name}`, `--dataplane-token-file=${tokenFile}`, '--drain-time=0s'],
            { HOME: home, KUMA_READINESS_PORT: '0', ...caEnv },
          );
          dps.push(dp);
          await waitReady(dp);
          const res = await fetch(`http://localhost:${apiPort}/meshes/default/dataplanes/${name}`);
          assert.equal(res.status, 200, await res.clone().text());
          const body = (await res.json()) as Record<string, unknown>;
          assert.equal(body['name'], name);
        }
        for (const dp of dps) assert.equal(await dp.stop('SIGTERM'), 0);
      } finally {
        for (const dp of dps) await dp.stop('SIGKILL');
        await cp.stop();
      }
    });
  });

  it('kuma-dp pointed at a wrong CA fails fast with exit code 1 and says why', async () => {
    await withTempDir(async (home) => {
      const cp = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0 });
      try {
        const ready = await cp.waitForLog(isReady);
        const other = join(home, 'other.crt');
        await kumactl(home, ['generate', 'tls-certificate', '--type=server', '--hostname=localhost', `--cert-file=${other}`, `--key-file=${join(home, 'other.key')}`]);
        const dp = startProcess('kuma-dp', ['run', `--cp-address=https://localhost:${ready['dpServerPort'] as number}`, `--ca-cert-file=${other}`, '--name=dp-1', '--mesh=default', '--dataplane-token=a.b.c'], { HOME: home, KUMA_READINESS_PORT: '0' });
        // a.b.c is not a JWT: rejected before dialling.
        assert.equal(await dp.exited, 1);
        assert.match(dp.stderr(), /dataplane token is invalid/);
        const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.c2ln`;
        const dp2 = startProcess('kuma-dp', ['run', `--cp-address=https://localhost:${ready['dpServerPort'] as number}`, `--ca-cert-file=${other}`, '--name=dp-1', '--mesh=default', `--dataplane-token=${jwt}`], { HOME: home, KUMA_READINESS_PORT: '0' });
        assert.equal(await dp2.exited, 1);
        assert.match(dp2.stderr(), /is not signed by the CA in/);
      } finally {
        await cp.stop();
      }
    });
  });
});
