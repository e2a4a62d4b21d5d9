import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertGoldenBody, testdata } from './testing/golden.js';
import { REMOTE, startTestApi, type TestApi } from './testing/harness.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const dp = (mesh: string, name: string, tags: Record<string, string> = { 'kuma.io/service': 'web' }, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'Dataplane', mesh, name, networking: { address: '10.1.2.1', inbound: [{ port: 1234, tags }] }, ...extra });

describe('resources: Kuma golden bodies', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi();
    const r = await t.api.app.inject({ method: 'PUT', url: '/meshes/default/dataplanes/dp-1', headers: JSON_HEADERS, payload: dp('default', 'dp-1', { 'kuma.io/service': 'my-svc' }) });
    assert.equal(r.statusCode, 201);
  });
  after(() => t.close());

  // put_dataplanes.input.yaml of Kuma's resources/crud tests.
  const puts: [number, string, number][] = [
    [0, '/meshes/default/dataplanes/dp-2', 201],
    [1, '/meshes/default/dataplanes/foo', 400],
    [2, '/meshes/default/dataplanes/dp-3', 400],
    [3, '/meshes/default/dataplanes/dp-4', 400],
    [4, '/meshes/default/dataplanes/dp-5', 400],
    [5, '/meshes/default/dataplanes/dp-5', 400],
    [6, '/meshes/default/dataplanes/dp-5', 400],
    [7, '/meshes/default/dataplanes/dp-5', 400],
    [8, '/meshes/default/dataplanes/dp-5', 400],
    [9, '/meshes/default/dataplanes/dp-6', 201],
  ];
  for (const [i, url, status] of puts) {
    it(`put_dataplanes_0${i}: PUT ${url} → ${status}`, async () => {
      const r = await t.api.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload: testdata(`put_dataplanes_0${i}.request.json`) });
      assert.equal(r.statusCode, status);
      assert.equal(r.headers['content-type'], 'application/json');
      assertGoldenBody(r.body, `put_dataplanes_0${i}.golden.json`);
    });
  }

  it('resource_400onmeshlabeldiffer', async () => {
    const r = await t.api.app.inject({ method: 'PUT', url: '/meshes/default/dataplanes/dp-9', headers: JSON_HEADERS, payload: dp('default', 'dp-9', undefined, { labels: { 'kuma.io/mesh': 'other' } }) });
    assert.equal(r.statusCode, 400);
    assertGoldenBody(r.body, 'resource_400onmeshlabeldiffer.golden.json');
  });

  it('list_mesh_doesnt_exist_not_found', async () => {
    const r = await t.api.app.inject({ url: '/meshes/not-a-mesh/meshtrafficpermissions' });
    assert.equal(r.statusCode, 404);
    assertGoldenBody(r.body, 'list_mesh_doesnt_exist_not_found.golden.json');
  });

  it('filters on anything but labels, and advanced filters, are refused', async () => {
    let r = await t.api.app.inject({ url: '/meshes/default/dataplanes?filter[labelds.k8s.kuma.io/namespace]=ns1' });
    assert.equal(r.statusCode, 400);
    assertGoldenBody(r.body, 'list_dp_with_label_filter_bad.golden.json');
    r = await t.api.app.inject({ url: '/meshes/default/dataplanes?filter[labels.k8s.kuma.io/namespace][eq]=ns1' });
    assert.equal(r.statusCode, 400);
    assertGoldenBody(r.body, 'list_dp_with_label_filter_op_unsupported.golden.json');
  });

  it('who-am-i and _resources', async () => {
    assertGoldenBody((await t.api.app.inject({ url: '/who-am-i' })).body, 'who-am-i.golden.json');
    assertGoldenBody((await t.api.app.inject({ url: '/_resources' })).body, '_resources.golden.json');
  });
});

