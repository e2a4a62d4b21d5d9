import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bufferIo } from '../io.js';
import { main } from './main.js';

describe('kuma-dp run (CLI)', () => {
  it('documents its flags', async () => {
    const io = bufferIo();
    assert.equal(await main(['run', '--help'], io), 0);
    for (const flag of ['--cp-address', '--ca-cert-file', '--skip-verify', '--dataplane-file', '--dataplane-var', '--dataplane-token-file', '--drain-time']) assert.match(io.stdout(), new RegExp(flag));
  });

  it('refuses --name/--mesh next to a dataplane definition', async () => {
    const io = bufferIo({});
    assert.equal(await main(['run', '--name=a', '--mesh=default', '--dataplane=type: Dataplane'], io), 1);
    assert.match(io.stderr(), /^Error: --name and --mesh cannot be specified when a dataplane definition is provided/);
  });

  it('says plainly when KUMA_CONTROL_PLANE_CA_CERT holds a path instead of PEM', async () => {
    const io = bufferIo({ KUMA_CONTROL_PLANE_CA_CERT: '/etc/kuma/ca.crt', KUMA_READINESS_PORT: '0' });
    assert.equal(await main(['run', '--name=a', '--mesh=default'], io), 1);
    assert.match(io.stderr(), /KUMA_CONTROL_PLANE_CA_CERT must hold the PEM text of the CA certificate, but it looks like a file path/);
  });

  it('rejects a bad template file with its name', async () => {
    const io = bufferIo({ KUMA_READINESS_PORT: '0' });
    assert.equal(await main(['run', '-d', '/nonexistent/dp.yaml'], io), 1);
    assert.match(io.stderr(), /could not read the dataplane file \/nonexistent\/dp\.yaml: ENOENT/);
  });
});
