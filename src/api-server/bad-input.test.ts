import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_BODY_BYTES } from './app.js';
import { REMOTE, startTestApi, type TestApi } from './testing/harness.js';

// The "Bad input" list of issue 3 for the API: each a clear 4xx in the /std-errors shape, nothing changes.

const JSON_HEADERS = { 'content-type': 'application/json' };
const mesh = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'Mesh', name, ...extra });

describe('bad input', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi();
  });
  after(() => t.close());
  const put = (url: string, payload: string | Buffer, headers: Record<string, string> = JSON_HEADERS) => t.api.app.inject({ method: 'PUT', url, headers, payload });
  const meshNames = async () => JSON.parse((await t.api.app.inject({ url: '/meshes' })).body).items.map((i: { name: string }) => i.name);

  it('wrong or missing content type: 415', async () => {
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'application/yaml' }, {} as Record<string, string>]) {
      const r = await put('/meshes/ct', mesh('ct'), headers);
      assert.equal(r.statusCode, 415, JSON.stringify(headers));
      assert.equal(JSON.parse(r.body).title, 'Unsupported Media Type');
    }
    assert.equal((await put('/meshes/ct', mesh('ct'), { 'content-type': 'application/json; charset=utf-8' })).statusCode, 201);
  });

  it('a body over 1 MiB: 413, nothing stored', async () => {
    const big = mesh('big', { pad: 'x'.repeat(MAX_BODY_BYTES) });
    const r = await put('/meshes/big', big);
    assert.equal(r.statusCode, 413);
    const body = JSON.parse(r.body);
    assert.deepEqual([body.type, body.title], ['/std-errors', 'Payload Too Large']);
    assert.equal((await meshNames()).includes('big'), false);
  });

  it('malformed JSON, non-object bodies, hostile nesting, wrong meta types: 400 Bad Request', async () => {
    const cases: [string, string][] = [
      ['{"type":"Mesh",', 'invalid Mesh object: "unexpected end of JSON input"'],
      ['', 'invalid Mesh object: "unexpected end of JSON input"'],
      ['[1,2]', 'invalid Mesh object: "json: cannot unmarshal array into Go value of type map[string]interface {}"'],
      ['{"type":1,"name":"x"}', 'invalid Mesh object: "json: cannot unmarshal number into Go struct field ResourceMeta.type of type string"'],
      ['{"type":"Mesh","name":"x","labels":[]}', 'invalid Mesh object: "json: cannot unmarshal array into Go struct field ResourceMeta.labels of type map[string]string"'],
      [`{"type":"Mesh","name":"x","a":${'['.repeat(5000)}${']'.repeat(5000)}}`, 'invalid Mesh object: "exceeded max depth of 64"'],
    ];
    for (const [payload, detail] of cases) {
      const r = await put('/meshes/x', payload);
      assert.equal(r.statusCode, 400, payload.slice(0, 40));
      assert.deepEqual([JSON.parse(r.body).title, JSON.parse(r.body).detail], ['Bad Request', detail]);
    }
    assert.equal((await meshNames()).includes('x'), false);
  });

  it('names that break the meta rules, URL/body mismatches', async () => {
    const bad = JSON.parse((await put('/meshes/Bad_Name', mesh('Bad_Name'))).body);
    assert.deepEqual(bad.invalid_parameters, [{ field: 'name', reason: "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character" }]);
    const mismatch = JSON.parse((await put('/meshes/a', mesh('b'))).body);
    assert.deepEqual(mismatch.invalid_parameters, [{ field: 'name', reason: 'name from the URL has to be the same as in body' }]);
    const long = 'a'.repeat(300);
    assert.equal((await put(`/meshes/default/dataplanes/${long}`, JSON.stringify({ type: 'Dataplane', mesh: 'default', name: long }))).statusCode, 400);
    const labels = JSON.parse((await put('/meshes/l', mesh('l', { labels: { 'bad key!': 'v' } }))).body);
    assert.equal(labels.invalid_parameters[0].field, 'labels["bad key!"]');
    assert.deepEqual(await meshNames(), ['ct', 'default']);
  });

  it('unknown types and paths: 404 in the /std-errors shape', async () => {
    for (const url of ['/meshes/default/widgets', '/widgets/x', '/meshes/default/dataplanes/x/y/z', '/%']) {
      const r = await t.api.app.inject({ url });
      assert.ok(r.statusCode === 404 || r.statusCode === 400, url);
      assert.equal(JSON.parse(r.body).type, '/std-errors');
    }
  });

  it('concurrent updates with a stale version: one wins, the other is 409, no lost update', async () => {
    await put('/meshes/default/dataplanes/race', JSON.stringify({ type: 'Dataplane', mesh: 'default', name: 'race', networking: { address: '10.0.0.1', inbound: [{ port: 1, tags: { 'kuma.io/service': 'a' } }] } }));
    const body = (v: string) => JSON.stringify({ type: 'Dataplane', mesh: 'default', name: 'race', networking: { address: '10.0.0.1', inbound: [{ port: 1, tags: { 'kuma.io/service': 'a', v } }] } });
    const results = await Promise.all(['1', '2', '3', '4'].map((v) => put('/meshes/default/dataplanes/race', body(v))));
    const statuses = results.map((r) => r.statusCode).sort();
    assert.ok(statuses.includes(200));
    assert.ok(statuses.every((s) => s === 200 || s === 409), String(statuses));
    const conflict = results.find((r) => r.statusCode === 409);
    if (conflict) assert.deepEqual([JSON.parse(conflict.body).title, JSON.parse(conflict.body).detail], ['Conflict', 'resource conflict: type="Dataplane" name="race" mesh="default"']);
    const winners = results.map((r, i) => (r.statusCode === 200 ? String(i + 1) : undefined)).filter(Boolean);
    const stored = JSON.parse((await t.api.app.inject({ url: '/meshes/default/dataplanes/race' })).body);
    assert.ok(winners.includes(stored.networking.inbound[0].tags.v), 'the stored value is one a client was told succeeded');
  });

  it('headers that pretend to be local do not make an admin', async () => {
    const attempts: Record<string, string>[] = [{ 'x-forwarded-for': '127.0.0.1' }, { 'x-real-ip': '127.0.0.1' }, { forwarded: 'for=127.0.0.1' }, { host: 'localhost:5681' }];
    for (const headers of attempts) {
      const r = await t.api.app.inject({ url: '/global-secrets', remoteAddress: REMOTE, headers });
      assert.equal(r.statusCode, 403, JSON.stringify(headers));
    }
    const origin = await t.api.app.inject({ url: '/global-secrets', headers: { origin: 'http://evil.example' } });
    assert.equal(origin.statusCode, 403);
  });
});

