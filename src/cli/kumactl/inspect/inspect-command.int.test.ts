import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { assertGolden } from '../../../../test/support/golden.js';
import { repoRoot } from '../../../../test/support/processes.js';
import { startTestApi, type TestApi } from '../../../api-server/testing/harness.js';
import type { JsonObject } from '../../../core/resources/json.js';
import { FakeControlPlane } from '../testing/fake-control-plane.js';
import { runKumactl, withHome } from '../testing/run-kumactl.js';

const TESTDATA = 'src/cli/kumactl/testdata/inspect';
const read = (name: string): Promise<string> => readFile(join(repoRoot, TESTDATA, name), 'utf8');
// The clock of Kuma's inspect_dataplanes_test.go, so its golden table applies.
const NOW = new Date('2019-07-17T18:08:41Z');

async function configFor(home: string, url: string): Promise<string> {
  const file = join(home, 'config');
  await writeFile(file, `controlPlanes:\n- name: test\n  coordinates:\n    apiServer:\n      url: ${url}\ncontexts:\n- name: test\n  controlPlane: test\ncurrentContext: test\n`);
  return file;
}

/** Header line as is, then the rows sorted (our store lists by name, Kuma's test client in insertion order). */
const headerAndSortedRows = (table: string): [string, string[]] => {
  const [header = '', ...rows] = table.split('\n').filter((l) => l !== '');
  return [header, rows.sort()];
};

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// kumactl inspect against our real API server, with Dataplanes and DataplaneInsights in its store.
describe('kumactl inspect dataplanes|meshes against src/api-server', () => {
  let t: TestApi;
  let server: Server;
  let url = '';
  before(async () => {
    t = await startTestApi();
    ({ server, url } = await listen(t.api.handler));
    for (const doc of parseAllDocuments(await read('inspect-dataplanes.input.yaml'))) {
      const { type, mesh, name, spec, ...rest } = doc.toJS() as { type: string; mesh: string; name: string; spec?: JsonObject } & JsonObject;
      await t.manager.create({ type, meta: { name, mesh }, spec: spec ?? rest });
    }
    // A second mesh: one connected gateway (Online without inbounds), one disconnected proxy.
    await t.manager.create({ type: 'Mesh', meta: { name: 'edge', mesh: '' }, spec: {} });
    await t.manager.create({ type: 'Dataplane', meta: { name: 'gw-1', mesh: 'edge' }, spec: { networking: { address: '10.0.0.9', gateway: { tags: { 'kuma.io/service': 'edge-gw' } } } } });
    await t.manager.create({
      type: 'DataplaneInsight',
      meta: { name: 'gw-1', mesh: 'edge' },
      spec: { subscriptions: [{ id: 'a', controlPlaneInstanceId: 'cp-1', connectTime: '2019-07-17T18:00:00Z', status: { lastUpdateTime: '2019-07-17T18:08:00Z', total: { responsesSent: '3' } } }] },
    });
    await t.manager.create({ type: 'Dataplane', meta: { name: 'web-1', mesh: 'edge' }, spec: { networking: { address: '10.0.0.10', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }] } } });
    await t.manager.create({
      type: 'DataplaneInsight',
      meta: { name: 'web-1', mesh: 'edge' },
      spec: { subscriptions: [{ id: 'b', controlPlaneInstanceId: 'cp-1', connectTime: '2019-07-17T17:00:00Z', disconnectTime: '2019-07-17T17:30:00Z' }] },
    });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
  });

  const inspect = (...args: string[]) => withHome(async (home) => runKumactl({ home, now: NOW }, '--config-file', await configFor(home, url), 'inspect', ...args));

  it("dataplanes: Kuma's golden table (status from subscriptions and inbound health)", async () => {
    const r = await inspect('dataplanes');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(headerAndSortedRows(r.stdout), headerAndSortedRows(await read('inspect-dataplanes.golden.txt')));
    assert.equal((await inspect('dataplanes', '--mesh', 'default', '-o', 'table')).stdout, r.stdout);
  });

  it('dataplanes: --tag filters on the server (tag=k:v), repeatable', async () => {
    const one = await inspect('dataplanes', '--tag', 'kuma.io/service=mobile');
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      one.stdout.split('\n').slice(1, -1).map((l) => l.split(/\s+/)[1]),
      ['experiment'],
    );
    const both = await inspect('dataplanes', '--tag', 'kuma.io/service=example', '--tag', 'version=v1');
    assert.equal(both.stdout.split('\n').length, 2, 'header only: no dataplane has both tags on one inbound');
    const gateways = await inspect('dataplanes', '--gateway', '--ingress');
    assert.equal(gateways.code, 0, gateways.stderr);
    assert.equal(gateways.stdout.split('\n').length, 2, 'no gateway in mesh default; --ingress is ignored by the server');
    const example = await inspect('dataplanes', '--tag', 'kuma.io/service=exam');
    assert.equal(example.stdout.split('\n').length - 2, 3, 'substring match as Kuma: degraded-dp, example, offline-dp');
  });

  it('dataplanes: a gateway is Online when connected; a disconnected proxy is Offline', async () => {
    const r = await inspect('dataplanes', '-m', 'edge');
    assert.equal(r.code, 0, r.stderr);
    await assertGolden(`${TESTDATA}/inspect-dataplanes-edge.ours.golden.txt`, r.stdout);
    assert.match(r.stdout, /\nedge\s+gw-1\s+kuma\.io\/service=edge-gw\s+Online\s+8m\s+41s\s+3\s+0\s+never\s+-\s+0\s+-\s/);
    assert.match(r.stdout, /\nedge\s+web-1\s+kuma\.io\/service=web\s+Offline\s+1h\s+never\s/);
  });

  it('dataplanes: -o json and -o yaml print the overview list the server sent', async () => {
    const json = await inspect('dataplanes', '-o', 'json');
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout) as { total: number; items: JsonObject[]; next: null };
    assert.equal(body.total, 4);
    assert.equal(body.next, null);
    assert.deepEqual(body.items.map((i) => [i['type'], i['name']]), ['degraded-dp', 'example', 'experiment', 'offline-dp'].map((n) => ['DataplaneOverview', n]));
    await assertGolden(`${TESTDATA}/inspect-dataplanes.ours.golden.json`, json.stdout);
    await assertGolden(`${TESTDATA}/inspect-dataplanes.ours.golden.yaml`, (await inspect('dataplanes', '--output=yaml')).stdout);
  });

  it('dataplanes: a mesh that does not exist and a bad output format', async () => {
    const r = await inspect('dataplanes', '--mesh', 'nope');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'Error: Failed to retrieve Mesh (Not found)\n');
    assert.equal((await inspect('-o', 'xml', 'dataplanes')).stderr, 'Error: unknown output format "xml"\n');
    assert.equal((await inspect('dataplanes', '--tag', 'novalue')).stderr, 'Error: invalid argument "novalue" for "--tag" flag: novalue must be formatted as key=value\n');
  });

  it('meshes: online/total per mesh, computed by kumactl when the server keeps no MeshInsights', async () => {
    const r = await inspect('meshes');
    assert.equal(r.code, 0, r.stderr);
    await assertGolden(`${TESTDATA}/inspect-meshes.ours.golden.txt`, r.stdout);
    assert.match(r.stdout, /\ndefault\s+1\/4\s/);
    assert.match(r.stdout, /\nedge\s+1\/2\s/);
    const json = JSON.parse((await inspect('meshes', '-o', 'json')).stdout) as { items: JsonObject[] };
    assert.deepEqual(
      json.items.map((i) => [i['name'], i['dataplanes']]),
      [
        ['default', { total: 4, online: 1, offline: 2, partiallyDegraded: 1 }],
        ['edge', { total: 2, online: 1, offline: 1 }],
      ],
    );
  });
});

// Against a server that keeps MeshInsights (Kuma): they are printed as they are.
describe('kumactl inspect meshes against a server with /mesh-insights', () => {
  let cp: FakeControlPlane;
  before(async () => {
    const insights = await read('inspect-meshes.golden.json');
    cp = await new FakeControlPlane({
      intercept: (req, res) => {
        if (req.url !== '/mesh-insights') return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end(insights);
        return true;
      },
    }).start();
  });
  after(() => cp.stop());

  const inspect = (...args: string[]) => withHome(async (home) => runKumactl({ home, now: NOW }, '--config-file', await configFor(home, cp.url), 'inspect', 'meshes', ...args));

  it("table, json and yaml equal Kuma's goldens", async () => {
    const table = await inspect();
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout, await read('inspect-meshes.golden.txt'));
    assert.equal((await inspect('-otable')).stdout, table.stdout);
    assert.deepEqual(JSON.parse((await inspect('-ojson')).stdout), JSON.parse(await read('inspect-meshes.golden.json')));
    assert.equal((await inspect('-oyaml')).stdout, await read('inspect-meshes.golden.yaml'));
  });
});
