/**
 * Kuma's app/kuma-dp/cmd/run_test.go ported: `kuma-dp run` as a real process (bin/kuma-dp) against an
 * in-process DP server, launched with env vars or flags, with a temporary work dir (removed on exit)
 * or a given one (kept, created when missing), with a token file, an inline token (kept in
 * <work-dir>/<name>, 0600, as Kuma does) and a template; refused: --name/--mesh next to a template,
 * an unknown proxy type. Kuma's Envoy-process checks (pid, --config-path) have no counterpart.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startProcess, type RunningProcess } from '../../../test/support/processes.js';
import { dataplaneTemplate, startFixture, type Fixture } from '../../dp-server/testing/dp-fixture.js';

/** Kuma's app/kuma-dp/cmd/testdata/dataplane_template.yaml (an outbound by MeshService backendRef included). */
const DP_TEMPLATE = `type: Dataplane
mesh: default
name: {{ name }}
networking:
  address: {{ address }}
  inbound:
    - port: 11011
      servicePort: 11012
      tags:
        kuma.io/service: backend
        kuma.io/protocol: http
  outbound:
    - port: 33033
      backendRef:
        kind: MeshService
        name: redis
        port: 6379
  admin:
    port: 9901`;

/** The proxy answered its first config (a NACK when the template's 10.0.0.5 is not on this machine). */
const isAck = (l: Record<string, unknown>): boolean => l['msg'] === 'config received (ACK)' || l['msg'] === 'rejected config (NACK)';

