import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { JsonObject, Resource } from '../../core/resources/index.js';
import { MeshCaManagers } from '../../managers/mesh-ca/index.js';
import { createCsr, generateKeyPair, readCertificateInfo, type KeyPair } from '../../pki/index.js';
import { MemoryResourceStore } from '../../store/memory/memory-store.js';
import { StrictResourceStore } from '../../store/strict-store.js';
import { certText, extensionText, openssl, opensslOk, withTempDir } from '../../../test/support/openssl.js';
import { IdentityIssuer, renewalTime } from './issuer.js';

const NOW = new Date('2031-03-01T10:00:00Z');
const AT = String(NOW.getTime() / 1000 + 60); // openssl verify -attime
const URIS = ['spiffe://default/web', 'spiffe://default/web-api', 'kuma://kuma.io/service/web', 'kuma://kuma.io/service/web-api', 'kuma://version/v1'];

let caKeys: KeyPair[];
let proxyKey: KeyPair;
before(async () => {
  [caKeys, proxyKey] = await Promise.all([Promise.all([generateKeyPair('rsa'), generateKeyPair('rsa')]), generateKeyPair('ecdsa')]);
});

function resource(type: string, name: string, mesh: string, spec: JsonObject, labels: Record<string, string> = {}): Resource {
  return { type, meta: { name, mesh, version: '1', labels, creationTime: NOW, modificationTime: NOW }, spec };
}

const builtin = (name: string, extra: JsonObject = {}): JsonObject => ({ name, type: 'builtin', ...extra });
const meshOf = (enabled: string, backends: JsonObject[]): Resource => resource('Mesh', 'default', '', { mtls: { enabledBackend: enabled, backends } });

const WEB = resource('Dataplane', 'web-1', 'default', {
  networking: {
    address: '10.0.0.1',
    inbound: [
      { port: 8080, tags: { 'kuma.io/service': 'web', version: 'v1' } },
      { port: 8081, tags: { 'kuma.io/service': 'web-api', version: 'v1' } },
    ],
  },
});

async function setup(mesh: Resource) {
  const store = new StrictResourceStore(new MemoryResourceStore({ now: () => NOW }));
  await store.create({ type: 'Mesh', meta: { name: 'default', mesh: '' }, spec: mesh.spec });
  let n = 0;
  const ca = new MeshCaManagers({ store, now: () => NOW, newRsaKey: async () => caKeys[n++ % caKeys.length] as KeyPair });
  await ca.ensureMeshCas(mesh);
  return { store, ca, issuer: new IdentityIssuer({ ca, now: () => NOW }) };
}

const csrFor = (uris: string[], keyPair: KeyPair = proxyKey): string => createCsr({ keyPair, uriSans: uris }).csrPem;

