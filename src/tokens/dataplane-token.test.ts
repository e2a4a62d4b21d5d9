import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Resource } from '../core/resources/resource.js';
import { secretData } from '../core/resources/system-types.js';
import { MemoryResourceStore } from '../store/memory/memory-store.js';
import { checkDataplaneTokenBinding } from './dataplane-binding.js';
import { createDataplaneTokenIssuer, createDataplaneTokenValidator, type DataplaneIdentity } from './dataplane-token.js';
import { SecretCache } from './secret-cache.js';
import { newSigningKeyPem } from './signing-keys.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const DAY = 24 * 3600 * 1000;
const MEMORY_PREFIX = "could not parse token. kuma-cp runs with an in-memory database and its state isn't preserved between restarts. Keep in mind that an in-memory database cannot be used with multiple instances of the control plane: ";

let keyDefault: Uint8Array;
let keyDemo: Uint8Array;
let store: MemoryResourceStore;
let cache: SecretCache;
const issuer = () => createDataplaneTokenIssuer(store);

const id = (o: Partial<DataplaneIdentity>): DataplaneIdentity => ({ name: '', mesh: 'default', tags: {}, type: '', workload: '', ...o });

function dp(labels: Record<string, string>, spec: Record<string, unknown> = {}): Resource {
  const t = new Date();
  return { type: 'Dataplane', meta: { name: 'dp-1', mesh: 'default', version: '1', creationTime: t, modificationTime: t, labels }, spec: spec as Resource['spec'] };
}

before(async () => {
  [keyDefault, keyDemo] = await Promise.all([newSigningKeyPem(), newSigningKeyPem()]);
  store = new MemoryResourceStore();
  for (const [mesh, key] of [['default', keyDefault], ['demo', keyDemo], ['nokey', undefined]] as const) {
    await store.create({ type: 'Mesh', meta: { name: mesh, mesh: '' }, spec: {} });
    if (key) await store.create({ type: 'Secret', meta: { name: `dataplane-token-signing-key-${mesh}-1`, mesh }, spec: { data: secretData(key) } });
  }
  cache = new SecretCache(store);
});

