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

describe('kumactl generate signing-key, public-key, user-token, dataplane-token, zone-token', () => {
  let cp: FakeControlPlane;
  let keyPem = '';
  before(async () => {
    cp = await new FakeControlPlane({
      intercept: (req, res, body) => {
        const denied = (req.url === '/tokens/user' && body.includes('"name":"denied"')) || (req.url === '/tokens/zone' && body.includes('"zone":"denied"'));
        if (!denied) return false;
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
    assert.match(keyPem, /^-{5}BEGIN RSA PRIVATE KEY-{5}\n[\s\S]+-{5}END RSA PRIVATE KEY-{5}\n$/);
    assert.match(opensslOk(['rsa', '-noout', '-text'], keyPem), /Private-Key: \(2048 bit/);
    await withHome(async (home) => {
      const r = await runKumactl({ home }, 'generate', 'signing-key');
      assert.match(Buffer.from(r.stdout, 'base64').toString('utf8'), /^-{5}BEGIN RSA PRIVATE KEY-{5}/);
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

  it('offline tokens carry any --kid as given (Kuma accepts any string) and verify with the public key', async () => {
    await withKey(async (home, keyFile) => {
      const offline = ['--valid-for', '1h', '--signing-key-path', keyFile, '--kid', 'abc'];
      const cases: [string[], Record<string, unknown>][] = [
        [['user-token', '--name', 'john'], { Name: 'john', Groups: [] }],
        [['dataplane-token', '--name', 'dp-1', '--mesh', 'demo', '--tag', 'kuma.io/service=web'], { Name: 'dp-1', Mesh: 'demo', Tags: { 'kuma.io/service': ['web'] }, Type: '', Workload: '' }],
        [['zone-token', '--zone', 'zone-1', '--scope', 'cp'], { Zone: 'zone-1', Scope: ['cp'] }],
      ];
      for (const [args, claims] of cases) {
        const r = await runKumactl({ home }, 'generate', ...args, ...offline);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(decodeProtectedHeader(r.stdout), { alg: 'RS256', kid: 'abc', typ: 'JWT' });
        const { payload } = await jwtVerify(r.stdout, createPublicKey(keyPem), { algorithms: ['RS256'] });
        for (const [k, v] of Object.entries(claims)) assert.deepEqual(payload[k], v, `${args[0]}: ${k}`);
        assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 3600 + 5, 'iat is back-dated 5 s');
        assert.equal(payload.nbf, payload.iat);
        assert.match(String(payload.jti), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
      const spaced = await runKumactl({ home }, 'generate', 'user-token', '--name', 'x', '--valid-for', '1h', '--signing-key-path', keyFile, '--kid', 'key 2026/01');
      assert.equal(decodeProtectedHeader(spaced.stdout).kid, 'key 2026/01');
    });
  });

  it('zone-token online: POST /tokens/zone with every scope by default; offline: Zone and Scope claims', async () => {
    await withKey(async (home, keyFile) => {
      const config = await configFor(home, cp.url);
      const all = await runKumactl({ home }, '--config-file', config, 'generate', 'zone-token', '--zone', 'zone-1', '--valid-for', '24h');
      assert.equal(all.code, 0, all.stderr);
      assert.equal(all.stdout, 'token:zone:{"zone":"zone-1","scope":["cp","ingress","egress"],"validFor":"24h0m0s"}');
      const some = await runKumactl({ home }, '--config-file', config, 'generate', 'zone-token', '--zone=zone-1', '--valid-for=1h', '--scope', 'ingress', '--scope', 'egress');
      assert.equal(some.stdout, 'token:zone:{"zone":"zone-1","scope":["ingress","egress"],"validFor":"1h0m0s"}');
      const denied = await runKumactl({ home }, '--config-file', config, 'generate', 'zone-token', '--zone', 'denied', '--valid-for', '1h');
      assert.equal(denied.stderr, 'Error: Access Denied (action not allowed)\n');

      const offline = await runKumactl({ home }, 'generate', 'zone-token', '--zone', 'zone-2', '--valid-for', '30s', '--signing-key-path', keyFile, '--kid', '1');
      assert.equal(offline.code, 0, offline.stderr);
      const { payload, protectedHeader } = await jwtVerify(offline.stdout, createPublicKey(keyPem));
      assert.equal(protectedHeader.kid, '1');
      assert.equal(payload['Zone'], 'zone-2');
      assert.deepEqual(payload['Scope'], ['cp', 'ingress', 'egress']);
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
    [['zone-token', '--valid-for', '1h'], 'Error: required flag(s) "zone" not set\n'],
    [['zone-token', '--zone', 'z1'], 'Error: required flag(s) "valid-for" not set\n'],
    [['zone-token', '--zone', 'z1', '--valid-for', '1h', '--scope', 'cp,foo', '--scope', 'bar'], 'Error: invalid --scope values: [foo bar] (supported scopes: [cp ingress egress])\n'],
    [['zone-token', '--zone', 'z1', '--valid-for', '0s'], 'Error: You must set a token validFor value\n'],
    [['zone-token', '--zone', 'z1', '--valid-for', '1h', '--kid', '1'], 'Error: --kid cannot be used when --signing-key-path is used\n'],
    [['zone-token', '--zone', 'z1', '--valid-for', '1h', '--signing-key-path', '/k.pem'], 'Error: --kid is required when --signing-key-path is used\n'],
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
