import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { recordingLogger } from '../../core/log.js';
import { secretBytes, secretData, type JsonObject, type Resource } from '../../core/resources/index.js';
import { generateKeyPair, parsePrivateKeyPem, readCertificateInfo, type KeyPair } from '../../pki/index.js';
import { MemoryResourceStore } from '../../store/memory/memory-store.js';
import { StrictResourceStore } from '../../store/strict-store.js';
import { opensslOk, withTempDir } from '../../../test/support/openssl.js';
import { MeshCaManagers } from './mesh-ca-managers.js';

const YEAR_MS = 365 * 24 * 3_600_000;

let keys: KeyPair[];
before(async () => {
  keys = await Promise.all([generateKeyPair('rsa'), generateKeyPair('rsa')]);
});

function setup(opts: { now?: Date; keyCounter?: { n: number }; partnerWaitMs?: number; orphanAgeMs?: number } = {}) {
  const now = opts.now ?? new Date();
  const store = new StrictResourceStore(new MemoryResourceStore({ now: () => now }));
  const counter = opts.keyCounter ?? { n: 0 };
  const newRsaKey = async (): Promise<KeyPair> => keys[counter.n++ % keys.length] as KeyPair;
  const managers = (extra: { logger?: ReturnType<typeof recordingLogger> } = {}) =>
    new MeshCaManagers({ store, now: () => now, newRsaKey, ...(opts.partnerWaitMs !== undefined ? { partnerWaitMs: opts.partnerWaitMs } : {}), ...(opts.orphanAgeMs !== undefined ? { orphanAgeMs: opts.orphanAgeMs } : {}), ...extra });
  return { store, managers, counter, now };
}

function meshOf(name: string, backends: JsonObject[], enabled = ''): Resource {
  const t = new Date();
  return { type: 'Mesh', meta: { name, mesh: '', version: '1', labels: {}, creationTime: t, modificationTime: t }, spec: { mtls: { enabledBackend: enabled, backends } } };
}

async function storeMesh(store: StrictResourceStore, mesh: Resource): Promise<void> {
  await store.create({ type: 'Mesh', meta: { name: mesh.meta.name, mesh: '' }, spec: mesh.spec });
}

const pemOf = async (store: StrictResourceStore, mesh: string, name: string): Promise<string> =>
  Buffer.from(secretBytes((await store.get({ type: 'Secret', mesh, name })).spec) ?? []).toString();

