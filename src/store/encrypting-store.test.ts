import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { recordingLogger, silentLogger } from '../core/log.js';
import type { JsonObject } from '../core/resources/json.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';
import { runStoreContract } from './contract.js';
import { EncryptingResourceStore } from './encrypting-store.js';
import { MemoryResourceStore } from './memory/memory-store.js';
import type { NewResource, ResourceStore } from './resource-store.js';
import { encryptionKeyIdOf } from './secrets-encryption.js';
import { KEY_FILE_SETTING, KEY_SETTING, SecretsKeyring } from './secrets-keyring.js';
import { reencryptAll } from './secrets-reencrypt.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ringA = SecretsKeyring.fromKeys([keyA]);

runStoreContract('encrypting(memory)', async () => {
  const store = new EncryptingResourceStore(new MemoryResourceStore(), ringA);
  return { store, cleanup: () => store.close() };
});

const PLAINTEXT = 'top-secret-value-0123456789';
const DATA = Buffer.from(PLAINTEXT).toString('base64');
const secret = (mesh: string, name: string, data = DATA): NewResource => ({ type: 'Secret', meta: { name, mesh }, spec: { data } });
const globalSecret = (name: string, data = DATA): NewResource => ({ type: 'GlobalSecret', meta: { name, mesh: '' }, spec: { data } });
const sKey = (mesh: string, name: string): ResourceKey => ({ type: 'Secret', mesh, name });

/** Overwrites the stored spec of `key` in the raw store, like someone editing the database. */
async function rawWrite(inner: ResourceStore, key: ResourceKey, spec: JsonObject): Promise<void> {
  const r = await inner.get(key);
  await inner.update({ ...r, spec });
}

const storedValue = async (inner: ResourceStore, key: ResourceKey): Promise<string> => {
  const v = (await inner.get(key)).spec['encrypted'];
  assert.equal(typeof v, 'string');
  return v as string;
};