describe('resources: pagination (Kuma list_mesh goldens)', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi({ noDefaultMesh: true });
    for (const m of ['m1', 'm2', 'm3']) {
      const r = await t.api.app.inject({ method: 'PUT', url: `/meshes/${m}`, headers: JSON_HEADERS, payload: JSON.stringify({ type: 'Mesh', name: m }) });
      assert.equal(r.statusCode, 201);
    }
  });
  after(() => t.close());

  const cases: [number, string, number][] = [
    [0, '/meshes?offset=invalid', 400],
    [1, '/meshes?size=invalid', 400],
    [2, '/meshes?size=2000', 400],
    [3, '/meshes?size=2&offset=1', 200],
    [4, '/meshes?size=2', 200],
  ];
  for (const [i, url, status] of cases) {
    it(`list_mesh_0${i}: ${url}`, async () => {
      const r = await t.api.app.inject({ url, headers: { host: 'cp.example:5681' } });
      assert.equal(r.statusCode, status);
      assertGoldenBody(r.body, `list_mesh_0${i}.golden.json`, { address: 'cp.example:5681' });
    });
  }

  it('other pagination errors', async () => {
    const size0 = JSON.parse((await t.api.app.inject({ url: '/meshes?size=0' })).body);
    assert.deepEqual(size0.invalid_parameters, [{ field: 'size', reason: 'must be greater than 0' }]);
    const neg = JSON.parse((await t.api.app.inject({ url: '/meshes?offset=-1' })).body);
    assert.equal(neg.detail, 'invalid: invalid offset: must be non-negative');
    const far = JSON.parse((await t.api.app.inject({ url: '/meshes?offset=99' })).body);
    assert.deepEqual([far.total, far.items.length, far.next], [3, 0, null]);
  });

  it('next keeps the other parameters, sorted and re-encoded', async () => {
    const r = JSON.parse((await t.api.app.inject({ url: '/meshes?size=1&name=m&zzz=a%20b', headers: { host: 'h:1' } })).body);
    assert.equal(r.next, 'http://h:1/meshes?name=m&offset=1&size=1&zzz=a+b');
    assert.equal(r.total, 3);
  });
});