describe('kuma-dp run as a process (Kuma run_test)', () => {
  let fx: Fixture;
  let caFile: string;
  const running: RunningProcess[] = [];

  before(async () => {
    fx = await startFixture();
    caFile = fx.cert.certFile;
    const t = dataplaneTemplate('default', 'example');
    await fx.resources.create({ type: 'Dataplane', meta: { mesh: 'default', name: 'example' }, spec: { networking: t['networking'] as never } });
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    await fx.close();
  });

  const start = (args: string[], env: Record<string, string>): RunningProcess => {
    const p = startProcess('kuma-dp', ['run', '--drain-time=0s', ...args], { KUMA_READINESS_PORT: '0', ...env });
    running.push(p);
    return p;
  };
  const tokenFile = async (name: string): Promise<string> => {
    const path = join(fx.dir, `${name}.token`);
    await writeFile(path, `${await fx.issue({ mesh: 'default', name })}\n`);
    return path;
  };
  const cpAddress = () => `https://localhost:${fx.port}`;

  it('can be launched with env vars (temporary work dir, 0711, removed on exit)', async () => {
    const dp = start([], {
      KUMA_CONTROL_PLANE_URL: cpAddress(),
      KUMA_CONTROL_PLANE_CA_CERT_FILE: caFile,
      KUMA_DATAPLANE_NAME: 'example',
      KUMA_DATAPLANE_MESH: 'default',
      KUMA_DATAPLANE_RUNTIME_TOKEN_PATH: await tokenFile('example'),
    });
    const line = await dp.waitForLog((l) => l['msg'] === 'generated configurations will be stored in a temporary directory');
    const dir = line['dir'] as string;
    assert.match(dir, /kuma-dp-/);
    await dp.waitForLog(isAck);
    assert.equal((await stat(dir)).mode & 0o777, 0o711);
    assert.equal(await dp.stop('SIGTERM'), 0);
    assert.equal(existsSync(dir), false, 'the temporary work dir is removed');
  });

  it('can be launched with env vars and a given work dir (kept)', async () => {
    const workDir = join(fx.dir, 'work-env');
    const dp = start([], {
      KUMA_CONTROL_PLANE_URL: cpAddress(),
      KUMA_CONTROL_PLANE_CA_CERT_FILE: caFile,
      KUMA_DATAPLANE_NAME: 'example',
      KUMA_DATAPLANE_MESH: 'default',
      KUMA_DATAPLANE_RUNTIME_TOKEN_PATH: await tokenFile('example'),
      KUMA_DATAPLANE_RUNTIME_WORK_DIR: workDir,
    });
    await dp.waitForLog(isAck);
    assert.equal(await dp.stop('SIGTERM'), 0);
    assert.ok(existsSync(workDir), 'an explicit work dir is not removed');
    assert.equal(dp.logs.some((l) => l['msg'] === 'generated configurations will be stored in a temporary directory'), false);
  });

  it('can be launched with args, a work dir that does not exist yet, and a dataplane token file', async () => {
    const workDir = join(fx.dir, 'work-args', 'nested');
    const dp = start(
      [`--cp-address=${cpAddress()}`, `--ca-cert-file=${caFile}`, '--name=example', '--mesh=default', `--dataplane-token-file=${await tokenFile('example')}`, `--work-dir=${workDir}`],
      {},
    );
    await dp.waitForLog(isAck);
    assert.equal((await stat(workDir)).mode & 0o777, 0o711);
    assert.equal(await dp.stop('SIGTERM'), 0);
    assert.ok(existsSync(workDir));
  });

  it('an inline dataplane token is kept in <work-dir>/<name> (0600) and used from there', async () => {
    const workDir = join(fx.dir, 'work-inline');
    const token = await fx.issue({ mesh: 'default', name: 'example' });
    const dp = start([`--cp-address=${cpAddress()}`, `--ca-cert-file=${caFile}`, '--name=example', '--mesh=default', `--dataplane-token=${token}`, `--work-dir=${workDir}`], {});
    await dp.waitForLog(isAck);
    const file = join(workDir, 'example');
    assert.equal(await readFile(file, 'utf8'), token);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await dp.stop('SIGTERM'), 0);
    assert.ok(!JSON.stringify(dp.logs).includes(token), 'the token is never logged');
  });

  it('can be launched with a dataplane template and variables (registers, deregisters on exit)', async () => {
    const file = join(fx.dir, 'dataplane_template.yaml');
    await writeFile(file, DP_TEMPLATE);
    const dp = start(
      [`--cp-address=${cpAddress()}`, `--ca-cert-file=${caFile}`, `--dataplane-token-file=${await tokenFile('from-template')}`, `--dataplane-file=${file}`, '--dataplane-var', 'name=from-template', '--dataplane-var', 'address=127.0.0.1'],
      {},
    );
    await dp.waitForLog(isAck);
    const stored = await fx.resources.get({ type: 'Dataplane', mesh: 'default', name: 'from-template' });
    assert.equal((stored.spec['networking'] as { address: string }).address, '127.0.0.1');
    assert.equal(await dp.stop('SIGTERM'), 0);
    const deadline = Date.now() + 5000;
    while (await fx.resources.get({ type: 'Dataplane', mesh: 'default', name: 'from-template' }).then(() => true, () => false)) {
      assert.ok(Date.now() < deadline, 'deregistered after the (shortened) delay');
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  it('fails when --name and --mesh are given with a dataplane definition', async () => {
    const file = join(fx.dir, 'dataplane_template.yaml');
    await writeFile(file, DP_TEMPLATE);
    const dp = start([`--cp-address=${cpAddress()}`, `--dataplane-file=${file}`, '--dataplane-var', 'name=example', '--dataplane-var', 'address=127.0.0.1', '--name=xyz', '--mesh=xyz'], {});
    assert.equal(await dp.exited, 1);
    assert.match(dp.stderr(), /--name and --mesh cannot be specified when a dataplane definition is provided, mesh and name will be read from the dataplane definition/);
  });

  it('fails when the proxy type is unknown', async () => {
    const file = join(fx.dir, 'dataplane_template.yaml');
    await writeFile(file, DP_TEMPLATE);
    const dp = start([`--cp-address=${cpAddress()}`, `--dataplane-file=${file}`, '--proxy-type', 'phoney'], {});
    assert.equal(await dp.exited, 1);
    assert.match(dp.stderr(), /invalid proxy type/);
  });
});
