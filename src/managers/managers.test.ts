import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { recordingLogger } from '../core/log.js';
import { secretBytes } from '../core/resources/system-types.js';
import { MemoryResourceStore } from '../store/memory/memory-store.js';
import { StrictResourceStore } from '../store/strict-store.js';
import { SecretCache, createUserTokenIssuer, createUserTokenValidator, newSigningKeyPem } from '../tokens/index.js';
import { adminTokenHint, bootstrapAdminToken } from './admin-token.js';
import { ensureDefaultResources } from './default-resources.js';
import { ResourceManager } from './resource-manager.js';

let pem: Uint8Array;
let keygens = 0;
const newSigningKey = async (): Promise<Uint8Array> => {
  keygens += 1;
  return pem;
};

before(async () => {
  pem = await newSigningKeyPem();
});

function setup(opts: { unsafeDelete?: boolean } = {}) {
  const store = new StrictResourceStore(new MemoryResourceStore());
  return { store, manager: new ResourceManager(store, { newSigningKey, ...opts }) };
}

const dataplane = (mesh: string, name: string) => ({
  type: 'Dataplane',
  meta: { name, mesh },
  spec: { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }] } },
});

describe('ResourceManager', () => {
  it('a Zone whose CP is connected cannot be deleted (Kuma zone validator)', async () => {
    const { manager } = setup();
    await manager.create({ type: 'Zone', meta: { name: 'zone-1', mesh: '' }, spec: { enabled: true } });
    await manager.create({ type: 'ZoneInsight', meta: { name: 'zone-1', mesh: '' }, spec: { subscriptions: [{ id: 'a', connectTime: '2026-11-28T10:00:00Z' }] } });
    await assert.rejects(manager.delete({ type: 'Zone', mesh: '', name: 'zone-1' }), (err: Error & { violations?: { field: string; message: string }[] }) => {
      assert.deepEqual(err.violations, [{ field: 'zone', message: 'unable to delete Zone, Zone CP is still connected, please shut it down first' }]);
      return true;
    });
    const insight = await manager.get({ type: 'ZoneInsight', mesh: '', name: 'zone-1' });
    await manager.update({ ...insight, spec: { subscriptions: [{ id: 'a', connectTime: '2026-11-28T10:00:00Z', disconnectTime: '2026-11-28T11:00:00Z' }] } });
    await manager.delete({ type: 'Zone', mesh: '', name: 'zone-1' });
    await manager.create({ type: 'Zone', meta: { name: 'zone-2', mesh: '' }, spec: {} });
    await manager.delete({ type: 'Zone', mesh: '', name: 'zone-2' }); // no insight: deletable
  });

  it('mesh-scoped resources need their Mesh', async () => {
    const { manager } = setup();
    await assert.rejects(manager.create(dataplane('mesh-1', 'dp-1')), { code: 'ERR_MESH_NOT_FOUND', message: 'mesh of name mesh-1 is not found' });
  });

  it('validates specs on create and update', async () => {
    const { manager } = setup();
    await manager.create({ type: 'Mesh', meta: { name: 'm1', mesh: '' }, spec: {} });
    await assert.rejects(manager.create({ type: 'Dataplane', meta: { name: 'dp', mesh: 'm1' }, spec: {} }), { code: 'ERR_RESOURCE_INVALID', message: 'networking: must be defined' });
    const created = await manager.create(dataplane('m1', 'dp'));
    await assert.rejects(manager.update({ ...created, spec: {} }), { code: 'ERR_RESOURCE_INVALID' });
  });

  it('a new Mesh gets dataplane-token-signing-key-<mesh>-1 owned by it; deleting the Mesh cascades', async () => {
    const log = recordingLogger();
    const store = new StrictResourceStore(new MemoryResourceStore());
    const manager = new ResourceManager(store, { newSigningKey, logger: log });
    await manager.create({ type: 'Mesh', meta: { name: 'demo', mesh: '' }, spec: {} });
    const key = await manager.get({ type: 'Secret', mesh: 'demo', name: 'dataplane-token-signing-key-demo-1' });
    assert.deepEqual(secretBytes(key.spec), pem);
    assert.ok(log.entries.some((e) => e.msg === 'default Dataplane Token Signing Key created'));
    await manager.create(dataplane('demo', 'dp-1'));
    await manager.create({ type: 'Secret', meta: { name: 'user-secret', mesh: 'demo' }, spec: { data: 'c2VjcmV0' } });
    // Kuma refuses while Dataplanes are attached (unless store.unsafeDelete).
    await assert.rejects(manager.delete({ type: 'Mesh', mesh: '', name: 'demo' }), {
      code: 'ERR_RESOURCE_INVALID',
      message: 'mesh: unable to delete mesh, there are still some dataplanes attached',
    });
    const unsafe = new ResourceManager(store, { newSigningKey, unsafeDelete: true });
    await unsafe.delete({ type: 'Mesh', mesh: '', name: 'demo' });
    for (const type of ['Dataplane', 'Secret']) assert.equal((await store.list(type, { mesh: 'demo' })).total, 0, type);
  });

  it('deleting the default mesh deletes its signing key', async () => {
    const { manager, store } = setup();
    await ensureDefaultResources(manager, { newSigningKey });
    assert.equal((await store.list('Secret', { mesh: 'default' })).total, 1);
    await manager.delete({ type: 'Mesh', mesh: '', name: 'default' });
    assert.equal((await store.list('Secret', { mesh: 'default' })).total, 0);
  });
});