describe('resources: CRUD, filters, overviews', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi();
  });
  after(() => t.close());
  const put = (url: string, payload: string, extra: Record<string, unknown> = {}) => t.api.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload, ...extra });

  it('PUT creates (201) then updates (200); GET returns the envelope; DELETE removes', async () => {
    assert.equal((await put('/meshes/default/dataplanes/web-1', dp('default', 'web-1'))).statusCode, 201);
    assert.equal((await put('/meshes/default/dataplanes/web-1', dp('default', 'web-1', { 'kuma.io/service': 'web', version: 'v2' }))).statusCode, 200);
    const got = JSON.parse((await t.api.app.inject({ url: '/meshes/default/dataplanes/web-1' })).body);
    assert.equal(got.type, 'Dataplane');
    assert.equal(got.networking.inbound[0].tags.version, 'v2');
    assert.equal(got.labels['kuma.io/mesh'], 'default');
    const del = await t.api.app.inject({ method: 'DELETE', url: '/meshes/default/dataplanes/web-1' });
    assert.deepEqual([del.statusCode, del.body], [200, '{}']);
    const gone = JSON.parse((await t.api.app.inject({ url: '/meshes/default/dataplanes/web-1' })).body);
    assert.deepEqual([gone.status, gone.title, gone.detail], [404, 'Could not retrieve a resource', 'Not found']);
    const del2 = JSON.parse((await t.api.app.inject({ method: 'DELETE', url: '/meshes/default/dataplanes/web-1' })).body);
    assert.deepEqual([del2.status, del2.title], [404, 'Could not delete a resource']);
  });

  it('a PUT into a missing mesh is 404 "Failed to retrieve Mesh"', async () => {
    const r = JSON.parse((await put('/meshes/nope/dataplanes/x', dp('nope', 'x'))).body);
    assert.deepEqual([r.status, r.title, r.detail], [404, 'Failed to retrieve Mesh', 'Not found']);
  });

  it('a Mesh with mTLS on and no MeshTrafficPermission gets a warning that all traffic is denied', async () => {
    const mesh = (name: string): string => JSON.stringify({ type: 'Mesh', name, mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } });
    const r = await put('/meshes/mtls-warn', mesh('mtls-warn'));
    assert.equal(r.statusCode, 201, r.body);
    assert.match(JSON.parse(r.body).warnings[0], /^mTLS is enabled on Mesh "mtls-warn" and the mesh has no MeshTrafficPermission/);
    const mtp = { type: 'MeshTrafficPermission', mesh: 'mtls-warn', name: 'allow', spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] } };
    assert.equal((await put('/meshes/mtls-warn/meshtrafficpermissions/allow', JSON.stringify(mtp))).statusCode, 201);
    const again = await put('/meshes/mtls-warn', mesh('mtls-warn'));
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(JSON.parse(again.body), {});
  });

  it('Mesh create returns deprecation warnings; mesh-manager errors say "Failed to create a resource"', async () => {
    const r = await put('/meshes/aa.a', JSON.stringify({ type: 'Mesh', name: 'aa.a' }));
    assert.equal(r.statusCode, 201);
    assert.match(JSON.parse(r.body).warnings[0], /^Invalid Mesh resource name: 'aa.a'/);
    const long = 'm'.repeat(64);
    const bad = JSON.parse((await put(`/meshes/${long}`, JSON.stringify({ type: 'Mesh', name: long }))).body);
    assert.deepEqual([bad.status, bad.title, bad.invalid_parameters], [400, 'Failed to create a resource', [{ field: 'name', reason: 'cannot be longer than 63 characters' }]]);
  });

  it('deleting a Mesh with Dataplanes is refused; the list cache sees deletes at once', async () => {
    assert.equal((await put('/meshes/m2', JSON.stringify({ type: 'Mesh', name: 'm2' }))).statusCode, 201);
    assert.equal((await put('/meshes/m2/dataplanes/a', dp('m2', 'a'))).statusCode, 201);
    assert.equal(JSON.parse((await t.api.app.inject({ url: '/meshes/m2/dataplanes' })).body).total, 1);
    const refused = JSON.parse((await t.api.app.inject({ method: 'DELETE', url: '/meshes/m2' })).body);
    assert.deepEqual([refused.status, refused.title, refused.invalid_parameters[0].reason], [400, 'Could not delete a resource', 'unable to delete mesh, there are still some dataplanes attached']);
    assert.equal((await t.api.app.inject({ method: 'DELETE', url: '/meshes/m2/dataplanes/a' })).statusCode, 200);
    assert.equal(JSON.parse((await t.api.app.inject({ url: '/meshes/m2/dataplanes' })).body).total, 0);
    assert.equal((await t.api.app.inject({ method: 'DELETE', url: '/meshes/m2' })).statusCode, 200);
    assert.equal((await t.api.app.inject({ url: '/meshes/m2/dataplanes' })).statusCode, 404);
  });

  it('name=, filter[labels.k]=, tag= and gateway= filters; the list across meshes', async () => {
    await put('/meshes/default/dataplanes/backend-1', dp('default', 'backend-1', { 'kuma.io/service': 'backend', version: 'v1' }, { labels: { team: 'a' } }));
    await put('/meshes/default/dataplanes/backend-2', dp('default', 'backend-2', { 'kuma.io/service': 'backend', version: 'v2' }, { labels: { team: 'b' } }));
    await put('/meshes/default/dataplanes/gw', JSON.stringify({ type: 'Dataplane', mesh: 'default', name: 'gw', networking: { address: '10.0.0.9', gateway: { type: 'BUILTIN', tags: { 'kuma.io/service': 'edge' } } } }));
    const names = async (q: string) => JSON.parse((await t.api.app.inject({ url: `/meshes/default/dataplanes${q}` })).body).items.map((i: { name: string }) => i.name);
    assert.deepEqual(await names('?name=backend'), ['backend-1', 'backend-2']);
    assert.deepEqual(await names('?filter[labels.team]=b'), ['backend-2']);
    assert.deepEqual(await names('?tag=version:2'), ['backend-2']);
    assert.deepEqual(await names('?tag=kuma.io/service:*'), ['backend-1', 'backend-2', 'gw']);
    assert.deepEqual(await names('?gateway=builtin'), ['gw']);
    assert.deepEqual(await names('?gateway=false&size=1'), ['backend-1']);
    const bad = JSON.parse((await t.api.app.inject({ url: '/meshes/default/dataplanes?gateway=maybe' })).body);
    assert.equal(bad.invalid_parameters[0].reason, "shoud use `true`, `false`, 'builtin' or 'delegated' instead of maybe");
    const all = JSON.parse((await t.api.app.inject({ url: '/dataplanes?name=backend' })).body);
    assert.equal(all.total, 2);
  });

  it('overviews: list omits a missing insight, get shows it empty; zones too', async () => {
    const list = JSON.parse((await t.api.app.inject({ url: '/meshes/default/dataplanes/_overview?name=backend-1' })).body);
    assert.equal(list.items[0].type, 'DataplaneOverview');
    assert.ok(list.items[0].dataplane.networking);
    assert.equal('dataplaneInsight' in list.items[0], false);
    const legacy = JSON.parse((await t.api.app.inject({ url: '/meshes/default/dataplanes+insights?name=backend-1' })).body);
    assert.deepEqual(legacy, list);
    const one = JSON.parse((await t.api.app.inject({ url: '/meshes/default/dataplanes+insights/backend-1' })).body);
    assert.deepEqual(one.dataplaneInsight, {});
    assert.equal((await put('/zones/z1', JSON.stringify({ type: 'Zone', name: 'z1', enabled: true }))).statusCode, 201);
    const zones = JSON.parse((await t.api.app.inject({ url: '/zones+insights' })).body);
    assert.deepEqual([zones.items[0].type, zones.items[0].zone], ['ZoneOverview', { enabled: true }]);
  });

  it('GET ?format=k8s is refused clearly; other formats get Kuma\'s one-of message', async () => {
    const k8s = JSON.parse((await t.api.app.inject({ url: '/meshes/default?format=k8s' })).body);
    assert.deepEqual([k8s.status, k8s.title], [400, 'Bad Request']);
    const other = JSON.parse((await t.api.app.inject({ url: '/meshes/default?format=xml' })).body);
    assert.equal(other.invalid_parameters[0].reason, '"format" must be one of ["k8s", "kubernetes", "universal"]');
  });

  it('MeshTrafficPermission (plugin envelope) and global secrets at both paths', async () => {
    const mtp = { type: 'MeshTrafficPermission', mesh: 'default', name: 'allow', spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] } };
    const r = await put('/meshes/default/meshtrafficpermissions/allow', JSON.stringify(mtp));
    assert.equal(r.statusCode, 201);
    assert.ok(JSON.parse(r.body).warnings.length > 0);
    const got = JSON.parse((await t.api.app.inject({ url: '/meshes/default/meshtrafficpermissions/allow' })).body);
    assert.deepEqual(got.spec, mtp.spec);
    assert.equal((await put('/global-secrets/s1', JSON.stringify({ type: 'GlobalSecret', name: 's1', data: 'c2VjcmV0' }))).statusCode, 201);
    assert.equal(JSON.parse((await t.api.app.inject({ url: '/globalsecrets/s1' })).body).data, 'c2VjcmV0');
  });

  it('read-only types answer 405 with the mode message', async () => {
    const r = JSON.parse((await put('/meshes/default/dataplane-insights/x', '{}')).body);
    assert.deepEqual([r.status, r.title], [405, 'Method not allowed']);
    assert.match(r.detail, /^On zone control plane you can only modify zone resources/);
  });

  it('unknown paths, wrong methods', async () => {
    const r = await t.api.app.inject({ url: '/meshes/default/nothings' });
    assert.equal(r.statusCode, 404);
    assert.equal(JSON.parse(r.body).type, '/std-errors');
    const m = await t.api.app.inject({ method: 'POST', url: '/meshes/default' });
    assert.deepEqual([m.statusCode, m.headers['allow']], [405, 'GET, PUT, DELETE']);
  });

  it('anonymous remote callers may read non-admin resources', async () => {
    const r = await t.api.app.inject({ url: '/meshes', remoteAddress: REMOTE });
    assert.equal(r.statusCode, 200);
  });
});