describe('dataplane tokens: binding matrix (§8.16)', () => {
  const labels = { team: 'web', env: 'prod', 'kuma.io/service': 'web-api' };
  const validator = () => createDataplaneTokenValidator(cache, { inMemoryStore: true });

  async function authenticate(identity: DataplaneIdentity, resource = dp(labels)): Promise<string | undefined> {
    const token = await issuer().issue(identity, DAY);
    try {
      const claims = await validator().validate(token, resource.meta.mesh);
      return checkDataplaneTokenBinding(claims, resource);
    } catch (err) {
      return (err as Error).message;
    }
  }

  it('accepts tokens bound to mesh, name, a tag, or a tag with several values', async () => {
    assert.equal(await authenticate(id({})), undefined);
    assert.equal(await authenticate(id({ name: 'dp-1' })), undefined);
    assert.equal(await authenticate(id({ tags: { team: ['web'] } })), undefined);
    assert.equal(await authenticate(id({ tags: { 'kuma.io/service': ['web', 'web-api'] } })), undefined);
  });

  it('rejects with Kuma texts', async () => {
    assert.equal(await authenticate(id({ name: 'dp-2' })), 'proxy name from requestor: dp-1 is different than in token: dp-2');
    assert.equal(await authenticate(id({ mesh: 'demo' })), `${MEMORY_PREFIX}token signature is invalid: crypto/rsa: verification error`);
    assert.equal(
      await authenticate(id({ tags: { team: ['backend'] } })),
      'dataplane contains tag "team" with value "web" which is not allowed with this token. Allowed values in token are ["backend"]',
    );
    assert.equal(
      await authenticate(id({ tags: { team: ['b', 'a'] } })),
      'dataplane contains tag "team" with value "web" which is not allowed with this token. Allowed values in token are ["a" "b"]',
    );
    assert.equal(await authenticate(id({ tags: { 'kuma.io/zone': ['east'] } })), 'dataplane has no tag "kuma.io/zone" required by the token');
    assert.equal(
      await authenticate(id({ workload: 'frontend' }), dp({ ...labels, 'kuma.io/workload': 'backend' })),
      'dataplane workload "backend" is not allowed with this token. Allowed workload in token is "frontend"',
    );
    assert.equal(await authenticate(id({ workload: 'frontend' })), 'dataplane has no workload label required by the token');
    assert.equal(await authenticate(id({ workload: 'frontend' }), dp({ 'kuma.io/workload': 'frontend' })), undefined);
    await assert.rejects(validator().validate('garbage', 'default'), { message: `${MEMORY_PREFIX}token is malformed: token contains an invalid number of segments` });
    await assert.rejects(issuer().issue(id({ mesh: 'nokey' }), DAY), {
      message: 'there is no signing key with KID 1. Secret of name "dataplane-token-signing-key-nokey-1" in mesh "nokey" is not found. If signing key was rotated, regenerate the token',
    });
  });

  it('a token bound to several tags fails on the one that does not match (Kuma: team=web, env=staging)', async () => {
    assert.equal(
      await authenticate(id({ tags: { team: ['web'], env: ['staging'] } })),
      'dataplane contains tag "env" with value "prod" which is not allowed with this token. Allowed values in token are ["staging"]',
    );
  });

  it('service tags declared only on the inbounds (a legacy token; 2.x "missing one tag value")', async () => {
    const spec = {
      networking: {
        address: '10.0.0.1',
        inbound: [
          { port: 80, servicePort: 8080, tags: { 'kuma.io/service': 'web' } },
          { port: 81, servicePort: 8081, tags: { 'kuma.io/service': 'web-api' } },
        ],
      },
    };
    assert.equal(await authenticate(id({ tags: { 'kuma.io/service': ['web', 'web-api'] } }), dp({}, spec)), undefined);
    assert.equal(
      await authenticate(id({ tags: { 'kuma.io/service': ['web'] } }), dp({}, spec)),
      'dataplane contains tag "kuma.io/service" with value "web-api" which is not allowed with this token. Allowed values in token are ["web"]',
    );
  });

  it('a zone proxy Dataplane (listeners, no inbounds) authenticates with a name-bound dataplane token', async () => {
    const zoneProxy: Resource = {
      ...dp({}, { networking: { address: '127.0.0.1', listeners: [{ type: 'ZoneIngress', address: '127.0.0.1', port: 10001 }] } }),
      meta: { ...dp({}).meta, name: 'zone-proxy-1' },
    };
    assert.equal(await authenticate(id({ name: 'zone-proxy-1' }), zoneProxy), undefined);
  });

  it('mesh field mismatch is reported when the token validates in the dataplane mesh', () => {
    assert.equal(checkDataplaneTokenBinding(id({ mesh: 'demo' }), dp(labels)), 'proxy mesh from requestor: default is different than in token: demo');
  });

  it('checks inbound and gateway tags (2.x) as well as labels', () => {
    const spec = { networking: { address: '10.0.0.1', inbound: [{ port: 1, tags: { 'kuma.io/service': 'web', version: 'v1' } }, { port: 2, tags: { 'kuma.io/service': 'web', version: 'v2' } }] } };
    assert.equal(checkDataplaneTokenBinding(id({ tags: { version: ['v1', 'v2'] } }), dp({}, spec)), undefined);
    assert.equal(
      checkDataplaneTokenBinding(id({ tags: { version: ['v1'] } }), dp({}, spec)),
      'dataplane contains tag "version" with value "v2" which is not allowed with this token. Allowed values in token are ["v1"]',
    );
    const gw = { networking: { address: '10.0.0.1', gateway: { tags: { 'kuma.io/service': 'edge' } } } };
    assert.equal(checkDataplaneTokenBinding(id({ tags: { 'kuma.io/service': ['edge'] } }), dp({}, gw)), undefined);
  });

  it('workload-derived identity requires a workload-bound token (§8.17)', () => {
    const labelled = dp({ 'kuma.io/workload': 'backend' });
    const opts = { identityDerivesFromWorkload: true };
    assert.equal(
      checkDataplaneTokenBinding(id({ tags: { x: [] } }), dp({ 'kuma.io/workload': 'backend', x: '' }), opts),
      'dataplane contains tag "x" with value "" which is not allowed with this token. Allowed values in token are []',
    );
    assert.equal(
      checkDataplaneTokenBinding(id({}), labelled, opts),
      'dataplane with "kuma.io/workload" label "backend" derives its identity from the workload, so it requires a workload-bound token',
    );
    assert.equal(checkDataplaneTokenBinding(id({ workload: 'backend' }), labelled, opts), undefined);
    assert.equal(checkDataplaneTokenBinding(id({}), dp({}), opts), undefined);
    assert.equal(checkDataplaneTokenBinding(id({}), labelled), undefined);
  });
});