describe('readOnly and CORS', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi({
      configure: (c) => {
        c.apiServer.readOnly = true;
        c.apiServer.corsAllowedDomains = ['https://gui.example.com', 'https://[a-z]+\\.apps\\.example\\.com'];
      },
    });
  });
  after(() => t.close());

  it('readOnly: every PUT and DELETE is 405, reads work, _resources says readOnly', async () => {
    const put = JSON.parse((await t.api.app.inject({ method: 'PUT', url: '/meshes/x', headers: JSON_HEADERS, payload: mesh('x') })).body);
    assert.deepEqual([put.status, put.title], [405, 'Method not allowed']);
    assert.equal((await t.api.app.inject({ method: 'DELETE', url: '/meshes/default' })).statusCode, 405);
    assert.equal((await t.api.app.inject({ url: '/meshes/default' })).statusCode, 200);
    assert.ok(JSON.parse((await t.api.app.inject({ url: '/_resources' })).body).resources.every((r: { readOnly: boolean }) => r.readOnly));
  });

  it('CORS: allowed origins (exact or whole-origin regexp) get headers and preflight answers', async () => {
    const ok = await t.api.app.inject({ url: '/meshes', remoteAddress: REMOTE, headers: { origin: 'https://gui.example.com' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://gui.example.com');
    const re = await t.api.app.inject({ url: '/meshes', remoteAddress: REMOTE, headers: { origin: 'https://team.apps.example.com' } });
    assert.equal(re.headers['access-control-allow-origin'], 'https://team.apps.example.com');
    const suffix = await t.api.app.inject({ url: '/meshes', remoteAddress: REMOTE, headers: { origin: 'https://team.apps.example.com.evil.net' } });
    assert.equal(suffix.headers['access-control-allow-origin'], undefined);
    const pre = await t.api.app.inject({ method: 'OPTIONS', url: '/meshes', remoteAddress: REMOTE, headers: { origin: 'https://gui.example.com', 'access-control-request-method': 'PUT' } });
    assert.equal(pre.statusCode, 200);
    assert.match(String(pre.headers['access-control-allow-methods']), /PUT/);
    const denied = await t.api.app.inject({ method: 'OPTIONS', url: '/meshes', remoteAddress: REMOTE, headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' } });
    assert.equal(denied.statusCode, 403);
    // A CORS-allowed browser origin is still not the local admin.
    assert.equal((await t.api.app.inject({ url: '/global-secrets', headers: { origin: 'https://gui.example.com' } })).statusCode, 403);
  });
});