describe('IdentityIssuer: certificates from a CSR', () => {
  it('never issues past the CA: a CA expiring before the identity lifetime caps it (renewal then comes early)', async () => {
    const mesh = meshOf('ca-1', [builtin('ca-1', { conf: { caCert: { expiration: '2h' } } })]);
    const { issuer } = await setup(mesh);
    const issued = await issuer.issue({ mesh, dataplane: WEB, csr: csrFor(URIS) });
    assert.equal(issued.expiresAt.toISOString(), '2031-03-01T12:00:00.000Z');
    assert.ok(renewalTime(issued.issuedAt, issued.expiresAt).getTime() < issued.expiresAt.getTime());
  });

  it("issues Kuma's identity certificate for the key in the request; openssl verifies it against the roots", async () => {
    const mesh = meshOf('ca-1', [builtin('ca-1')]);
    const { issuer, ca } = await setup(mesh);
    const issued = await issuer.issue({ mesh, dataplane: WEB, csr: csrFor([...URIS].reverse()) });
    const cert = new X509Certificate(issued.certPem);
    assert.ok(cert.publicKey.equals(proxyKey.publicKey));
    const info = readCertificateInfo(cert);
    assert.deepEqual(info.altNames.uris, URIS); // Kuma's order, whatever order the request used
    assert.deepEqual(info.subject, []);
    assert.deepEqual(info.basicConstraints, { isCa: false });
    assert.deepEqual(info.extKeyUsage, ['serverAuth', 'clientAuth']);
    assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyEncipherment', 'keyAgreement']);
    assert.ok(info.serial > 0n);
    assert.equal(info.notBefore.toISOString(), '2031-03-01T09:59:50.000Z');
    assert.equal(info.notAfter.toISOString(), '2031-03-02T10:00:00.000Z');
    assert.deepEqual(
      { issuedAt: issued.issuedAt.toISOString(), expiresAt: issued.expiresAt.toISOString(), backend: issued.issuedBackend, supported: issued.supportedBackends },
      { issuedAt: NOW.toISOString(), expiresAt: '2031-03-02T10:00:00.000Z', backend: 'ca-1', supported: ['ca-1'] },
    );
    assert.deepEqual(issued.chainPem, [issued.certPem]);
    assert.deepEqual(issued.rootsPem, await ca.getRootCerts(mesh, 'ca-1'));
    assert.equal(renewalTime(issued.issuedAt, issued.expiresAt).toISOString(), '2031-03-02T05:12:00.000Z');

    const text = certText(issued.certPem);
    assert.deepEqual(extensionText(text, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:FALSE' });
    assert.deepEqual(extensionText(text, 'X509v3 Extended Key Usage'), { critical: false, value: 'TLS Web Server Authentication, TLS Web Client Authentication' });
    assert.deepEqual(extensionText(text, 'X509v3 Subject Alternative Name'), { critical: true, value: URIS.map((u) => `URI:${u}`).join(', ') });
    await withTempDir(async (_d, write) => {
      const roots = await write('roots.pem', issued.rootsPem.join(''));
      const leaf = await write('leaf.pem', issued.certPem);
      assert.match(opensslOk(['verify', '-attime', AT, '-purpose', 'sslclient', '-CAfile', roots, leaf]), /leaf\.pem: OK/);
      assert.match(opensslOk(['verify', '-attime', AT, '-purpose', 'sslserver', '-CAfile', roots, leaf]), /leaf\.pem: OK/);
    });
  });

  it('dpCert.rotation.expiration sets the lifetime; an openssl-made CSR (an independent client) is accepted', async () => {
    const mesh = meshOf('ca-1', [builtin('ca-1', { dpCert: { rotation: { expiration: '1h' } } })]);
    const { issuer } = await setup(mesh);
    await withTempDir(async (dir) => {
      opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', `${dir}/k.pem`]);
      const csr = opensslOk(['req', '-new', '-key', `${dir}/k.pem`, '-subj', '/', '-addext', `subjectAltName=${URIS.map((u) => `URI:${u}`).join(',')}`]);
      const issued = await issuer.issue({ mesh, dataplane: WEB, csr });
      assert.equal(issued.expiresAt.toISOString(), '2031-03-01T11:00:00.000Z');
    });
  });

  it('CA rotation: with two backends the roots of both are handed out; the leaf chains to the enabled one only', async () => {
    const mesh = meshOf('ca-new', [builtin('ca-old'), builtin('ca-new')]);
    const { issuer, ca } = await setup(mesh);
    const issued = await issuer.issue({ mesh, dataplane: WEB, csr: csrFor(URIS) });
    assert.equal(issued.issuedBackend, 'ca-new');
    assert.deepEqual(issued.supportedBackends, ['ca-new', 'ca-old']);
    assert.equal(issued.rootsPem.length, 2);
    assert.deepEqual(issued.rootsByBackend.map((r) => r.backend), ['ca-new', 'ca-old']);
    await withTempDir(async (_d, write) => {
      const leaf = await write('leaf.pem', issued.certPem);
      const bundle = await write('bundle.pem', issued.rootsPem.join(''));
      const oldOnly = await write('old.pem', (await ca.getRootCerts(mesh, 'ca-old')).join(''));
      assert.match(opensslOk(['verify', '-attime', AT, '-CAfile', bundle, leaf]), /: OK/);
      const r = openssl(['verify', '-attime', AT, '-CAfile', oldOnly, leaf]);
      assert.notEqual(r.status, 0);
    });
  });

  it('a provided CA that is an intermediate: the chain carries it, openssl verifies up to the root', async () => {
    await withTempDir(async (dir, write) => {
      const ext = await write('ext.cnf', '[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n');
      await write('root.cnf', '[req]\ndistinguished_name = dn\nx509_extensions = ca\n[dn]\n[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n');
      for (const k of ['root', 'inter']) opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${dir}/${k}.key`]);
      opensslOk(['req', '-x509', '-new', '-key', `${dir}/root.key`, '-subj', '/CN=Root', '-days', '3650', '-config', `${dir}/root.cnf`, '-out', `${dir}/root.pem`]);
      opensslOk(['req', '-new', '-key', `${dir}/inter.key`, '-subj', '/CN=Intermediate', '-out', `${dir}/inter.csr`]);
      opensslOk(['x509', '-req', '-in', `${dir}/inter.csr`, '-CA', `${dir}/root.pem`, '-CAkey', `${dir}/root.key`, '-set_serial', '2', '-days', '3650', '-extfile', ext, '-extensions', 'ca', '-out', `${dir}/inter.pem`]);
      const chain = opensslOk(['x509', '-in', `${dir}/inter.pem`]) + opensslOk(['x509', '-in', `${dir}/root.pem`]);
      const mesh = meshOf('ours', [{ name: 'ours', type: 'provided', conf: { cert: { inlineString: chain }, key: { file: `${dir}/inter.key` } } }]);
      const { issuer, ca } = await setup(mesh);
      assert.deepEqual(await ca.validateMesh('default', mesh.spec), []);
      const issued = await issuer.issue({ mesh, dataplane: WEB, csr: csrFor(URIS) });
      assert.equal(issued.chainPem.length, 2);
      assert.equal(issued.rootsPem.length, 2);
      const leaf = await write('leaf.pem', issued.certPem);
      const untrusted = await write('untrusted.pem', issued.chainPem.slice(1).join(''));
      assert.match(opensslOk(['verify', '-attime', AT, '-CAfile', `${dir}/root.pem`, '-untrusted', untrusted, leaf]), /: OK/);
    });
  });
});

describe('IdentityIssuer: refusals', () => {
  let mesh: Resource;
  let issuer: IdentityIssuer;
  before(async () => {
    mesh = meshOf('ca-1', [builtin('ca-1')]);
    ({ issuer } = await setup(mesh));
  });
  const WHO = 'the certificate request of Dataplane "web-1" in mesh "default"';
  const refuse = (csr: string | Uint8Array, code: string, message: RegExp | string) =>
    assert.rejects(issuer.issue({ mesh, dataplane: WEB, csr }), typeof message === 'string' ? { code, message } : { code, message });

  it('foreign SPIFFE IDs: another service, another mesh', async () => {
    await refuse(csrFor([...URIS, 'spiffe://default/db']), 'ERR_IDENTITY_CSR_FOREIGN_ID', `${WHO} asks for SPIFFE ID "spiffe://default/db", which is not its identity: it may ask only for spiffe://default/web, spiffe://default/web-api`);
    await refuse(csrFor(URIS.map((u) => u.replace('spiffe://default/', 'spiffe://other/'))), 'ERR_IDENTITY_CSR_FOREIGN_ID', /asks for SPIFFE ID "spiffe:\/\/other\/web"/);
  });

  it('extra SANs: DNS, IP, a tag the Dataplane does not have; duplicates', async () => {
    await refuse(createCsr({ keyPair: proxyKey, uriSans: URIS, dnsSans: ['web.example.com'] }).csrPem, 'ERR_IDENTITY_CSR_EXTRA_SAN', `${WHO} asks for DNS SAN "web.example.com", but identity certificates carry only URI SANs: request exactly ${URIS.join(', ')}`);
    await refuse(createCsr({ keyPair: proxyKey, uriSans: URIS, ipSans: ['10.0.0.1'] }).csrPem, 'ERR_IDENTITY_CSR_EXTRA_SAN', /asks for IP SAN 10\.0\.0\.1/);
    await refuse(csrFor([...URIS, 'kuma://team/admin']), 'ERR_IDENTITY_CSR_EXTRA_SAN', /asks for URI SAN "kuma:\/\/team\/admin", which is not one of its tags: request exactly/);
    await refuse(csrFor([...URIS, 'https://evil.example/']), 'ERR_IDENTITY_CSR_EXTRA_SAN', /which is not part of its identity/);
    await refuse(csrFor([...URIS, URIS[0] as string]), 'ERR_IDENTITY_CSR_EXTRA_SAN', /asks for URI SAN "spiffe:\/\/default\/web" more than once/);
  });

  it('missing SANs (the Dataplane changed since the request was built)', async () => {
    await refuse(csrFor(URIS.slice(0, 4)), 'ERR_IDENTITY_CSR_MISSING_SAN', `${WHO} does not ask for "kuma://version/v1": request exactly ${URIS.join(', ')} (the Dataplane's tags may have changed; rebuild the request from the latest config)`);
  });

  it('bad signature: a SAN edited after signing', async () => {
    const der = Buffer.from(createCsr({ keyPair: proxyKey, uriSans: URIS }).csrDer);
    const at = der.indexOf('spiffe://default/web-api');
    der.write('spiffe://default/db-api', at); // different text, one byte shorter: pad to keep the length
    der[at + 'spiffe://default/db-api'.length] = 0x78; // 'x'
    await refuse(der, 'ERR_IDENTITY_CSR_BAD_SIGNATURE', `${WHO} has a signature that does not verify with its own public key: it was altered or built wrongly; create a new request signed with the key it carries`);
  });

  it('CA=true, weak keys, a subject, unknown extensions (requests made by openssl)', async () => {
    await withTempDir(async (dir) => {
      const san = `subjectAltName=${URIS.map((u) => `URI:${u}`).join(',')}`;
      const key = (name: string, args: string[]): string => {
        opensslOk(['genpkey', ...args, '-out', `${dir}/${name}`]);
        return `${dir}/${name}`;
      };
      const p256 = key('p256.pem', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
      const req = (k: string, ...extra: string[]): string => opensslOk(['req', '-new', '-key', k, '-subj', '/', '-addext', san, ...extra]);
      await refuse(req(p256, '-addext', 'basicConstraints=critical,CA:TRUE'), 'ERR_IDENTITY_CSR_CA', /asks for a CA certificate \(basicConstraints CA=true\), but identity certificates cannot sign other certificates/);
      await refuse(req(key('rsa1024.pem', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'])), 'ERR_IDENTITY_CSR_WEAK_KEY', `${WHO} has a 1024-bit RSA key, which is too weak: use an ECDSA P-256 key (what kuma-dp generates), P-384, or RSA of 2048 to 8192 bits`);
      await refuse(req(key('k1.pem', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'])), 'ERR_IDENTITY_CSR_WEAK_KEY', /has an EC key on curve secp256k1, which is not accepted/);
      await refuse(req(key('ed.pem', ['-algorithm', 'ED25519'])), 'ERR_IDENTITY_CSR_WEAK_KEY', /has a key of type ed25519, which is not accepted/);
      await refuse(opensslOk(['req', '-new', '-key', p256, '-subj', '/CN=admin', '-addext', san]), 'ERR_IDENTITY_CSR_UNEXPECTED', `${WHO} has subject "CN=admin", but identity certificates have an empty subject: leave the subject empty`);
      await refuse(req(p256, '-addext', '1.2.3.4=ASN1:UTF8String:hello'), 'ERR_IDENTITY_CSR_UNEXPECTED', /asks for extension 1\.2\.3\.4, which identity certificates do not carry/);
      // basicConstraints CA=false and usages are fine: the issued certificate has fixed ones.
      await issuer.issue({ mesh, dataplane: WEB, csr: req(p256, '-addext', 'basicConstraints=CA:FALSE', '-addext', 'keyUsage=digitalSignature') });
    });
  });

  it('garbage, mTLS off, a Dataplane without identity, a missing CA', async () => {
    await refuse('not a csr', 'ERR_IDENTITY_CSR_MALFORMED', /^the certificate request of Dataplane "web-1" in mesh "default" cannot be read: no certificate request found/);
    await refuse(Buffer.from([0x30, 0x82, 0xff, 0xff, 1, 2, 3]), 'ERR_IDENTITY_CSR_MALFORMED', /cannot be read: malformed DER/);
    await assert.rejects(issuer.issue({ mesh: meshOf('', [builtin('ca-1')]), dataplane: WEB, csr: csrFor(URIS) }), {
      code: 'ERR_IDENTITY_MTLS_DISABLED',
      message: 'mesh "default" has mTLS disabled, so Dataplane "web-1" gets no identity certificate: enable mtls.enabledBackend on the Mesh',
    });
    const anonymous = resource('Dataplane', 'anon', 'default', { networking: { address: '10.0.0.2', inbound: [{ port: 80, tags: { version: 'v1' } }] } });
    await assert.rejects(issuer.issue({ mesh, dataplane: anonymous, csr: csrFor(URIS) }), { code: 'ERR_IDENTITY_NO_IDENTITY' });
    await assert.rejects(issuer.issue({ mesh: meshOf('ca-2', [builtin('ca-2')]), dataplane: WEB, csr: csrFor(URIS) }), {
      code: 'ERR_IDENTITY_CA',
      message: 'cannot issue an identity for Dataplane "web-1": failed to load CA key pair for Mesh "default" and backend "ca-2": resource not found: type="Secret" name="default.ca-builtin-cert-ca-2" mesh="default"',
    });
  });
});
