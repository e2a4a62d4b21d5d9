import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { withTempDir } from '../support/openssl.js';
import { binPath, startProcess } from '../support/processes.js';

const run = promisify(execFile);
const PORTS_0 = { KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' };
const isReady = (l: Record<string, unknown>): boolean => l['msg'] === 'Control Plane is ready';

/** curl as an independent TLS client: returns [status, body]. */
async function curlBootstrap(port: number, ca: string, body: object): Promise<[number, string]> {
  const r = await run('curl', ['-sS', '--cacert', ca, '-H', 'content-type: application/json', '-d', JSON.stringify(body), '-w', '\n%{http_code}', `https://localhost:${port}/bootstrap`]);
  const at = r.stdout.lastIndexOf('\n');
  return [Number(r.stdout.slice(at + 1)), r.stdout.slice(0, at)];
}

describe('data plane proxy to control plane, server side (seed page, Universal), real processes', () => {
  it('KUMA_DP_SERVER_TLS_CERT_FILE/KEY_FILE serve 5678 with the provided certificate; /bootstrap demands a dataplane token', async () => {
    await withTempDir(async (home) => {
      const cert = join(home, 'tls.crt');
      const key = join(home, 'tls.key');
      await run(process.execPath, [binPath('kumactl'), 'generate', 'tls-certificate', '--type=server', '--hostname=localhost', `--cert-file=${cert}`, `--key-file=${key}`]);
      const cp = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0, KUMA_DP_SERVER_TLS_CERT_FILE: cert, KUMA_DP_SERVER_TLS_KEY_FILE: key });
      try {
        const ready = await cp.waitForLog(isReady);
        const dpPort = ready['dpServerPort'] as number;
        assert.ok(dpPort > 0);
        // The CA of the seed page (cp tls.crt ca.crt) verifies the DP server.
        const [status, body] = await curlBootstrap(dpPort, cert, { mesh: 'default', name: 'dp-1', proxyType: 'dataplane' });
        assert.equal(status, 422);
        assert.match(body, /Dataplane Token is required\. Generate token using 'kumactl generate dataplane-token > \/path\/file'/);

        const dataplane = JSON.stringify({ type: 'Dataplane', mesh: 'default', name: 'dp-1', networking: { address: '127.0.0.1', inbound: [{ port: 9000, servicePort: 9001, tags: { 'kuma.io/service': 'redis' } }] } });
        const [ok, answer] = await curlBootstrap(dpPort, cert, { mesh: 'default', name: 'dp-1', proxyType: 'dataplane', dataplaneToken: 'not-checked-at-bootstrap', dataplaneResource: dataplane });
        assert.equal(ok, 200, answer);
        const parsed = JSON.parse(answer) as Record<string, unknown>;
        assert.equal(parsed['nodeId'], 'default.dp-1');

        // A host that is not in the certificate gets Kuma's remediation text.
        const mismatch = await run('curl', ['-sS', '-k', '-H', 'content-type: application/json', '-d', JSON.stringify({ mesh: 'default', name: 'dp-1', dataplaneToken: 't' }), `https://127.0.0.1:${dpPort}/bootstrap`]);
        assert.match(mismatch.stdout, /A data plane proxy is trying to connect to the control plane using "127\.0\.0\.1" address, but the certificate in the control plane has the following SANs \["localhost"\]/);
      } finally {
        await cp.stop();
      }
    });
  });

  it('a global control plane runs no DP server', async () => {
    await withTempDir(async (home) => {
      const cp = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0, KUMA_MODE: 'global' });
      try {
        const ready = await cp.waitForLog(isReady);
        assert.equal(ready['dpServerPort'], 0);
      } finally {
        await cp.stop();
      }
    });
  });
});