describe('dataplane tokens: claims and revocation (§8.14)', () => {
  it('claims are Name, Mesh, Tags (sorted, distinct), Type, Workload', async () => {
    const token = await issuer().issue(id({ name: 'dp-1', tags: { b: ['2', '1', '1'], a: ['x'] }, type: 'dataplane' }), DAY);
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    assert.deepEqual(Object.keys(payload), ['Name', 'Mesh', 'Tags', 'Type', 'Workload', 'exp', 'nbf', 'iat', 'jti']);
    assert.deepEqual(payload.Tags, { a: ['x'], b: ['1', '2'] });
    const claims = await createDataplaneTokenValidator(cache).validate(token, 'default');
    assert.deepEqual({ ...claims }, { name: 'dp-1', mesh: 'default', tags: { a: ['x'], b: ['1', '2'] }, type: 'dataplane', workload: '' });
  });

  for (const form of ['Secret', 'GlobalSecret'] as const) {
    it(`revoked through the ${form} dataplane-token-revocations-<mesh>`, async () => {
      const validator = createDataplaneTokenValidator(cache);
      const token = await issuer().issue(id({ name: 'dp-1' }), DAY);
      await validator.validate(token, 'default');
      const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti as string;
      const key = { type: form, mesh: form === 'Secret' ? 'default' : '', name: 'dataplane-token-revocations-default' };
      await store.create({ type: key.type, meta: { name: key.name, mesh: key.mesh }, spec: { data: secretData(new TextEncoder().encode(`${jti}\n`)) } });
      await tick();
      await assert.rejects(validator.validate(token, 'default'), { code: 'ERR_TOKEN_REVOKED', message: 'token is revoked' });
      await store.delete(key);
      await tick();
      await validator.validate(token, 'default');
    });
  }

  it('rotation in a mesh: a key with a higher serial signs new tokens (kid 2); old tokens hold until key 1 is deleted (Kuma issuer_test)', async () => {
    await store.create({ type: 'Mesh', meta: { name: 'rot', mesh: '' }, spec: {} });
    await store.create({ type: 'Secret', meta: { name: 'dataplane-token-signing-key-rot-1', mesh: 'rot' }, spec: { data: secretData(keyDefault) } });
    const validator = createDataplaneTokenValidator(cache);
    const kidOf = (t: string) => JSON.parse(Buffer.from(t.split('.')[0] ?? '', 'base64url').toString()).kid as string;
    const token1 = await issuer().issue(id({ mesh: 'rot' }), DAY);
    assert.equal(kidOf(token1), '1');
    await validator.validate(token1, 'rot');
    await store.create({ type: 'Secret', meta: { name: 'dataplane-token-signing-key-rot-2', mesh: 'rot' }, spec: { data: secretData(keyDemo) } });
    await tick();
    const token2 = await issuer().issue(id({ mesh: 'rot' }), DAY);
    assert.equal(kidOf(token2), '2');
    await validator.validate(token1, 'rot');
    await validator.validate(token2, 'rot');
    await store.delete({ type: 'Secret', mesh: 'rot', name: 'dataplane-token-signing-key-rot-1' });
    await tick();
    await assert.rejects(validator.validate(token1, 'rot'), {
      code: 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND',
      message: 'there is no signing key with KID 1. Secret of name "dataplane-token-signing-key-rot-1" in mesh "rot" is not found. If signing key was rotated, regenerate the token',
    });
    await validator.validate(token2, 'rot');
  });

  it('a signing key regenerated under the same name: earlier tokens fail their signature, even after a successful validation was cached', async () => {
    await store.create({ type: 'Mesh', meta: { name: 'regen', mesh: '' }, spec: {} });
    const key = { type: 'Secret', mesh: 'regen', name: 'dataplane-token-signing-key-regen-1' };
    await store.create({ type: key.type, meta: { name: key.name, mesh: key.mesh }, spec: { data: secretData(keyDefault) } });
    const validator = createDataplaneTokenValidator(cache, { inMemoryStore: true });
    const token = await issuer().issue(id({ name: 'dp-1', mesh: 'regen' }), DAY);
    await validator.validate(token, 'regen');
    await store.delete(key);
    await store.create({ type: key.type, meta: { name: key.name, mesh: key.mesh }, spec: { data: secretData(keyDemo) } });
    await tick();
    await assert.rejects(validator.validate(token, 'regen'), { code: 'ERR_TOKEN_BAD_SIGNATURE', message: `${MEMORY_PREFIX}token signature is invalid: crypto/rsa: verification error` });
  });

  it('a mesh-less static key serves every mesh; a meshed one only its mesh', async () => {
    const { loadStaticPublicKeys } = await import('./static-keys.js');
    const { publicKeyPemOf } = await import('./signing-keys.js');
    const pem = Buffer.from(publicKeyPemOf(keyDemo)).toString();
    const keys = await loadStaticPublicKeys([{ kid: 'offline', key: pem, mesh: 'demo' }]);
    const v = createDataplaneTokenValidator(cache, { publicKeys: keys, useSecrets: false });
    const token = await createDataplaneTokenIssuer(store).issue(id({ mesh: 'demo' }), DAY);
    // Re-sign with kid "offline": craft from the demo key.
    const { createPrivateKey, sign } = await import('node:crypto');
    const [, p] = token.split('.');
    const input = `${Buffer.from('{"alg":"RS256","kid":"offline","typ":"JWT"}').toString('base64url')}.${p}`;
    const offline = `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(Buffer.from(keyDemo))).toString('base64url')}`;
    assert.equal((await v.validate(offline, 'demo')).mesh, 'demo');
    await assert.rejects(v.validate(offline, 'default'), { code: 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND' });
  });
});
