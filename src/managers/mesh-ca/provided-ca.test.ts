import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { secretData, type JsonObject, type Resource } from '../../core/resources/index.js';
import { createCaCertificate, generateKeyPair, type KeyPair } from '../../pki/index.js';
import { MemoryResourceStore } from '../../store/memory/memory-store.js';
import { StrictResourceStore } from '../../store/strict-store.js';
import { opensslOk, withTempDir } from '../../../test/support/openssl.js';
import { MeshCaManagers, mtlsWithoutPermissionWarning } from './mesh-ca-managers.js';

// Certificates with exactly the extensions a case needs, made by openssl (an independent issuer).
interface Pair {
  cert: string;
  key: string;
}

function opensslCa(dir: string, name: string): Pair {
  const key = `${dir}/${name}.key`;
  const cfg = `${dir}/${name}.cnf`;
  opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  opensslOk(['req', '-x509', '-new', '-key', key, '-subj', `/CN=${name}`, '-days', '30', '-config', cfg, '-out', `${dir}/${name}.pem`]);
  return { cert: opensslOk(['x509', '-in', `${dir}/${name}.pem`]), key: opensslOk(['pkey', '-in', key]) };
}

const cases: Record<string, string[]> = {
  good: ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign'],
  notCa: [],
  noCertSign: ['basicConstraints = critical, CA:TRUE'],
  keyAgreement: ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign, keyAgreement'],
  everything: ['keyUsage = digitalSignature, keyEncipherment, keyAgreement'],
};

const pairs: Record<string, Pair> = {};
let rsa: KeyPair;
let expired: Pair;

before(async () => {
  rsa = await generateKeyPair('rsa');
  await withTempDir(async (dir, write) => {
    for (const [name, exts] of Object.entries(cases)) {
      await write(`${name}.cnf`, `[req]\ndistinguished_name = dn\nx509_extensions = ext\n[dn]\n[ext]\n${exts.join('\n')}\n`);
      pairs[name] = opensslCa(dir, name);
    }
  });
  const old = createCaCertificate({ subject: { commonName: 'old' }, keyPair: rsa, now: new Date('2020-01-01T00:00:00Z'), validityMs: 86_400_000 });
  expired = { cert: old.certPem, key: old.keyPem };
});

function setup() {
  const store = new StrictResourceStore(new MemoryResourceStore());
  return { store, managers: new MeshCaManagers({ store }) };
}

const provided = (conf: JsonObject, extra: JsonObject = {}): JsonObject => ({ mtls: { enabledBackend: 'provided-1', backends: [{ name: 'provided-1', type: 'provided', conf }] }, ...extra });
const inline = (p: Pair): JsonObject => ({ cert: { inlineString: p.cert }, key: { inlineString: p.key } });

async function violations(spec: JsonObject): Promise<string[]> {
  const { managers } = setup();
  return (await managers.validateMesh('default', spec)).map((v) => `${v.field}: ${v.message}`);
}

const AT = 'mtls.backends[0].conf';