describe('ensureDefaultResources', () => {
  it('creates the default Mesh, its key and the user/zone keys; idempotent', async () => {
    const { manager, store } = setup();
    const first = await ensureDefaultResources(manager, { newSigningKey });
    assert.deepEqual(first, { defaultMesh: true, userTokenSigningKey: true, zoneTokenSigningKey: true });
    const names = (await store.list('GlobalSecret')).items.map((r) => r.meta.name);
    assert.deepEqual(names, ['user-token-signing-key-1', 'zone-token-signing-key-1']);
    await manager.get({ type: 'Secret', mesh: 'default', name: 'dataplane-token-signing-key-default-1' });
    const second = await ensureDefaultResources(manager, { newSigningKey });
    assert.deepEqual(second, { defaultMesh: false, userTokenSigningKey: false, zoneTokenSigningKey: false });
  });

  it('two instances at once: each resource created exactly once, no errors', async () => {
    const { store } = setup();
    const a = new ResourceManager(store, { newSigningKey });
    const b = new ResourceManager(store, { newSigningKey });
    const [ra, rb] = await Promise.all([ensureDefaultResources(a, { newSigningKey }), ensureDefaultResources(b, { newSigningKey })]);
    for (const k of ['defaultMesh', 'userTokenSigningKey', 'zoneTokenSigningKey'] as const) assert.equal(Number(ra[k]) + Number(rb[k]), 1, k);
    assert.equal((await store.list('GlobalSecret')).total, 2);
    assert.equal((await store.list('Secret', { mesh: 'default' })).total, 1);
  });

  it('skipMeshCreation skips only the Mesh; skipTenantResources skips everything', async () => {
    const one = setup();
    assert.deepEqual(await ensureDefaultResources(one.manager, { newSigningKey, skipMeshCreation: true }), { defaultMesh: false, userTokenSigningKey: true, zoneTokenSigningKey: true });
    const two = setup();
    assert.deepEqual(await ensureDefaultResources(two.manager, { newSigningKey, skipTenantResources: true }), { defaultMesh: false, userTokenSigningKey: false, zoneTokenSigningKey: false });
    assert.equal((await two.store.list('GlobalSecret')).total, 0);
  });
});