describe('EncryptingResourceStore', () => {
  test('the inner store holds neither the base64 data nor its bytes; reads give the plain spec back', async () => {
    const inner = new MemoryResourceStore();
    const store = new EncryptingResourceStore(inner, ringA);
    const created = await store.create(secret('default', 's1'));
    assert.deepEqual(created.spec, { data: DATA });
    await store.create(globalSecret('g1'));
    for (const key of [sKey('default', 's1'), { type: 'GlobalSecret', mesh: '', name: 'g1' }]) {
      const raw = JSON.stringify((await inner.get(key)).spec);
      assert.ok(!raw.includes(DATA) && !raw.includes(PLAINTEXT), raw);
      assert.match(raw, /^\{"encrypted":"v1:[0-9a-f]{12}:[A-Za-z0-9+/]+=*"\}$/);
      assert.equal(encryptionKeyIdOf((await inner.get(key)).spec, key), ringA.current.id);
      assert.deepEqual((await store.get(key)).spec, { data: DATA });
    }
    assert.deepEqual((await store.list('Secret')).items.map((r) => r.spec), [{ data: DATA }]);
    // A fresh IV per write: the same plaintext never gives the same ciphertext.
    const before = await storedValue(inner, sKey('default', 's1'));
    const updated = await store.update({ ...created, spec: { data: DATA } });
    assert.deepEqual(updated.spec, { data: DATA });
    assert.notEqual(await storedValue(inner, sKey('default', 's1')), before);
  });

  test('other types pass through untouched', async () => {
    const inner = new MemoryResourceStore();
    const store = new EncryptingResourceStore(inner, ringA);
    await store.create({ type: 'Mesh', meta: { name: 'm', mesh: '' }, spec: { mtls: { enabledBackend: 'ca-1' } } });
    assert.deepEqual((await inner.get({ type: 'Mesh', mesh: '', name: 'm' })).spec, { mtls: { enabledBackend: 'ca-1' } });
  });

  test('a ciphertext moved to another row (name, mesh or type) does not decrypt', async () => {
    const inner = new MemoryResourceStore();
    const store = new EncryptingResourceStore(inner, ringA);
    await store.create(secret('default', 'a'));
    await store.create(secret('default', 'b', 'b3RoZXI='));
    await store.create(secret('other', 'a', 'b3RoZXI='));
    await store.create(globalSecret('a', 'b3RoZXI='));
    const stolen = (await inner.get(sKey('default', 'a'))).spec;
    for (const target of [sKey('default', 'b'), sKey('other', 'a'), { type: 'GlobalSecret', mesh: '', name: 'a' }]) {
      await rawWrite(inner, target, stolen);
      await assert.rejects(store.get(target), (err: Error & { code: string }) => {
        assert.equal(err.code, 'ERR_SECRET_DECRYPTION');
        assert.match(err.message, /does not authenticate: it was altered, or copied from another resource/);
        assert.ok(!err.message.includes(DATA) && !err.message.includes(PLAINTEXT));
        return true;
      });
    }
    assert.deepEqual((await store.get(sKey('default', 'a'))).spec, { data: DATA });
  });

  test('an altered, truncated or malformed ciphertext fails clearly, and fails the whole list', async () => {
    const inner = new MemoryResourceStore();
    const store = new EncryptingResourceStore(inner, ringA);
    await store.create(secret('default', 's'));
    const value = await storedValue(inner, sKey('default', 's'));
    const [format, kid, b64] = value.split(':') as [string, string, string];
    const blob = Buffer.from(b64, 'base64');
    const flipped = Buffer.from(blob);
    flipped[14] = (flipped[14] ?? 0) ^ 1; // a ciphertext byte
    const cases: [JsonObject, RegExp][] = [
      [{ encrypted: `${format}:${kid}:${flipped.toString('base64')}` }, /does not authenticate/],
      [{ encrypted: `${format}:${kid}:${blob.subarray(0, 20).toString('base64')}` }, /truncated/],
      [{ encrypted: `${format}:${kid}` }, /malformed/],
      [{ encrypted: `v9:${kid}:${b64}` }, /unknown ciphertext format "v9"/],
      [{ encrypted: value, data: DATA }, /unexpected shape/],
      [{ encrypted: 42 }, /unexpected shape/],
    ];
    for (const [spec, message] of cases) {
      await rawWrite(inner, sKey('default', 's'), spec);
      await assert.rejects(store.get(sKey('default', 's')), { code: 'ERR_SECRET_DECRYPTION', message });
      await assert.rejects(store.list('Secret'), { code: 'ERR_SECRET_DECRYPTION' });
    }
  });

  test('the reserved "encrypted" field cannot be written through the store', async () => {
    for (const ring of [ringA, undefined]) {
      const store = new EncryptingResourceStore(new MemoryResourceStore(), ring);
      await assert.rejects(store.create({ type: 'Secret', meta: { name: 's', mesh: 'm' }, spec: { encrypted: 'v1:x:y' } }), {
        code: 'ERR_STORE_INVALID',
        message: 'invalid: Secret spec field "encrypted" is reserved for encryption at rest',
      });
    }
  });

  test('plain rows written before encryption read as-is and are reported for re-encryption', async () => {
    const inner = new MemoryResourceStore();
    await inner.create(secret('default', 'legacy'));
    const store = new EncryptingResourceStore(inner, ringA);
    assert.deepEqual((await store.get(sKey('default', 'legacy'))).spec, { data: DATA });
    assert.equal(await store.needsReencryption(sKey('default', 'legacy')), true);
    await store.create(secret('default', 'new'));
    assert.equal(await store.needsReencryption(sKey('default', 'new')), false);
    assert.equal(await store.needsReencryption({ type: 'Mesh', mesh: '', name: 'x' }), false);
  });

  test('without a keyring writes stay plain, but a ciphertext is refused with the settings to set', async () => {
    const inner = new MemoryResourceStore();
    await new EncryptingResourceStore(inner, ringA).create(secret('default', 'enc'));
    const plain = new EncryptingResourceStore(inner, undefined);
    await plain.create(secret('default', 'p'));
    assert.deepEqual((await inner.get(sKey('default', 'p'))).spec, { data: DATA });
    await assert.rejects(plain.get(sKey('default', 'enc')), {
      code: 'ERR_SECRET_KEY_MISSING',
      message: `cannot decrypt type="Secret" name="enc" mesh="default": it is encrypted with key ${ringA.current.id}, but no secrets encryption key is configured: set ${KEY_SETTING} or ${KEY_FILE_SETTING} to that key`,
    });
    assert.equal(await plain.needsReencryption(sKey('default', 'p')), false);
  });

  test('a ciphertext under an unknown key names the key id and the setting that lacks it', async () => {
    const inner = new MemoryResourceStore();
    await new EncryptingResourceStore(inner, ringA).create(secret('default', 's'));
    const fromFile = new EncryptingResourceStore(inner, SecretsKeyring.fromKeys([keyB], KEY_FILE_SETTING));
    await assert.rejects(fromFile.get(sKey('default', 's')), (err: Error & { code: string; keyId: string }) => {
      assert.equal(err.code, 'ERR_SECRET_KEY_MISSING');
      assert.equal(err.keyId, ringA.current.id);
      assert.ok(err.message.includes(`it is encrypted with key ${ringA.current.id}, which is missing from ${KEY_FILE_SETTING}`), err.message);
      assert.match(err.message, /add that key to the file on a line after the current key/);
      return true;
    });
    const inline = new EncryptingResourceStore(inner, SecretsKeyring.fromKeys([keyB], KEY_SETTING));
    await assert.rejects(inline.get(sKey('default', 's')), { code: 'ERR_SECRET_KEY_MISSING', message: new RegExp(`use ${KEY_FILE_SETTING.replaceAll('.', '\\.')} instead`) });
  });
});