describe('provided CA validation (Kuma ca_cert_validator_test + manager_test)', () => {
  it('accepts a proper CA certificate', async () => {
    assert.deepEqual(await violations(provided(inline(pairs['good'] as Pair))), []);
  });

  it('not a CA, no keyCertSign, keyAgreement: the X509-SVID messages on cert[0]', async () => {
    assert.deepEqual(await violations(provided(inline(pairs['notCa'] as Pair))), [
      `${AT}.cert[0]: basic constraint 'CA' must be set to 'true' (see X509-SVID: 4.1. Basic Constraints)`,
      `${AT}.cert[0]: key usage extension 'keyCertSign' must be set (see X509-SVID: 4.3. Key Usage)`,
    ]);
    assert.deepEqual(await violations(provided(inline(pairs['noCertSign'] as Pair))), [`${AT}.cert[0]: key usage extension 'keyCertSign' must be set (see X509-SVID: 4.3. Key Usage)`]);
    assert.deepEqual(await violations(provided(inline(pairs['keyAgreement'] as Pair))), [
      `${AT}.cert[0]: key usage extension 'keyAgreement' must NOT be set (see X509-SVID: Appendix A. X.509 Field Reference)`,
    ]);
    assert.deepEqual(await violations(provided(inline(pairs['everything'] as Pair))), [
      `${AT}.cert[0]: basic constraint 'CA' must be set to 'true' (see X509-SVID: 4.1. Basic Constraints)`,
      `${AT}.cert[0]: key usage extension 'keyCertSign' must be set (see X509-SVID: 4.3. Key Usage)`,
      `${AT}.cert[0]: key usage extension 'keyAgreement' must NOT be set (see X509-SVID: Appendix A. X.509 Field Reference)`,
    ]);
  });

  it("key pair problems in Go's tls.X509KeyPair words", async () => {
    const good = pairs['good'] as Pair;
    const other = pairs['notCa'] as Pair;
    assert.deepEqual(await violations(provided({ cert: { inlineString: good.cert }, key: { inlineString: other.key } })), [
      `${AT}.cert: not a valid TLS key pair: tls: private key does not match public key`,
    ]);
    assert.deepEqual(await violations(provided({ cert: { inlineString: good.cert }, key: { inlineString: expired.key } })), [
      `${AT}.cert: not a valid TLS key pair: tls: private key type does not match public key type`,
    ]);
    assert.deepEqual(await violations(provided({ cert: { inline: 'dGVzdA==' }, key: { inline: 'dGVzdA==' } })), [
      `${AT}.cert: not a valid TLS key pair: tls: failed to find any PEM data in certificate input`,
    ]);
    assert.deepEqual(await violations(provided({ cert: { inlineString: good.key }, key: { inlineString: good.cert } })), [
      `${AT}.cert: not a valid TLS key pair: tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched`,
    ]);
    assert.deepEqual(await violations(provided({ cert: { inlineString: good.cert }, key: { inlineString: good.cert } })), [
      `${AT}.cert: not a valid TLS key pair: tls: found a certificate rather than a key in the PEM for the private key`,
    ]);
  });

  it('data sources: missing file and missing Secret reported on cert and key; base64 inline and Secret accepted', async () => {
    assert.deepEqual(await violations(provided({ cert: { file: '/tmp/non-existing-file' }, key: { file: '/tmp/non-existing-file' } })), [
      `${AT}.cert: could not load data: open /tmp/non-existing-file: no such file or directory`,
      `${AT}.key: could not load data: open /tmp/non-existing-file: no such file or directory`,
    ]);
    assert.deepEqual(await violations(provided({ cert: { secret: 'ca-cert' }, key: { secret: 'ca-key' } })), [
      `${AT}.cert: could not load data: resource not found: type="Secret" name="ca-key" mesh="default"`,
      `${AT}.key: could not load data: resource not found: type="Secret" name="ca-key" mesh="default"`,
    ]);
    const good = pairs['good'] as Pair;
    assert.deepEqual(await violations(provided({ cert: { inline: Buffer.from(good.cert).toString('base64') }, key: { inline: Buffer.from(good.key).toString('base64') } })), []);

    const { store, managers } = setup();
    await store.create({ type: 'Mesh', meta: { name: 'default', mesh: '' }, spec: {} });
    const owner = { type: 'Mesh', mesh: '', name: 'default' };
    await store.create({ type: 'Secret', meta: { name: 'ca-cert', mesh: 'default' }, spec: { data: secretData(Buffer.from(good.cert)) } }, { owner });
    await store.create({ type: 'Secret', meta: { name: 'ca-key', mesh: 'default' }, spec: { data: secretData(Buffer.from(good.key)) } }, { owner });
    assert.deepEqual(await managers.validateMesh('default', provided({ cert: { secret: 'ca-cert' }, key: { secret: 'ca-key' } })), []);
  });

  it('files are read as Kuma does', async () => {
    await withTempDir(async (_dir, write) => {
      const good = pairs['good'] as Pair;
      const cert = await write('ca.pem', good.cert);
      const key = await write('ca.key', good.key);
      assert.deepEqual(await violations(provided({ cert: { file: cert }, key: { file: key } })), []);
    });
  });

  it('ours, beyond Kuma: an expired CA is refused; skipValidation skips everything; structural problems are left to core', async () => {
    const [expiredViolation, ...others] = await violations(provided(inline(expired)));
    assert.deepEqual(others, []);
    assert.match(expiredViolation ?? '', /^mtls\.backends\[0\]\.conf\.cert\[0\]: certificate expired at 2020-01-02T00:00:00\.000Z \(now is .+\): provide a CA certificate that is currently valid$/);
    assert.deepEqual(await violations({ mtls: { skipValidation: true, backends: [{ name: 'p', type: 'provided', conf: { cert: { file: '/nope' }, key: { file: '/nope' } } }] } }), []);
    assert.deepEqual(await violations(provided({ cert: {}, key: {} })), []);
    assert.deepEqual(await violations({ mtls: { backends: [{ name: 'x', type: 'vault' }] } }), []);
  });

  it('builtin conf: RSAbits and expiration must be usable', async () => {
    assert.deepEqual(await violations({ mtls: { backends: [{ name: 'b', type: 'builtin', conf: { caCert: { RSAbits: 1024, expiration: '10 years' } } }] } }), [
      `${AT}.caCert.RSAbits: must be a multiple of 8 between 2048 and 16384 (default 2048)`,
      `${AT}.caCert.expiration: has to be a valid format`,
    ]);
  });
});

