import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { withTempDir } from '../support/openssl.js';
import { binPath, startProcess } from '../support/processes.js';

const run = promisify(execFile);
const PORTS_0 = { KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' };
const isReady = (l: Record<string, unknown>): boolean => l['msg'] === 'Control Plane is ready';

async function kumactl(home: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [binPath('kumactl'), ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('user to control plane (seed page, Universal), real processes', () => {
  it('provided HTTPS certificate, curl --cacert, admin token from localhost, kumactl control-planes add with the CA and the token, apply and list a Mesh', async () => {
    await withTempDir(async (home) => {
      const cert = join(home, 'tls.crt');
      const key = join(home, 'tls.key');
      const ca = join(home, 'ca.crt');
      // 1) kumactl generate tls-certificate, and cp tls.crt ca.crt
      assert.equal((await kumactl(home, 'generate', 'tls-certificate', '--type=server', '--hostname=localhost', `--cert-file=${cert}`, `--key-file=${key}`)).code, 0);
      await copyFile(cert, ca);

      // 2) KUMA_API_SERVER_HTTPS_TLS_CERT_FILE=... KUMA_API_SERVER_HTTPS_TLS_KEY_FILE=... kuma-cp run
      const cp = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0, KUMA_API_SERVER_HTTPS_TLS_CERT_FILE: cert, KUMA_API_SERVER_HTTPS_TLS_KEY_FILE: key });
      try {
        const ready = await cp.waitForLog(isReady);
        const https = ready['apiHttpsPort'] as number;
        const http = ready['apiHttpPort'] as number;
        assert.ok(https > 0 && http > 0);

        // curl verifies the server with the CA, independently of our client code.
        const index = await run('curl', ['-sS', '--fail', '--cacert', ca, `https://localhost:${https}/`]);
        assert.equal((JSON.parse(index.stdout) as { product?: string }).product, 'Kuma');
        const refused = await run('curl', ['-sS', `https://localhost:${https}/`]).then(
          () => 'accepted',
          () => 'refused',
        );
        assert.equal(refused, 'refused', 'curl without the CA must not trust the certificate');

        // The admin token, read from localhost as the log hint says.
        const secret = await run('curl', ['-sS', '--fail', `http://localhost:${http}/global-secrets/admin-user-token`]);
        const token = Buffer.from((JSON.parse(secret.stdout) as { data: string }).data, 'base64').toString('utf8');
        assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);

        // 3) kumactl config control-planes add --name=... --address=https://...:5682 --ca-cert-file=... (+ the token)
        const add = await kumactl(home, 'config', 'control-planes', 'add', '--name=cp', `--address=https://localhost:${https}`, `--ca-cert-file=${ca}`, '--auth-type=tokens', '--auth-conf', `token=${token}`);
        assert.equal(add.code, 0, add.stderr);
        assert.match(add.stdout, /added Control Plane "cp"/);
        assert.match(add.stdout, /authenticated as "mesh-system:admin"/);
        assert.equal((await stat(join(home, '.kumactl', 'config'))).mode & 0o777, 0o600);

        const mesh = join(home, 'mesh.yaml');
        await writeFile(mesh, 'type: Mesh\nname: demo\n');
        const apply = await kumactl(home, 'apply', '-f', mesh);
        assert.equal(apply.code, 0, apply.stderr);
        const list = await kumactl(home, 'get', 'meshes');
        assert.equal(list.code, 0, list.stderr);
        assert.match(list.stdout, /^NAME\s+.*\n(.*\n)*default\s.*\n(.*\n)*demo\s/m);

        // A wrong token is caught by `add`, not at the first real command.
        const bad = await kumactl(home, 'config', 'control-planes', 'add', '--name=bad', `--address=https://localhost:${https}`, `--ca-cert-file=${ca}`, '--auth-type=tokens', '--auth-conf', `token=${token}x`);
        assert.notEqual(bad.code, 0);
        assert.doesNotMatch(bad.stderr, new RegExp(token.slice(-20)));
      } finally {
        await cp.stop();
      }
    });
  });

  it('binds plain HTTP to 127.0.0.1 or disables it, as the seed page suggests', async () => {
    await withTempDir(async (home) => {
      const local = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0, KUMA_API_SERVER_HTTP_INTERFACE: '127.0.0.1' });
      try {
        await local.waitForLog(isReady);
        assert.ok(local.logs.some((l) => l['msg'] === 'API server listening on HTTP' && l['interface'] === '127.0.0.1'));
      } finally {
        await local.stop();
      }
      const off = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0, KUMA_API_SERVER_HTTP_ENABLED: 'false' });
      try {
        const ready = await off.waitForLog(isReady);
        assert.equal(ready['apiHttpPort'], 0);
        assert.ok(!off.logs.some((l) => l['msg'] === 'API server listening on HTTP'));
      } finally {
        await off.stop();
      }
    });
  });
});
