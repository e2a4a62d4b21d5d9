import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertGolden } from '../../../../test/support/golden.js';
import { repoRoot } from '../../../../test/support/processes.js';
import { FakeControlPlane, stdError } from '../testing/fake-control-plane.js';
import { runKumactl, withHome } from '../testing/run-kumactl.js';

const testdata = join(repoRoot, 'src/cli/kumactl/testdata/get');
const read = (name: string): Promise<string> => readFile(join(testdata, name), 'utf8');
const NOW = new Date('2026-08-01T12:00:00Z');

/** A config file pointing at `url` as the current control plane. */
async function configFor(home: string, url: string): Promise<string> {
  const file = join(home, 'config');
  await writeFile(file, `controlPlanes:\n- name: test\n  coordinates:\n    apiServer:\n      url: ${url}\ncontexts:\n- name: test\n  controlPlane: test\ncurrentContext: test\n`);
  return file;
}

describe('kumactl get', () => {
  let cp: FakeControlPlane;
  before(async () => {
    cp = await new FakeControlPlane({
      intercept: (req, res) => {
        if (req.url?.startsWith('/meshes/broken/') !== true) return false;
        const body = JSON.stringify(stdError(400, 'Could not retrieve resources', 'Invalid page size', [{ field: 'size', reason: 'must be greater than 0' }]));
        res.writeHead(400, { 'content-type': 'application/json' }).end(body);
        return true;
      },
    }).start();
    for (const n of ['meshes', 'dataplanes', 'secrets', 'global-secrets', 'zones']) cp.seed(await read(`get-${n}.input.yaml`));
  });
  after(() => cp.stop());

  const get = async (...args: string[]) =>
    withHome(async (home) => runKumactl({ home, now: NOW }, '--config-file', await configFor(home, cp.url), 'get', ...args));

  for (const n of ['meshes', 'dataplanes', 'secrets', 'global-secrets', 'zones']) {
    it(`${n}: table, yaml and json as Kuma prints them`, async () => {
      const table = await get(n);
      assert.equal(table.code, 0, table.stderr);
      assert.equal(table.stderr, '');
      assert.equal(table.stdout, await read(`get-${n}.golden.txt`));

      const yaml = await get(n, '-o', 'yaml');
      assert.equal(yaml.stdout, await read(`get-${n}.golden.yaml`));

      const json = await get(n, '--output=json');
      assert.deepEqual(JSON.parse(json.stdout), JSON.parse(await read(`get-${n}.golden.json`)));
      assert.match(json.stdout, /^\{\n {2}"total": 2,\n {2}"items": \[/);

      const page = await get(n, '--size', '1');
      assert.equal(page.stdout, await read(`get-${n}.pagination.golden.txt`));
      assert.ok(cp.requests.some((r) => r.url.endsWith('?size=1')));
    });
  }

  it('a single resource, in each format (golden)', async () => {
    const table = await get('mesh', 'mesh1');
    assert.equal(table.stdout, 'NAME    mTLS                LOCALITY   ZONEEGRESS   AGE\nmesh1   builtin/builtin-1   on         on           292y\n');
    await assertGolden('src/cli/kumactl/testdata/get/get-mesh.ours.golden.yaml', (await get('mesh', 'mesh1', '-o', 'yaml')).stdout);
    await assertGolden('src/cli/kumactl/testdata/get/get-dataplane.ours.golden.yaml', (await get('dataplane', 'example', '--mesh', 'default', '-o', 'yaml')).stdout);
    await assertGolden('src/cli/kumactl/testdata/get/get-global-secret.ours.golden.json', (await get('global-secret', 'sec-1', '-o', 'json')).stdout);
  });

  it('says "No resources found" as Kuma does', async () => {
    const dp = await get('dataplane', 'nope', '-m', 'default');
    assert.equal(dp.code, 1);
    assert.equal(dp.stderr, 'Error: No resources found in default mesh\n');
    const mesh = await get('mesh', 'nope');
    assert.equal(mesh.stderr, 'Error: No resources found\n');
  });

  it('renders API errors as title (detail) and * field: reason lines', async () => {
    const r = await get('dataplanes', '--mesh', 'broken');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: Could not retrieve resources (Invalid page size)\n* size: must be greater than 0\n');
  });

  it('rejects an unknown output format and an unknown type', async () => {
    assert.equal((await get('meshes', '-o', 'xml')).stderr, 'Error: unknown output format "xml"\n');
    assert.equal((await get('foos')).stderr, 'Error: unknown command "foos"\n');
  });

  it('sends the configured headers and the bearer token; warns about another server version', async () => {
    const other = await new FakeControlPlane({ index: { version: '9.9.9' } }).start();
    try {
      await withHome(async (home) => {
        const file = join(home, 'config');
        await writeFile(
          file,
          `controlPlanes:\n- name: t\n  coordinates:\n    apiServer:\n      url: ${other.url}\n      authType: tokens\n      authConf: {token: tok}\n      headers: [{key: X-Team, value: blue}]\ncontexts:\n- {name: t, controlPlane: t}\ncurrentContext: t\n`,
        );
        const r = await runKumactl({ home }, '--config-file', file, 'get', 'zones');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /^WARNING: You are using kumactl version \S+ for Kuma, but the server returned version: 9\.9\.9 for Kuma\n$/);
        const req = other.requests.find((q) => q.url === '/zones');
        assert.equal(req?.headers['authorization'], 'Bearer tok');
        assert.equal(req?.headers['x-team'], 'blue');
        assert.match(String(req?.headers['user-agent']), /^kumactl\//);
      });
    } finally {
      await other.stop();
    }
  });
});