describe('provided CA at use', () => {
  const meshWith = (conf: JsonObject): Resource => {
    const t = new Date();
    return { type: 'Mesh', meta: { name: 'default', mesh: '', version: '1', labels: {}, creationTime: t, modificationTime: t }, spec: provided(conf) };
  };

  it('signer and roots come from the data sources; the root is the certificate as given', async () => {
    const { managers } = setup();
    const good = pairs['good'] as Pair;
    const mesh = meshWith(inline(good));
    await managers.ensureMeshCas(mesh); // nothing to create
    const signer = await managers.getSigner(mesh, 'provided-1');
    assert.equal(signer.type, 'provided');
    assert.ok(signer.certificate.checkPrivateKey(signer.privateKey));
    assert.deepEqual(signer.intermediatesPem, []);
    assert.deepEqual(await managers.getRootCerts(mesh, 'provided-1'), [good.cert]);
  });

  it('an expired or mismatched provided CA fails at use with a clear message', async () => {
    const { managers } = setup();
    await assert.rejects(managers.getSigner(meshWith(inline(expired)), 'provided-1'), {
      code: 'ERR_MESH_CA_LOAD',
      message: /^failed to load CA key pair for Mesh "default" and backend "provided-1": the CA certificate expired at 2020-01-02T00:00:00.000Z \(now is .*\): replace the CA/,
    });
    const good = pairs['good'] as Pair;
    await assert.rejects(managers.getSigner(meshWith({ cert: { inlineString: good.cert }, key: { inlineString: (pairs['notCa'] as Pair).key } }), 'provided-1'), {
      message: 'failed to load CA key pair for Mesh "default" and backend "provided-1": not a valid TLS key pair: tls: private key does not match public key',
    });
    await assert.rejects(managers.getSigner(meshWith({ cert: { file: 'testdata/invalid.pem' }, key: { file: 'testdata/invalid.key' } }), 'provided-1'), {
      message: 'failed to load CA key pair for Mesh "default" and backend "provided-1": could not load data: open testdata/invalid.key: no such file or directory',
    });
  });
});

describe('mTLS without MeshTrafficPermission warning', () => {
  it('warns while the mesh has mTLS on and no MeshTrafficPermission', async () => {
    const { store, managers } = setup();
    await store.create({ type: 'Mesh', meta: { name: 'default', mesh: '' }, spec: {} });
    const on = { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } };
    assert.deepEqual(await managers.mtlsWarnings('default', on), [mtlsWithoutPermissionWarning('default')]);
    assert.match(mtlsWithoutPermissionWarning('default'), /^mTLS is enabled on Mesh "default" and the mesh has no MeshTrafficPermission, so all traffic between its data plane proxies is denied/);
    assert.deepEqual(await managers.mtlsWarnings('default', {}), []);
    await store.create(
      { type: 'MeshTrafficPermission', meta: { name: 'allow-all', mesh: 'default' }, spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] } },
      { owner: { type: 'Mesh', mesh: '', name: 'default' } },
    );
    assert.deepEqual(await managers.mtlsWarnings('default', on), []);
  });
});
