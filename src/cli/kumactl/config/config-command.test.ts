import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { assertGolden } from '../../../../test/support/golden.js';
import { repoRoot } from '../../../../test/support/processes.js';
import { PRODUCT } from '../../../core/version.js';
import { FakeControlPlane } from '../testing/fake-control-plane.js';
import { runKumactl, withHome } from '../testing/run-kumactl.js';

const testdata = join(repoRoot, 'src/cli/kumactl/testdata/config');
const golden = (name: string): string => `src/cli/kumactl/testdata/config/${name}`;
const readTestdata = (name: string): Promise<string> => readFile(join(testdata, name), 'utf8');

describe('kumactl config control-planes', () => {
  let cp: FakeControlPlane;
  before(async () => {
    cp = await new FakeControlPlane({ users: { 'good-token': { name: 'alice', groups: ['team-a'] } } }).start();
  });
  after(() => cp.stop());

  const addCases: [string, boolean, string[]][] = [
    ['01', false, []],
    ['02', false, []],
    ['03', true, []],
    ['04', true, ['--headers', 'abc=xyz', '--headers', 'def=pqr']],
    ['05', true, ['--headers', 'abc=xyz']],
  ];
  for (const [n, overwrite, extra] of addCases) {
    it(`add writes the config Kuma writes (case ${n}), mode 0600`, async () => {
      await withHome(async (home) => {
        const file = join(home, 'config');
        await writeFile(file, await readTestdata(`config-control-planes-add.${n}.initial.yaml`), { mode: 0o644 });
        const r = await runKumactl(
          { home },
          ...['--config-file', file, 'config', 'control-planes', 'add', '--name', 'example', '--address', 'http://placeholder-address'],
          ...['--ca-cert-file', '/tmp/ca-cert.pem', '--client-cert-file', '/tmp/client.cert.pem', '--client-key-file', '/tmp/client.key.pem', '--skip-check'],
          ...(overwrite ? ['--overwrite'] : []),
          ...extra,
        );
        assert.equal(r.stderr, '');
        assert.equal(r.code, 0);
        assert.equal(r.stdout, 'added Control Plane "example"\nswitched active Control Plane to "example"\n');
        const written = await readFile(file, 'utf8');
        assert.deepEqual(parse(written), parse(await readTestdata(`config-control-planes-add.${n}.golden.yaml`)));
        await assertGolden(golden(`add.${n}.ours.golden.yaml`), written);
        assert.equal((await stat(file)).mode & 0o777, 0o600);
      });
    });
  }

  it('list prints the ACTIVE/NAME/ADDRESS table (snake_case file accepted)', async () => {
    const r = await runKumactl({ home: '/nonexistent' }, '--config-file', join(testdata, 'config-control-planes-list.config.yaml'), 'config', 'control-planes', 'list');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, await readTestdata('config-control-planes-list.golden.txt'));
  });

  it('view prints the config with JSON names, sorted', async () => {
    const r = await runKumactl({ home: '/nonexistent' }, '--config-file', join(testdata, 'config-view.config.yaml'), 'config', 'view');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${await readTestdata('config-view.golden.yaml')}\n`);
  });

  const removeCases: [string, string][] = [
    ['11', 'removed Control Plane "example"\nswitched active Control Plane to "other"\n'],
    ['12', 'removed Control Plane "example"\nswitched active Control Plane to "other"\n'],
    ['13', 'removed Control Plane "example"\nthere is no active Control Plane left. Use `kumactl config control-planes add` to add a Control Plane and make it active\n'],
  ];
  for (const [n, out] of removeCases) {
    it(`remove (case ${n})`, async () => {
      await withHome(async (home) => {
        const file = join(home, 'config');
        await writeFile(file, await readTestdata(`config-control-planes-remove.${n}.initial.yaml`));
        const r = await runKumactl({ home }, '--config-file', file, 'config', 'control-planes', 'remove', '--name', 'example');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, out);
        const want = await readTestdata(`config-control-planes-remove.${n}.golden.yaml`);
        assert.deepEqual(parse(await readFile(file, 'utf8')), parse(want));
      });
    });
  }

  for (const n of ['11', '12']) {
    it(`switch (case ${n})`, async () => {
      await withHome(async (home) => {
        const file = join(home, 'config');
        await writeFile(file, await readTestdata(`config-control-planes-use.${n}.initial.yaml`));
        const r = await runKumactl({ home }, '--config-file', file, 'config', 'control-planes', 'switch', '--name', 'example');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'switched active Control Plane to "example"\n');
        assert.deepEqual(parse(await readFile(file, 'utf8')), parse(await readTestdata(`config-control-planes-use.${n}.golden.yaml`)));
      });
    });
  }

  const errors: [string[], string][] = [
    [['add'], 'Error: required flag(s) "address", "name" not set\n'],
    [['add', '--name', 'example'], 'Error: required flag(s) "address" not set\n'],
    [['add', '--name', 'x', '--address', 'http://localhost:1234', '--auth-type', 'unknown'], 'Error: authentication plugin of type "unknown" is not found\n'],
    [['add', '--name', 'x', '--address', 'http://localhost:1234', '--auth-type', 'tokens'], 'Error: --auth-conf is not valid: provide token=YOUR_TOKEN\n'],
    [['add', '--name', 'x', '--address', 'http://localhost:1234', '--auth-type', 'tokens', '--auth-conf', 'other=1'], 'Error: --auth-conf is not valid: provide token=YOUR_TOKEN\n'],
    [['add', '--name', 'x', '--address', 'localhost:5681'], 'Error: API Server URL is invalid: parse "localhost:5681": invalid URI for request\n'],
    [['add', '--name', 'x', '--address', 'ftp://a/'], 'Error: API Server URL is invalid: unsupported protocol scheme "ftp": use an http:// or https:// address\n'],
    [['add', '--name', 'x', '--address', 'http://a', '--client-cert-file', '/c.pem'], 'Error: Both --client-cert-file and --client-key-file needs to be specified\n'],
    [['add', '--name', 'x', '--address', 'http://a', '--headers', 'novalue'], 'Error: invalid argument "novalue" for "--headers" flag: novalue must be formatted as key=value\n'],
    [['switch', '--name', 'example'], 'Error: there is no Control Plane with name "example"\n'],
    [['remove', '--name', 'example'], 'Error: there is no Control Plane with name "example"\n'],
    [['switch'], 'Error: required flag(s) "name" not set\n'],
  ];
  for (const [args, want] of errors) {
    it(`rejects ${args.join(' ')}`, async () => {
      await withHome(async (home) => {
        const r = await runKumactl({ home }, 'config', 'control-planes', ...args);
        assert.equal(r.code, 1);
        assert.equal(r.stderr, want);
        assert.equal(r.stdout, '');
      });
    });
  }

  it('refuses a duplicate name without --overwrite', async () => {
    await withHome(async (home) => {
      const file = join(home, 'config');
      await writeFile(file, await readTestdata('config-control-planes-add.01.golden.yaml'));
      const r = await runKumactl({ home }, '--config-file', file, 'config', 'control-planes', 'add', '--name', 'example', '--address', cp.url);
      assert.equal(r.stderr, 'Error: Control Plane with name "example" already exists. Use --overwrite to replace an existing one.\n');
      assert.equal(r.code, 1);
    });
  });

  it('creates ~/.kumactl/config (0600, dir 0700) with the local control plane on first use', async () => {
    await withHome(async (home) => {
      const r = await runKumactl({ home }, 'config', 'control-planes', 'list');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'ACTIVE   NAME    ADDRESS\n*        local   http://localhost:5681\n');
      const file = join(home, '.kumactl', 'config');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(join(home, '.kumactl'))).mode & 0o777, 0o700);
      await assertGolden(golden('default-config.golden.yaml'), await readFile(file, 'utf8'));
    });
  });

  it('--no-config never writes: reads use the default, changes are refused', async () => {
    await withHome(async (home) => {
      const list = await runKumactl({ home }, '--no-config', 'config', 'control-planes', 'list');
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /local {3}http:\/\/localhost:5681/);
      const add = await runKumactl({ home }, '--no-config', 'config', 'control-planes', 'add', '--name', 'x', '--address', cp.url);
      assert.equal(add.code, 1);
      assert.match(add.stderr, /^Error: --no-config is set/);
      await assert.rejects(stat(join(home, '.kumactl')));
    });
  });

  it('an unparsable config file names the file', async () => {
    await withHome(async (home) => {
      const file = join(home, 'config');
      await writeFile(file, 'controlPlanes: 5\n');
      const r = await runKumactl({ home }, '--config-file', file, 'config', 'view');
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `Error: Failed to parse configuration from file "${file}": .controlPlanes: expected a list\n`);
    });
  });

  describe('the connectivity and credentials check', () => {
    const add = (home: string, ...extra: string[]) => runKumactl({ home }, 'config', 'control-planes', 'add', '--name', 'example', ...extra);

    it('checks the product and says who we are with the token', async () => {
      await withHome(async (home) => {
        const r = await add(home, '--address', cp.url, '--auth-type', 'tokens', '--auth-conf', 'token=good-token');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'authenticated as "alice" (groups: team-a, mesh-system:authenticated)\nadded Control Plane "example"\nswitched active Control Plane to "example"\n');
        const whoAmI = cp.requests.filter((q) => q.url === '/who-am-i').at(-1);
        assert.equal(whoAmI?.headers['authorization'], 'Bearer good-token');
        const index = cp.requests.filter((q) => q.url === '/').at(-1);
        assert.equal(index?.headers['authorization'], undefined, 'the index check runs without credentials, as in Kuma');
        const saved = parse(await readFile(join(home, '.kumactl', 'config'), 'utf8')) as { controlPlanes: { coordinates: { apiServer: unknown } }[] };
        assert.deepEqual(saved.controlPlanes[1]?.coordinates.apiServer, { url: cp.url, authType: 'tokens', authConf: { token: 'good-token' } });
      });
    });

    it('says when requests run anonymously', async () => {
      await withHome(async (home) => {
        const r = await add(home, '--address', cp.url);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^not authenticated: requests run as "mesh-system:anonymous" \(groups: mesh-system:unauthenticated\)\n/);
      });
    });

    it('fails on a rejected token, naming the token, and saves nothing', async () => {
      await withHome(async (home) => {
        const r = await add(home, '--address', cp.url, '--auth-type', 'tokens', '--auth-conf', 'token=forged');
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^Error: the Control Plane API Server rejected the token given with --auth-conf \(Invalid authentication data: Unauthenticated\)/);
        assert.doesNotMatch(r.stderr, /forged/);
        const list = await runKumactl({ home }, 'config', 'control-planes', 'list');
        assert.doesNotMatch(list.stdout, /example/);
      });
    });

    it('fails when the API does not answer in --api-timeout', async () => {
      const slow = await new FakeControlPlane({ intercept: async () => new Promise<boolean>(() => {}) }).start();
      try {
        await withHome(async (home) => {
          const r = await runKumactl({ home }, '--api-timeout', '100ms', 'config', 'control-planes', 'add', '--name', 'example', '--address', slow.url);
          assert.equal(r.code, 1);
          assert.match(r.stderr, /^Error: could not connect to the Control Plane API Server: Get "http:\/\/127\.0\.0\.1:\d+\/": no complete answer within 100ms \(Client\.Timeout exceeded/);
        });
      } finally {
        await slow.stop();
      }
    });

    it('refuses a control plane of another product', async () => {
      const other = await new FakeControlPlane({ index: { product: 'OtherProduct' } }).start();
      try {
        await withHome(async (home) => {
          const r = await add(home, '--address', other.url);
          assert.equal(r.code, 1);
          assert.equal(r.stderr, `Error: this CLI is for ${PRODUCT} but the control plane you're connected to is OtherProduct. Please use the CLI for your control plane\n`);
        });
      } finally {
        await other.stop();
      }
    });

    it('explains a refused connection', async () => {
      await withHome(async (home) => {
        await mkdir(join(home, 'x'));
        const r = await add(home, '--address', 'http://127.0.0.1:1');
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^Error: could not connect to the Control Plane API Server: Get "http:\/\/127\.0\.0\.1:1\/": connection to 127\.0\.0\.1:1 refused: nothing is listening there/);
      });
    });
  });
});