describe('builtin mesh CA', () => {
  it('creates <mesh>.ca-builtin-cert/key-<backend>: RSA 2048 (generated off the event loop), O=Kuma OU=Mesh CN=<mesh>, spiffe://<mesh>, serial 0, now−10 s … now+10 y', async () => {
    const now = new Date('2031-05-01T12:00:00Z');
    const store = new StrictResourceStore(new MemoryResourceStore({ now: () => now }));
    const log = recordingLogger();
    const managers = new MeshCaManagers({ store, now: () => now, logger: log }); // real key generation
    const mesh = meshOf('default', [{ name: 'builtin-1', type: 'builtin' }], 'builtin-1');
    await storeMesh(store, mesh);
    await managers.ensureMeshCas(mesh);

    const certPem = await pemOf(store, 'default', 'default.ca-builtin-cert-builtin-1');
    const keyPem = await pemOf(store, 'default', 'default.ca-builtin-key-builtin-1');
    assert.match(keyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const key = parsePrivateKeyPem(keyPem);
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    const cert = new X509Certificate(certPem);
    assert.ok(cert.checkPrivateKey(key));
    const info = readCertificateInfo(cert);
    assert.deepEqual(info.subject.map((a) => `${a.type}=${a.value}`), ['O=Kuma', 'OU=Mesh', 'CN=default']);
    assert.deepEqual(info.altNames.uris, ['spiffe://default']);
    assert.equal(info.serial, 0n);
    assert.deepEqual(info.basicConstraints, { isCa: true });
    assert.deepEqual(info.keyUsage, ['keyCertSign', 'cRLSign']);
    assert.equal(info.notBefore.toISOString(), '2031-05-01T11:59:50.000Z');
    assert.equal(info.notAfter.getTime(), now.getTime() + 10 * YEAR_MS);
    const created = log.entries.find((e) => e.msg === 'CA created');
    assert.deepEqual(created?.fields, { component: 'ca', mesh: 'default', backend: 'builtin-1', notAfter: info.notAfter.toISOString() });
    await withTempDir(async (_d, write) => {
      const p = await write('ca.pem', certPem);
      assert.match(opensslOk(['verify', '-attime', String(now.getTime() / 1000 + 60), '-CAfile', p, p]), /: OK/);
    });
    // Owned by the Mesh: deleting it deletes the CA.
    await store.delete({ type: 'Mesh', mesh: '', name: 'default' });
    assert.equal((await store.list('Secret', { mesh: 'default' })).total, 0);
  });

  it('conf.caCert.expiration and RSAbits are honoured', async () => {
    const { store, managers, now } = setup();
    const mesh = meshOf('demo', [{ name: 'ca-1', type: 'builtin', conf: { caCert: { RSAbits: 2048, expiration: '1m' } } }]);
    await storeMesh(store, mesh);
    await managers().ensure(mesh, 'ca-1');
    const info = readCertificateInfo(new X509Certificate(await pemOf(store, 'demo', 'demo.ca-builtin-cert-ca-1')));
    assert.equal(info.notAfter.getTime(), Math.floor((now.getTime() + 60_000) / 1000) * 1000);
  });

  it('is idempotent: a second ensure changes nothing; concurrent ensure() calls make one CA', async () => {
    const { store, managers, counter } = setup();
    const mesh = meshOf('default', [{ name: 'ca-1', type: 'builtin' }]);
    await storeMesh(store, mesh);
    const m = managers();
    await Promise.all([m.ensure(mesh, 'ca-1'), m.ensure(mesh, 'ca-1'), m.ensureMeshCas(mesh)]);
    assert.equal(counter.n, 1);
    const before = await store.get({ type: 'Secret', mesh: 'default', name: 'default.ca-builtin-cert-ca-1' });
    await m.ensure(mesh, 'ca-1');
    const after = await store.get({ type: 'Secret', mesh: 'default', name: 'default.ca-builtin-cert-ca-1' });
    assert.equal(after.meta.version, before.meta.version);
    assert.equal(counter.n, 1);
  });

  it('two control planes ensuring at once end with one certificate and its own key', async () => {
    const { store, managers } = setup();
    const mesh = meshOf('default', [{ name: 'ca-1', type: 'builtin' }]);
    await storeMesh(store, mesh);
    const [a, b] = [managers(), managers()];
    await Promise.all([a.ensure(mesh, 'ca-1'), b.ensure(mesh, 'ca-1')]);
    const [signerA, signerB] = await Promise.all([a.getSigner(mesh, 'ca-1'), b.getSigner(mesh, 'ca-1')]);
    assert.ok(signerA.certificate.raw.equals(signerB.certificate.raw));
    assert.ok(signerA.certificate.checkPrivateKey(signerA.privateKey));
    assert.equal((await store.list('Secret', { mesh: 'default' })).total, 2);
  });

  it('repairs a half-written CA: a certificate without key (after the wait), a key without certificate', async () => {
    const { store, managers } = setup({ partnerWaitMs: 50, orphanAgeMs: 0 });
    const mesh = meshOf('default', [{ name: 'ca-1', type: 'builtin' }]);
    await storeMesh(store, mesh);
    const owner = { type: 'Mesh', mesh: '', name: 'default' };
    await store.create({ type: 'Secret', meta: { name: 'default.ca-builtin-cert-ca-1', mesh: 'default' }, spec: { data: secretData(Buffer.from('stale')) } }, { owner });
    const log = recordingLogger();
    await managers({ logger: log }).ensure(mesh, 'ca-1');
    assert.ok(log.entries.some((e) => e.level === 'warn' && /no key Secret/.test(e.msg)));
    const signer = await managers().getSigner(mesh, 'ca-1');
    assert.ok(signer.certificate.checkPrivateKey(signer.privateKey));

    await store.delete({ type: 'Secret', mesh: 'default', name: 'default.ca-builtin-cert-ca-1' });
    await managers().ensure(mesh, 'ca-1');
    const repaired = await managers().getSigner(mesh, 'ca-1');
    assert.ok(repaired.certificate.checkPrivateKey(repaired.privateKey));
  });

  it('CA rotation: two backends, two CAs, both roots handed out (enabled first)', async () => {
    const { store, managers } = setup();
    const mesh = meshOf('default', [{ name: 'ca-old', type: 'builtin' }, { name: 'ca-new', type: 'builtin' }], 'ca-new');
    await storeMesh(store, mesh);
    const m = managers();
    await m.ensureMeshCas(mesh);
    const roots = await m.getAllRootCerts(mesh);
    assert.deepEqual(roots.map((r) => r.backend), ['ca-new', 'ca-old']);
    assert.equal(new Set(roots.map((r) => r.rootsPem[0])).size, 2);
    assert.deepEqual(await m.getRootCerts(mesh, 'ca-old'), [await pemOf(store, 'default', 'default.ca-builtin-cert-ca-old')]);
  });

  it("a missing CA fails with Kuma's text; an unknown backend says which names exist", async () => {
    const { managers } = setup();
    const mesh = meshOf('default', [{ name: 'builtin-non-existent', type: 'builtin' }]);
    await assert.rejects(managers().getRootCerts(mesh, 'builtin-non-existent'), {
      code: 'ERR_MESH_CA_LOAD',
      message: 'failed to load CA key pair for Mesh "default" and backend "builtin-non-existent": resource not found: type="Secret" name="default.ca-builtin-cert-builtin-non-existent" mesh="default"',
    });
    await assert.rejects(managers().getSigner(mesh, 'nope'), { code: 'ERR_MESH_CA_UNKNOWN_BACKEND' });
  });

  it('a bad caCert.expiration is refused before any key is generated', async () => {
    const { managers, counter } = setup();
    const mesh = meshOf('default', [{ name: 'ca-1', type: 'builtin', conf: { caCert: { expiration: 'ten years' } } }]);
    await assert.rejects(managers().ensure(mesh, 'ca-1'), { code: 'ERR_MESH_CA_CONFIG', message: /conf\.caCert\.expiration "ten years" is not a valid duration/ });
    assert.equal(counter.n, 0);
  });
});