describe('admin token bootstrap (§8.22)', () => {
  it('stores a 10-year admin token once and never overwrites it', async () => {
    const { manager, store } = setup();
    await ensureDefaultResources(manager, { newSigningKey });
    const issuer = createUserTokenIssuer(manager);
    assert.equal(await bootstrapAdminToken(manager, issuer), true);
    const secret = await manager.get({ type: 'GlobalSecret', mesh: '', name: 'admin-user-token' });
    const token = new TextDecoder().decode(secretBytes(secret.spec));
    const cache = new SecretCache(store);
    assert.deepEqual(await createUserTokenValidator(cache).validate(token), { name: 'mesh-system:admin', groups: ['mesh-system:admin'] });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    assert.equal(payload.exp - payload.iat, 24 * 365 * 10 * 3600 + 5);
    assert.equal(await bootstrapAdminToken(manager, issuer), false);
    const again = await manager.get({ type: 'GlobalSecret', mesh: '', name: 'admin-user-token' });
    assert.equal(again.meta.version, secret.meta.version);
    cache.close();
  });

  it('waits for the signing key, and two instances store one token', async () => {
    const { manager } = setup();
    const issuer = createUserTokenIssuer(manager);
    const opts = { retryIntervalMs: 10, maxRetryMs: 5000 };
    const both = Promise.all([bootstrapAdminToken(manager, issuer, opts), bootstrapAdminToken(manager, issuer, opts)]);
    setTimeout(() => void ensureDefaultResources(manager, { newSigningKey }), 30);
    const results = await both;
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('gives up with the signing-key error after the retry budget', async () => {
    const { manager } = setup();
    await assert.rejects(bootstrapAdminToken(manager, createUserTokenIssuer(manager), { retryIntervalMs: 5, maxRetryMs: 20 }), { code: 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND' });
  });

  it('hint texts', () => {
    const tail = "You configure kumactl with them 'kumactl config control-planes add --auth-type=tokens --auth-conf token=YOUR_TOKEN'. To disable bootstrap of Admin User Token set KUMA_API_SERVER_AUTHN_TOKENS_BOOTSTRAP_ADMIN_TOKEN to false.";
    assert.equal(
      adminTokenHint({ environment: 'universal', httpPort: 5681, localhostIsAdmin: true }),
      `bootstrap of Admin User Token is enabled. To extract admin credentials execute 'curl http://localhost:5681/global-secrets/admin-user-token | jq -r .data | base64 -d'. ${tail}`,
    );
    assert.match(adminTokenHint({ environment: 'universal', httpPort: 5681, localhostIsAdmin: false }), /temporarily set KUMA_API_SERVER_AUTHN_LOCALHOST_IS_ADMIN to true/);
    assert.match(adminTokenHint({ environment: 'kubernetes', httpPort: 5681, systemNamespace: 'kuma-system', localhostIsAdmin: false }), /kubectl get secret admin-user-token -n kuma-system --template=\{\{\.data\.value\}\} \| base64 -d/);
  });

  it('keeps key generation to the minimum', () => {
    assert.ok(keygens > 0);
  });
});

describe('ResourceManager with the mesh CA hook', () => {
  it('a Mesh with a builtin backend gets its CA secrets, owned by the Mesh; a broken provided CA is refused', async () => {
    const { MeshCaManagers } = await import('./mesh-ca/index.js');
    const store = new StrictResourceStore(new MemoryResourceStore());
    const manager = new ResourceManager(store, { newSigningKey, meshHook: new MeshCaManagers({ store }) });
    await manager.create({ type: 'Mesh', meta: { name: 'secure', mesh: '' }, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } });
    const names = (await manager.list('Secret', { mesh: 'secure' })).items.map((s) => s.meta.name).sort();
    assert.deepEqual(names.filter((n) => n.includes('ca-builtin')), ['secure.ca-builtin-cert-ca-1', 'secure.ca-builtin-key-ca-1']);
    await manager.delete({ type: 'Mesh', mesh: '', name: 'secure' });
    assert.equal((await manager.list('Secret', { mesh: 'secure' })).total, 0);
    await assert.rejects(
      manager.create({
        type: 'Mesh',
        meta: { name: 'bad-ca', mesh: '' },
        spec: { mtls: { enabledBackend: 'p', backends: [{ name: 'p', type: 'provided', conf: { cert: { inline: 'bm90IGEgY2VydA==' }, key: { inline: 'bm90IGEga2V5' } } }] } },
      }),
      { code: 'ERR_RESOURCE_INVALID' },
    );
  });
});
