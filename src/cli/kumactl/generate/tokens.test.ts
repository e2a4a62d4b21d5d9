import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { opensslOk } from '../../../../test/support/openssl.js';
import { FakeControlPlane, stdError } from '../testing/fake-control-plane.js';
import { runKumactl, withHome } from '../testing/run-kumactl.js';

async function configFor(home: string, url: string): Promise<string> {
  const file = join(home, 'config');
  await writeFile(file, `controlPlanes:\n- name: test\n  coordinates:\n    apiServer:\n      url: ${url}\ncontexts:\n- name: test\n  controlPlane: test\ncurrentContext: test\n`);
  return file;
}

describe('kumactl generate signing-key, public-key, user-token, dataplane-token', () => {
  let cp: FakeControlPlane;
  let keyPem = '';
  before(async () => {
    cp = await new FakeControlPlane({
      intercept: (req, res, body) => {
        if (req.url !== '/tokens/user' || !body.includes('"name":"denied"')) return false;
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify(stdError(403, 'Access Denied', 'action not allowed')));
        return true;
      },
    }).start();
    await withHome(async (home) => {
      const r = await runKumactl({ home }, 'generate', 'signing-key', '--format=pem');
      assert.equal(r.code, 0, r.stderr);
      keyPem = r.stdout;
    });
  });
  after(() => cp.stop());

  const withKey = <T>(fn: (home: string, keyFile: string) => Promise<T>): Promise<T> =>
    withHome(async (home) => {
      const keyFile = join(home, 'key.pem');
      await writeFile(keyFile, keyPem, { mode: 0o600 });
      return fn(home, keyFile);
    });

  it('signing-key: PKCS#1 PEM, or its base64 by default; never touches ~/.kumactl', async () => {
    assert.match(keyPem, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n$/);
    assert.match(opensslOk(['rsa', '-noout', '-text'], keyPem), /Private-Key: \(2048 bit/);
    await withHome(async (home) => {
      const r = await runKumactl({ home }, 'generate', 'signing-key');
      assert.match(Buffer.from(r.stdout, 'base64').toString('utf8'), /^-----BEGIN RSA PRIVATE KEY-----/);
      assert.equal((await runKumactl({ home }, 'generate', 'signing-key', '--format', 'der')).stderr, 'Error: invalid format\n');
      await assert.rejects(import('node:fs/promises').then((fs) => fs.stat(join(home, '.kumactl'))));
    });
  });

  it('public-key: the RSA PUBLIC KEY openssl derives too', async () => {
    await withKey(async (home, keyFile) => {
      const r = await runKumactl({ home }, 'generate', 'public-key', `--signing-key-path=${keyFile}`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, opensslOk(['rsa', '-in', keyFile, '-RSAPublicKey_out']));
      await writeFile(join(home, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      assert.equal((await runKumactl({ home }, 'generate', 'public-key', '--signing-key-path', join(home, 'cert.pem'))).stderr, 'Error: provided file is not a PEM-encoded signing key\n');
      assert.match((await runKumactl({ home }, 'generate', 'public-key', '--signing-key-path', join(home, 'nope'))).stderr, /^Error: could not read a signing key file: ENOENT/);
      assert.equal((await runKumactl({ home }, 'generate', 'public-key')).stderr, 'Error: required flag(s) "signing-key-path" not set\n');
    });
  });

  it('user-token online: POST /tokens/user with Go duration text', async () => {
    await withHome(async (home) => {
      const r = await runKumactl({ home }, '--config-file', await configFor(home, cp.url), 'generate', 'user-token', '--name', 'john', '--group', 'users,ops', '--valid-for', '24h');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'token:user:{"name":"john","groups":["users","ops"],"validFor":"24h0m0s"}');
      const denied = await runKumactl({ home }, '--config-file', await configFor(home, cp.url), 'generate', 'user-token', '--name', 'denied', '--valid-for', '1h');
      assert.equal(denied.stderr, 'Error: Access Denied (action not allowed)\n');
    });
  });

  it('user-token offline: an RS256 token with kid, Name and Groups, verifiable with the public key', async () => {
    await withKey(async (home, keyFile) => {
      const r = await runKumactl({ home }, 'generate', 'user-token', '--name', 'john.doe@example.com', '--group', 'users', '--valid-for', '30s', '--signing-key-path', keyFile, '--kid', '1');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(decodeProtectedHeader(r.stdout), { alg: 'RS256', kid: '1', typ: 'JWT' });
      const { payload } = await jwtVerify(r.stdout, createPublicKey(keyPem));
      assert.equal(payload['Name'], 'john.doe@example.com');
      assert.deepEqual(payload['Groups'], ['users']);
      assert.ok((payload.exp ?? 0) - (payload.iat ?? 0) >= 30);
    });
  });

  it('dataplane-token online and offline', async () => {
    await withKey(async (home, keyFile) => {
      const online = await runKumactl(
        { home },
        ...['--config-file', await configFor(home, cp.url), 'generate', 'dataplane-token', '--mesh=demo', '--name=example', '--proxy-type=dataplane'],
        ...['--tag', 'kuma.io/service=web,web-api', '--valid-for', '30s'],
      );
      assert.equal(online.code, 0, online.stderr);
      const sent = JSON.parse(online.stdout.replace(/^token:dataplane:/, ''));
      assert.deepEqual(sent, { name: 'example', mesh: 'demo', tags: { 'kuma.io/service': ['web', 'web-api'] }, type: 'dataplane', workload: '', validFor: '30s' });

      const offline = await runKumactl({ home }, 'generate', 'dataplane-token', '--name', 'dp-1', '--mesh', 'demo', '--valid-for', '30s', '--kid', '1', '--signing-key-path', keyFile);
      assert.equal(offline.code, 0, offline.stderr);
      const { payload } = await jwtVerify(offline.stdout, createPublicKey(keyPem));
      assert.equal(payload['Name'], 'dp-1');
      assert.equal(payload['Mesh'], 'demo');
    });
  });

  const errors: [string[], string][] = [
    [['dataplane-token', '--name', 'dp-1', '--kid', '1', '--valid-for', '30s'], 'Error: --kid cannot be used when --signing-key-path is used\n'],
    [['user-token', '--name', 'dp-1', '--valid-for', '30s', '--signing-key-path', '/k.pem'], 'Error: --kid is required when --signing-key-path is used\n'],
    [['dataplane-token', '--name', 'dp-1', '--proxy-type', 'ingress', '--valid-for', '30s'], 'Error: ingress is not a valid proxy type\n'],
    [['dataplane-token', '--proxy-type', 'egress', '--valid-for', '30s', '--kid', '1', '--signing-key-path', '/k.pem'], 'Error: egress is not a valid proxy type\n'],
    [['dataplane-token', '--name', 'dp-1'], 'Error: required flag(s) "valid-for" not set\n'],
    [['dataplane-token', '--valid-for', '0s'], 'Error: You must set a token validFor value\n'],
    [['user-token', '--valid-for', '1h'], 'Error: required flag(s) "name" not set\n'],
    [['user-token', '--name', 'x', '--valid-for', '0'], 'Error: You must set a token validFor value\n'],
    [['user-token', '--name', 'x', '--valid-for', '1d'], 'Error: invalid argument "1d" for "--valid-for" flag: time: unknown unit "d" in duration "1d"\n'],
    [['user-token', '--name', 'x', '--valid-for', '1h', '--kid', 'abc', '--signing-key-path', '/k.pem'], 'Error: --kid must be the serial number of the signing key (digits, e.g. 1 for user-token-signing-key-1), got "abc"\n'],
  ];
  for (const [args, want] of errors) {
    it(`rejects ${args.join(' ')}`, async () => {
      await withHome(async (home) => {
        const r = await runKumactl({ home }, 'generate', ...args);
        assert.equal(r.code, 1);
        assert.equal(r.stderr, want);
      });
    });
  }
});