describe('key rotation with reencryptAll', () => {
  test('write under A, read with [B, A], re-encrypt, then read with [B] alone', async () => {
    const inner = new MemoryResourceStore();
    const a = new EncryptingResourceStore(inner, ringA);
    await a.create(secret('default', 's1'));
    await a.create(secret('m2', 's2', 'c2Vjb25k'));
    await a.create(globalSecret('g1'));
    await inner.create(secret('default', 'legacy')); // plain, from before encryption
    const before = await inner.get(sKey('default', 's1'));

    // Restart with the new key first and the old one for reading.
    const ringBA = SecretsKeyring.fromKeys([keyB, keyA]);
    const ba = new EncryptingResourceStore(inner, ringBA);
    assert.deepEqual((await ba.get(sKey('m2', 's2'))).spec, { data: 'c2Vjb25k' });
    await ba.create(secret('default', 'under-b'));
    assert.equal(await ba.needsReencryption(sKey('default', 's1')), true);

    const log = recordingLogger();
    const counts = await reencryptAll(inner, ringBA, log);
    assert.deepEqual(counts, { checked: 5, rotated: 3, encrypted: 1, current: 1, vanished: 0, failed: 0 });
    for (const r of [...(await inner.list('Secret')).items, ...(await inner.list('GlobalSecret')).items]) {
      assert.equal(encryptionKeyIdOf(r.spec, { type: r.type, mesh: r.meta.mesh, name: r.meta.name }), ringBA.current.id);
    }
    const after = await inner.get(sKey('default', 's1'));
    assert.equal(after.meta.modificationTime.getTime(), before.meta.modificationTime.getTime());
    assert.ok(!JSON.stringify(log.entries).includes(DATA));

    // The old key can go now.
    const b = new EncryptingResourceStore(inner, SecretsKeyring.fromKeys([keyB]));
    assert.deepEqual((await b.get(sKey('default', 's1'))).spec, { data: DATA });
    assert.deepEqual((await b.get(sKey('default', 'legacy'))).spec, { data: DATA });
    assert.deepEqual((await b.list('GlobalSecret')).items.map((r) => r.spec), [{ data: DATA }]);
    assert.deepEqual(await reencryptAll(inner, SecretsKeyring.fromKeys([keyB]), silentLogger), {
      checked: 5, rotated: 0, encrypted: 0, current: 5, vanished: 0, failed: 0,
    });
  });

  test('a concurrent write makes it re-read and retry; a row it cannot read is counted and logged, not fatal', async () => {
    const inner = new MemoryResourceStore();
    await new EncryptingResourceStore(inner, ringA).create(secret('default', 'busy'));
    await new EncryptingResourceStore(inner, SecretsKeyring.fromKeys([randomBytes(32)])).create(secret('default', 'lost-key'));
    let raced = false;
    // Another writer updates "busy" between the run's read and its write, once.
    const racing: ResourceStore = Object.assign(Object.create(inner) as MemoryResourceStore, {
      update: async (r: Resource) => {
        if (!raced && r.meta.name === 'busy') {
          raced = true;
          const cur = await inner.get(sKey('default', 'busy'));
          await inner.update(cur);
        }
        return inner.update(r);
      },
    });
    const ringBA = SecretsKeyring.fromKeys([keyB, keyA]);
    const log = recordingLogger();
    const counts = await reencryptAll(racing, ringBA, log);
    assert.equal(raced, true);
    assert.deepEqual(counts, { checked: 2, rotated: 1, encrypted: 0, current: 0, vanished: 0, failed: 1 });
    assert.equal(encryptionKeyIdOf((await inner.get(sKey('default', 'busy'))).spec, sKey('default', 'busy')), ringBA.current.id);
    const failure = log.entries.find((e) => e.msg === 'could not re-encrypt secret');
    assert.equal(failure?.fields['name'], 'lost-key');
    assert.match(String(failure?.fields['err']), /is missing from/);
  });
});
