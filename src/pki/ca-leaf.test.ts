import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { createCaCertificate } from './ca.js';
import { readCertificateInfo } from './certificate-info.js';
import { generateKeyPair, generateKeyPairLike, type KeyPair } from './keys.js';
import { issueLeafCertificate, type CertificateAuthority } from './leaf.js';
import { createSelfSignedCertificate } from './self-signed.js';
import { certText, extensionText, opensslOk, withTempDir } from '../../test/support/openssl.js';

const HOUR = 3_600_000;
const MESH_SUBJECT = { organization: 'Kuma', organizationalUnit: 'Mesh', commonName: 'default' };

describe('createCaCertificate (Kuma GenerateCA, builtin mesh CA)', () => {
  let rsa: KeyPair;
  let ec: KeyPair;
  before(async () => {
    [rsa, ec] = await Promise.all([generateKeyPair('rsa'), generateKeyPair('ecdsa')]);
  });

  it('GenerateCA: IsCA, CN as given, certSign+cRLSign, serial 0, now−5m … now+10y', () => {
    const now = new Date('2031-01-01T00:00:00Z');
    const ca = createCaCertificate({ subject: { commonName: 'Envoy Admin CA' }, keyPair: rsa, now });
    const info = readCertificateInfo(ca.certificate);
    assert.equal(ca.certificate.ca, true);
    assert.deepEqual(info.basicConstraints, { isCa: true });
    assert.deepEqual(info.subject.map((a) => `${a.type}=${a.value}`), ['CN=Envoy Admin CA']);
    assert.deepEqual(info.keyUsage, ['keyCertSign', 'cRLSign']);
    assert.equal(info.serial, 0n);
    assert.equal(info.notBefore.toISOString(), '2030-12-31T23:55:00.000Z');
    assert.equal(info.notAfter.toISOString(), '2040-12-29T00:00:00.000Z');
    assert.equal(info.extKeyUsage, undefined);
    assert.ok(info.subjectKeyId && info.subjectKeyId.length === 20);
    assert.equal(info.authorityKeyId, undefined);
    assert.match(ca.keyPem, /^-{5}BEGIN RSA PRIVATE KEY-{5}/);
  });

  it('mesh CA: O=Kuma, OU=Mesh, CN=<mesh>, URI SAN spiffe://<mesh> (not critical), 10 s skew, random serial on request', async () => {
    const now = new Date('2031-01-01T00:00:00Z');
    const ca = createCaCertificate({ subject: MESH_SUBJECT, keyPair: ec, uriSans: ['spiffe://default'], now, clockSkewMs: 10_000, serial: 'random' });
    const info = readCertificateInfo(ca.certificate);
    assert.equal(info.notBefore.toISOString(), '2030-12-31T23:59:50.000Z');
    assert.ok(info.serial > 0n);
    const text = certText(ca.certPem);
    assert.match(text, /Subject: O ?= ?Kuma, OU ?= ?Mesh, CN ?= ?default/);
    assert.match(text, /Issuer: O ?= ?Kuma, OU ?= ?Mesh, CN ?= ?default/);
    assert.deepEqual(extensionText(text, 'X509v3 Key Usage'), { critical: true, value: 'Certificate Sign, CRL Sign' });
    assert.deepEqual(extensionText(text, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:TRUE' });
    assert.deepEqual(extensionText(text, 'X509v3 Subject Alternative Name'), { critical: false, value: 'URI:spiffe://default' });
    await withTempDir(async (_d, write) => {
      const p = await write('ca.pem', ca.certPem);
      assert.match(opensslOk(['verify', '-attime', String(now.getTime() / 1000 + 60), '-CAfile', p, p]), /: OK/);
    });
  });

  it('non-ASCII subject values are UTF8String, ASCII ones PrintableString (like Go)', () => {
    const ca = createCaCertificate({ subject: { commonName: 'Größe CA', organization: 'Kuma' }, keyPair: ec });
    const info = readCertificateInfo(ca.certificate);
    assert.deepEqual(info.subject.map((a) => a.value), ['Kuma', 'Größe CA']);
    assert.ok(ca.certDer.includes(Buffer.from([0x13, 0x04, ...Buffer.from('Kuma')])));
    assert.ok(ca.certDer.includes(Buffer.concat([Buffer.from([0x0c, Buffer.byteLength('Größe CA')]), Buffer.from('Größe CA')])));
  });

  it('refuses bad arguments', () => {
    assert.throws(() => createCaCertificate({ subject: MESH_SUBJECT, keyPair: ec, uriSans: ['not a uri'] }), (e: unknown) => hasCode(e, 'ERR_PKI_INVALID_ARGUMENT'));
    assert.throws(() => createCaCertificate({ subject: MESH_SUBJECT, keyPair: ec, validityMs: 0 }), /validityMs must be a positive/);
    assert.throws(() => createCaCertificate({ subject: { commonName: 'x'.repeat(65) }, keyPair: ec }), /longer than 64/);
    assert.throws(() => createCaCertificate({ subject: MESH_SUBJECT, keyPair: ec, serial: -1n }), /negative/);
  });
});

describe('issueLeafCertificate (identity certificates)', () => {
  let rsaCa: CertificateAuthority & { pem: string };
  let ecCa: CertificateAuthority & { pem: string };
  let edCa: CertificateAuthority & { pem: string };
  let leafKeys: KeyPair;
  before(async () => {
    const [rsa, ec] = await Promise.all([generateKeyPair('rsa'), generateKeyPair('ecdsa')]);
    const ed = generateKeyPairSync('ed25519');
    const mk = (kp: KeyPair): CertificateAuthority & { pem: string } => {
      const ca = createCaCertificate({ subject: MESH_SUBJECT, keyPair: kp, uriSans: ['spiffe://default'] });
      return { certificate: ca.certificate, privateKey: kp.privateKey, pem: ca.certPem };
    };
    [rsaCa, ecCa, edCa] = [mk(rsa), mk(ec), mk(ed)];
    leafKeys = await generateKeyPair('ecdsa');
  });

  const window = (): { notBefore: Date; notAfter: Date } => ({ notBefore: new Date(Date.now() - 10_000), notAfter: new Date(Date.now() + 24 * HOUR) });
  const uris = ['spiffe://default/web', 'spiffe://default/web-api', 'kuma://kuma.io/service/web', 'kuma://kuma.io/service/web-api', 'kuma://version/v1'];

  for (const [name, caOf, alg] of [
    ['RSA', () => rsaCa, 'sha256WithRSAEncryption'],
    ['ECDSA', () => ecCa, 'ecdsa-with-SHA256'],
    ['Ed25519', () => edCa, 'ED25519'],
  ] as const) {
    it(`${name} CA: CA=false leaf with URI SANs verifies (node and openssl), EKU server+client, AKI = CA SKI`, async () => {
      const ca = caOf();
      const leaf = issueLeafCertificate({ ca, publicKey: leafKeys.publicKey, uriSans: uris, ekus: ['serverAuth', 'clientAuth'], ...window() });
      const cert = leaf.certificate;
      assert.equal(cert.ca, false);
      assert.equal(cert.verify(ca.certificate.publicKey), true);
      assert.equal(cert.checkIssued(ca.certificate), true);
      assert.equal(cert.subjectAltName, uris.map((u) => `URI:${u}`).join(', '));
      const info = readCertificateInfo(cert);
      assert.deepEqual(info.subject, []);
      assert.deepEqual(info.altNames.uris, uris);
      assert.deepEqual(info.extKeyUsage, ['serverAuth', 'clientAuth']);
      assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyEncipherment', 'keyAgreement']);
      assert.deepEqual(info.basicConstraints, { isCa: false });
      assert.deepEqual(info.authorityKeyId, readCertificateInfo(ca.certificate).subjectKeyId);
      assert.equal(info.subjectKeyId, undefined); // Go adds an SKI only to CA certificates
      assert.equal(info.issuerName.toString('hex'), readCertificateInfo(ca.certificate).subjectName.toString('hex'));
      const text = certText(leaf.certPem);
      assert.match(text, new RegExp(`Signature Algorithm: ${alg}`));
      assert.match(text, /Subject: *\n/);
      assert.deepEqual(extensionText(text, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:FALSE' });
      assert.deepEqual(extensionText(text, 'X509v3 Key Usage'), { critical: true, value: 'Digital Signature, Key Encipherment, Key Agreement' });
      assert.deepEqual(extensionText(text, 'X509v3 Extended Key Usage'), { critical: false, value: 'TLS Web Server Authentication, TLS Web Client Authentication' });
      assert.equal(extensionText(text, 'X509v3 Subject Alternative Name')?.critical, true);
      await withTempDir(async (_d, write) => {
        const caFile = await write('ca.pem', ca.pem);
        const leafFile = await write('leaf.pem', leaf.certPem);
        for (const purpose of ['sslserver', 'sslclient']) {
          assert.match(opensslOk(['verify', '-CAfile', caFile, '-purpose', purpose, leafFile]), /leaf\.pem: OK/);
        }
      });
    });
  }

  it('DNS and IP SANs, a subject (then SAN not critical), custom key usage, explicit serial', () => {
    const leaf = issueLeafCertificate({
      ca: ecCa,
      publicKey: leafKeys.privateKey, // the public half is used
      dnsSans: ['web.mesh', '*.web.mesh'],
      ipSans: ['10.0.0.1', 'fd00::5'],
      ekus: ['serverAuth'],
      keyUsage: ['digitalSignature'],
      subject: { commonName: 'web' },
      serial: 0x1234n,
      ...window(),
    });
    const text = certText(leaf.certPem);
    assert.match(text, /Subject: CN ?= ?web/);
    assert.deepEqual(extensionText(text, 'X509v3 Subject Alternative Name'), { critical: false, value: 'DNS:web.mesh, DNS:*.web.mesh, IP Address:10.0.0.1, IP Address:FD00:0:0:0:0:0:0:5' });
    assert.deepEqual(extensionText(text, 'X509v3 Key Usage'), { critical: true, value: 'Digital Signature' });
    assert.equal(readCertificateInfo(leaf.certificate).serial, 0x1234n);
    assert.equal(leaf.certificate.checkHost('api.web.mesh'), '*.web.mesh');
    assert.equal(leaf.certificate.checkIP('10.0.0.1'), '10.0.0.1');
  });

  it('dates: UTCTime until 2049, GeneralizedTime from 2050; seconds precision', () => {
    const leaf = issueLeafCertificate({
      ca: ecCa,
      publicKey: leafKeys.publicKey,
      uriSans: ['spiffe://default/web'],
      ekus: ['serverAuth', 'clientAuth'],
      notBefore: new Date('2049-12-31T23:59:59.999Z'),
      notAfter: new Date('2050-01-01T00:00:00Z'),
    });
    assert.ok(leaf.certDer.includes(Buffer.from('491231235959Z')));
    assert.ok(leaf.certDer.includes(Buffer.from('20500101000000Z')));
    const info = readCertificateInfo(leaf.certificate);
    assert.equal(info.notBefore.toISOString(), '2049-12-31T23:59:59.000Z');
    assert.equal(info.notAfter.toISOString(), '2050-01-01T00:00:00.000Z');
    assert.match(certText(leaf.certPem), /Not After : Jan {2}1 00:00:00 2050 GMT/);
  });

  it('random serials differ, certificate is parsed lazily and the PEM is well formed', () => {
    const a = issueLeafCertificate({ ca: ecCa, publicKey: leafKeys.publicKey, uriSans: ['spiffe://default/a'], ekus: ['serverAuth'], ...window() });
    const b = issueLeafCertificate({ ca: ecCa, publicKey: leafKeys.publicKey, uriSans: ['spiffe://default/a'], ekus: ['serverAuth'], ...window() });
    assert.notEqual(a.certificate.serialNumber, b.certificate.serialNumber);
    assert.equal(a.certificate, a.certificate);
    assert.ok(new X509Certificate(a.certPem).raw.equals(a.certDer));
    assert.ok(a.certPem.split('\n').slice(1, -2).every((l) => l.length <= 64));
  });

  it('refuses what it cannot issue, with codes', () => {
    const base = { ca: ecCa, publicKey: leafKeys.publicKey, ekus: ['serverAuth'] as const, ...window() };
    const code = (c: string) => (e: unknown) => hasCode(e, c);
    assert.throws(() => issueLeafCertificate({ ...base }), /needs at least one SAN/);
    assert.throws(() => issueLeafCertificate({ ...base, uriSans: ['spiffe://default/a b'] }), code('ERR_PKI_INVALID_ARGUMENT'));
    assert.throws(() => issueLeafCertificate({ ...base, dnsSans: ['bad host'] }), code('ERR_PKI_INVALID_HOST'));
    assert.throws(() => issueLeafCertificate({ ...base, ipSans: ['10.0.0.256'] }), code('ERR_PKI_INVALID_HOST'));
    assert.throws(
      () => issueLeafCertificate({ ...base, uriSans: ['spiffe://d/a'], notBefore: new Date(1000), notAfter: new Date(1000) }),
      /notAfter .* must be after notBefore/,
    );
    // a CA certificate with someone else's key
    assert.throws(() => issueLeafCertificate({ ...base, uriSans: ['spiffe://d/a'], ca: { certificate: ecCa.certificate, privateKey: leafKeys.privateKey } }), code('ERR_PKI_KEY_MISMATCH'));
    // a leaf is not a CA
    const leaf = issueLeafCertificate({ ...base, uriSans: ['spiffe://d/a'] });
    assert.throws(
      () => issueLeafCertificate({ ...base, uriSans: ['spiffe://d/b'], ca: { certificate: leaf.certificate, privateKey: leafKeys.privateKey } }),
      (e: unknown) => hasCode(e, 'ERR_PKI_NOT_CA') && /with SANs \[spiffe:\/\/d\/a\]/.test((e as Error).message),
    );
  });

  it('a self-signed Kuma server certificate (CA=true, certSign) can act as an issuer', async () => {
    const kp = await generateKeyPairLike(leafKeys.publicKey);
    const ss = createSelfSignedCertificate({ type: 'server', keyPair: kp, hosts: ['localhost'] });
    const leaf = issueLeafCertificate({ ca: { certificate: ss.certificate, privateKey: kp.privateKey }, publicKey: leafKeys.publicKey, dnsSans: ['x'], ekus: ['clientAuth'], ...window() });
    assert.equal(leaf.certificate.verify(ss.certificate.publicKey), true);
  });
});
