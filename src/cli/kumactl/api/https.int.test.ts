import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeControlPlane } from '../testing/fake-control-plane.js';
import { runKumactl, withHome } from '../testing/run-kumactl.js';

describe('kumactl over HTTPS (real TLS peer)', () => {
  it('verifies the server with --ca-cert-file, explains an untrusted one, and works with --skip-verify', async () => {
    await withHome(async (home) => {
      const cert = join(home, 'tls.crt');
      const key = join(home, 'tls.key');
      const gen = await runKumactl({ home }, 'generate', 'tls-certificate', '--type=server', '--hostname=127.0.0.1', `--cert-file=${cert}`, `--key-file=${key}`);
      assert.equal(gen.code, 0, gen.stderr);
      const cp = await new FakeControlPlane({ tls: { cert: await readFile(cert), key: await readFile(key) } }).start();
      try {
        const ok = await runKumactl({ home }, 'config', 'control-planes', 'add', '--name', 'tls', '--address', cp.url, '--ca-cert-file', cert);
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /added Control Plane "tls"/);
        const list = await runKumactl({ home }, 'get', 'meshes');
        assert.equal(list.code, 0, list.stderr);
        assert.equal(list.stdout, 'NAME   mTLS   LOCALITY   ZONEEGRESS   AGE\n');

        const untrusted = await runKumactl({ home }, 'config', 'control-planes', 'add', '--name', 'x', '--address', cp.url);
        assert.equal(untrusted.code, 1);
        assert.match(untrusted.stderr, /^Error: could not connect to the Control Plane API Server: Get "https:\/\/127\.0\.0\.1:\d+\/": TLS connection to 127\.0\.0\.1:\d+ failed: the server certificate \(it presents a self-signed certificate\) is not signed by a CA this machine trusts/);

        const skip = await runKumactl({ home }, 'config', 'control-planes', 'add', '--name', 'y', '--address', cp.url, '--skip-verify');
        assert.equal(skip.code, 0, skip.stderr);

        const badCa = await runKumactl({ home }, 'config', 'control-planes', 'add', '--name', 'z', '--address', cp.url, '--ca-cert-file', join(home, 'missing.pem'));
        assert.equal(badCa.code, 1);
        assert.match(badCa.stderr, /^Error: could not configure HTTP client with TLS: could not read CA cert/);
      } finally {
        await cp.stop();
      }
    });
  });
});
