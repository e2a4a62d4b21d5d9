import assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertGoldenBody } from './testing/golden.js';
import { REMOTE, startTestApi, type TestApi } from './testing/harness.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const UNAUTHENTICATED = '{\n "type": "/std-errors",\n "status": 401,\n "title": "Invalid authentication data",\n "detail": "Unauthenticated",\n "details": "Unauthenticated"\n}';
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('authentication and authorization', () => {
  let t: TestApi;
  let clock = Date.now();
  before(async () => {
    t = await startTestApi({ now: () => new Date(), tokenNow: () => clock });
  });
  after(() => t.close());
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('§8 item 21: secrets from localhost are fine, from a remote peer 403 (golden)', async () => {
    assert.equal((await t.api.app.inject({ url: '/secrets' })).statusCode, 200);
    const r = await t.api.app.inject({ url: '/secrets', remoteAddress: REMOTE });
    assert.equal(r.statusCode, 403);
    assertGoldenBody(r.body, 'auth-admin-non-localhost.golden.json');
    for (const headers of [{ 'x-forwarded-for': '1.2.3.4' }, { origin: 'https://evil.com' }, { 'sec-fetch-site': 'cross-site' }]) {
      assert.equal((await t.api.app.inject({ url: '/meshes/default/secrets', headers })).statusCode, 403, JSON.stringify(headers));
    }
    assert.equal((await t.api.app.inject({ url: '/meshes/default/secrets', headers: { host: 'localhost:5681', origin: 'http://localhost:5681' } })).statusCode, 200);
  });

  it('§8 item 21: /config needs controlPlaneMetadata (restricted: golden 403)', async () => {
    const restricted = await startTestApi({
      configure: (c) => {
        c.access.static.controlPlaneMetadata.groups = ['mesh-system:authenticated'];
      },
    });
    try {
      const r = await restricted.api.app.inject({ url: '/config', remoteAddress: REMOTE });
      assert.equal(r.statusCode, 403);
      assertGoldenBody(r.body, 'auth-config-non-localhost.golden.json');
      const ok = await restricted.api.app.inject({ url: '/config', remoteAddress: REMOTE, headers: bearer(await restricted.userToken('viewer')) });
      assert.equal(ok.statusCode, 200);
      assert.equal(JSON.parse(ok.body).store.type, 'memory');
    } finally {
      await restricted.close();
    }
  });

  it('/config redacts secrets', async () => {
    const cfg = JSON.parse((await t.api.app.inject({ url: '/config' })).body);
    assert.equal(cfg.store.postgres.password, '*****');
  });

  it('modifyResources: anonymous and plain token users may not write; admins may', async () => {
    const mesh = JSON.stringify({ type: 'Mesh', name: 'w1' });
    const anon = await t.api.app.inject({ method: 'PUT', url: '/meshes/w1', remoteAddress: REMOTE, headers: JSON_HEADERS, payload: mesh });
    assert.equal(anon.statusCode, 403);
    assert.equal(JSON.parse(anon.body).detail, 'user "mesh-system:anonymous/mesh-system:unauthenticated" cannot modify the resource of type "Mesh"');
    const alice = await t.userToken('alice', ['dev']);
    const denied = await t.api.app.inject({ method: 'DELETE', url: '/meshes/default', remoteAddress: REMOTE, headers: bearer(alice) });
    assert.equal(JSON.parse(denied.body).detail, 'user "alice/dev,mesh-system:authenticated" cannot modify the resource of type "Mesh"');
    const admin = await t.userToken('root', ['mesh-system:admin']);
    assert.equal((await t.api.app.inject({ method: 'PUT', url: '/meshes/w1', remoteAddress: REMOTE, headers: { ...JSON_HEADERS, ...bearer(admin) }, payload: mesh })).statusCode, 201);
    // Kuma's behaviour back: modifyResources.groups includes everyone.
    const open = await startTestApi({
      configure: (c) => {
        c.access.static.modifyResources.groups = ['mesh-system:unauthenticated', 'mesh-system:authenticated'];
      },
    });
    try {
      assert.equal((await open.api.app.inject({ method: 'PUT', url: '/meshes/w1', remoteAddress: REMOTE, headers: JSON_HEADERS, payload: mesh })).statusCode, 201);
    } finally {
      await open.close();
    }
  });

  it('bad tokens are 401 with exactly Kuma\'s body; the reason is only logged', async () => {
    const good = await t.userToken('alice');
    const [h, p] = good.split('.');
    const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), Groups: ['mesh-system:admin'] })}.${good.split('.')[2]}`;
    const none = `${b64({ alg: 'none', kid: '1', typ: 'JWT' })}.${p}.`;
    const numericKid = `${b64({ alg: 'HS256', typ: 'JWT', kid: 1337 })}.${p}.sig`;
    // HS256 "signed" with the CP's RSA public key as the HMAC secret: the classic algorithm confusion.
    const hs = `${b64({ alg: 'HS256', kid: '1', typ: 'JWT' })}.${p}`;
    const { createHmac, createPublicKey } = await import('node:crypto');
    const signingKey = await t.manager.get({ type: 'GlobalSecret', mesh: '', name: 'user-token-signing-key-1' });
    const publicPem = createPublicKey(Buffer.from(String(signingKey.spec['data']), 'base64').toString()).export({ type: 'spki', format: 'pem' });
    const confused = `${hs}.${createHmac('sha256', publicPem).update(hs).digest('base64url')}`;
    const expired = await t.userIssuer.issue({ name: 'old', groups: [] }, 1000);
    for (const [what, token] of [['tampered', tampered], ['alg none', none], ['numeric kid', numericKid], ['HS256', confused], ['garbage', 'abc'], ['empty', '']] as const) {
      const r = await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: bearer(token) });
      assert.deepEqual([r.statusCode, r.body], [401, UNAUTHENTICATED], what);
    }
    clock += 10_000;
    const r = await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: bearer(expired) });
    assert.deepEqual([r.statusCode, r.body], [401, UNAUTHENTICATED]);
    const logged = t.entries.filter((e) => e.msg === 'user token rejected').map((e) => String(e.fields['reason']));
    assert.ok(logged.some((m) => m.includes('token is expired')));
    assert.ok(logged.some((m) => m.includes('kid header must be a string')));
    // Non-Bearer schemes are ignored (anonymous), as in Kuma.
    assert.equal(JSON.parse((await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: { authorization: 'Basic abc' } })).body).name, 'mesh-system:anonymous');
    // The index skips authentication.
    assert.equal((await t.api.app.inject({ url: '/', remoteAddress: REMOTE, headers: bearer('abc') })).statusCode, 200);
  });

  it('revoked tokens are 401', async () => {
    const token = await t.userToken('bob');
    assert.equal((await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: bearer(token) })).statusCode, 200);
    const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti as string;
    const r = await t.api.app.inject({ method: 'PUT', url: '/global-secrets/user-token-revocations', headers: JSON_HEADERS, payload: JSON.stringify({ type: 'GlobalSecret', name: 'user-token-revocations', data: Buffer.from(jti).toString('base64') }) });
    assert.equal(r.statusCode, 201);
    await new Promise((res) => setImmediate(res)); // the secret cache learns of the change from the store's event
    assert.equal((await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: bearer(token) })).statusCode, 401);
    // Revoked behind the API's back (another component, another CP instance): the store's change
    // event is enough, the remembered validation is dropped.
    const other = await t.userToken('dave');
    assert.equal((await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: bearer(other) })).statusCode, 200);
    const otherJti = JSON.parse(Buffer.from(other.split('.')[1] ?? '', 'base64url').toString()).jti as string;
    const list = await t.manager.get({ type: 'GlobalSecret', mesh: '', name: 'user-token-revocations' });
    await t.manager.update({ ...list, spec: { data: Buffer.from(`${jti},${otherJti}`).toString('base64') } });
    await new Promise((res) => setImmediate(res));
    assert.equal((await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: bearer(other) })).statusCode, 401);
  });

  it('a token signed by a key that is not the CP\'s is 401', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(clock / 1000);
    const unsigned = `${b64({ alg: 'RS256', kid: '1', typ: 'JWT' })}.${b64({ Name: 'mesh-system:admin', Groups: ['mesh-system:admin'], iat: now, nbf: now, exp: now + 60, jti: 'x' })}`;
    const sig = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
    assert.equal((await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: bearer(`${unsigned}.${sig}`) })).statusCode, 401);
  });

  it('§8 item 18: POST /tokens/user', async () => {
    const post = (payload: string, extra: Record<string, unknown> = {}) => t.api.app.inject({ method: 'POST', url: '/tokens/user', headers: JSON_HEADERS, payload, ...extra });
    const ok = await post(JSON.stringify({ name: 'carol', groups: ['ops'], validFor: '1h' }));
    assert.deepEqual([ok.statusCode, ok.headers['content-type']], [200, 'text/plain']);
    const who = JSON.parse((await t.api.app.inject({ url: '/who-am-i', remoteAddress: REMOTE, headers: bearer(ok.body) })).body);
    assert.deepEqual(who, { name: 'carol', groups: ['ops', 'mesh-system:authenticated'] });
    assertGoldenBody((await post(JSON.stringify({ validFor: '1h' }))).body, 'user-token-ws-no-name.golden.json');
    assertGoldenBody((await post(JSON.stringify({ name: 'xyz', validFor: '0s' }))).body, 'user-token-ws-0-validFor.golden.json');
    assertGoldenBody((await post(JSON.stringify({ name: 'xyz' }))).body, 'user-token-ws-missing-validFor.golden.json');
    const notJson = await post('not-valid-json');
    assert.deepEqual([notJson.statusCode, JSON.parse(notJson.body).title], [400, 'Bad Request']);
    const denied = await post(JSON.stringify({ name: 'x', validFor: '1h' }), { remoteAddress: REMOTE, headers: { ...JSON_HEADERS, ...bearer(ok.body) } });
    assert.deepEqual([denied.statusCode, JSON.parse(denied.body).detail], [403, 'action not allowed']);
    const disabled = await startTestApi({
      configure: (c) => {
        c.apiServer.authn.tokens.enableIssuer = false;
      },
    });
    try {
      const r = await disabled.api.app.inject({ method: 'POST', url: '/tokens/user', headers: JSON_HEADERS, payload: JSON.stringify({ name: 'x', validFor: '1h' }) });
      assert.equal(r.statusCode, 400);
      assertGoldenBody(r.body, 'user-token-ws-token-issuer-disabled.golden.json');
    } finally {
      await disabled.close();
    }
  });

  it('§8 item 19: POST /tokens/dataplane (validation before access, empty validFor = 10 years)', async () => {
    const post = (payload: string, extra: Record<string, unknown> = {}) => t.api.app.inject({ method: 'POST', url: '/tokens/dataplane', headers: JSON_HEADERS, payload, ...extra });
    const ok = await post(JSON.stringify({ mesh: 'default', name: 'dp-1' }));
    assert.equal(ok.statusCode, 200);
    const claims = JSON.parse(Buffer.from(ok.body.split('.')[1] ?? '', 'base64url').toString());
    assert.deepEqual([claims.Name, claims.Mesh], ['dp-1', 'default']);
    assert.ok(claims.exp - claims.iat > 9 * 365 * 24 * 3600);
    assert.equal((await post('not-valid-json')).statusCode, 400);
    const invalid = JSON.parse((await post(JSON.stringify({ type: 'ingress', validFor: 'x' }), { remoteAddress: REMOTE })).body);
    assert.deepEqual([invalid.status, invalid.title, invalid.invalid_parameters.map((p: { field: string }) => p.field)], [400, 'Invalid request', ['mesh', 'validFor', 'type']]);
    const denied = JSON.parse((await post(JSON.stringify({ mesh: 'default' }), { remoteAddress: REMOTE })).body);
    assert.deepEqual([denied.status, denied.detail], [403, 'user "mesh-system:anonymous/mesh-system:unauthenticated" cannot access generate dataplane token']);
    const noKey = JSON.parse((await post(JSON.stringify({ mesh: 'no-such-mesh' }))).body);
    assert.deepEqual([noKey.status, noKey.title], [404, 'Signing Key not found']);
  });

  it('audit: one line per write and token issuance, with who/what/where/outcome and never a token', async () => {
    const token = await t.userToken('auditor', ['mesh-system:admin']);
    await t.api.app.inject({ method: 'PUT', url: '/meshes/audited', remoteAddress: REMOTE, headers: { ...JSON_HEADERS, ...bearer(token) }, payload: JSON.stringify({ type: 'Mesh', name: 'audited' }) });
    await t.api.app.inject({ method: 'DELETE', url: '/meshes/audited', remoteAddress: REMOTE });
    const issued = await t.api.app.inject({ method: 'POST', url: '/tokens/user', headers: JSON_HEADERS, payload: JSON.stringify({ name: 'minted', validFor: '1h' }) });
    const lines = t.entries.filter((e) => e.fields['audit'] === true);
    const create = lines.find((e) => e.fields['action'] === 'create' && e.fields['name'] === 'audited');
    assert.ok(create);
    assert.deepEqual([create.level, create.fields['user'], create.fields['outcome'], create.fields['remoteAddress'], create.fields['resourceType']], ['info', 'auditor', 'success', REMOTE, 'Mesh']);
    assert.ok(typeof create.fields['eventTime'] === 'string');
    const del = lines.find((e) => e.fields['action'] === 'delete' && e.fields['name'] === 'audited');
    assert.deepEqual([del?.fields['outcome'], del?.fields['user'], del?.fields['status']], ['denied', 'mesh-system:anonymous', 403]);
    const mint = lines.find((e) => e.fields['action'] === 'issue-user-token' && (e.fields['details'] as Record<string, unknown>)['subject'] === 'minted');
    assert.equal(mint?.fields['outcome'], 'success');
    const everything = JSON.stringify(t.entries);
    for (const secret of [token, issued.body]) {
      assert.equal(everything.includes(secret), false, 'a token reached the log');
      assert.equal(everything.includes(secret.split('.')[2] ?? 'x'), false, 'a token signature reached the log');
    }
  });
});
