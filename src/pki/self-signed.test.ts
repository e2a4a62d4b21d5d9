import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { readCertificateInfo } from './certificate-info.js';
import { generateKeyPair, type KeyPair } from './keys.js';
import { loadKeyPair } from './load.js';
import { createSelfSignedCertificate, parseCertType, type CertType } from './self-signed.js';
import { certText, extensionText, opensslOk, withTempDir } from '../../test/support/openssl.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

describe('createSelfSignedCertificate (Kuma NewSelfSignedCert)', () => {
  let rsa: KeyPair;
  let ec: KeyPair;
  before(async () => {
    [rsa, ec] = await Promise.all([generateKeyPair('rsa'), generateKeyPair('ecdsa')]);
  });

  const cases: [CertType, 'rsa' | 'ecdsa', string][] = [
    ['server', 'rsa', 'serverAuth'],
    ['client', 'rsa', 'clientAuth'],
    ['server', 'ecdsa', 'serverAuth'],
  ];
  for (const [type, keyType, eku] of cases) {
    it(`${type}/${keyType}: loadable pair, EKU ${eku} only, SANs, CA, certSign, self-signature verifies`, () => {
      const keyPair = keyType === 'rsa' ? rsa : ec;
      const out = createSelfSignedCertificate({ type, keyPair, hosts: ['localhost', '127.0.0.1'] });
      const loaded = loadKeyPair({ certPem: out.certPem, keyPem: out.keyPem });
      assert.equal(loaded.certificates.length, 1);
      const info = readCertificateInfo(out.certificate);
      assert.deepEqual(info.extKeyUsage, [eku]);
      assert.deepEqual(info.altNames.dnsNames, ['localhost']);
      assert.deepEqual(info.altNames.ipAddresses, ['127.0.0.1']);
      assert.equal(out.certificate.ca, true);
      assert.deepEqual(info.basicConstraints, { isCa: true });
      assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyEncipherment', 'keyCertSign']);
      assert.equal(out.certificate.verify(out.certificate.publicKey), true);
      assert.equal(out.certificate.checkIssued(out.certificate), true);
      assert.match(out.keyPem, keyType === 'rsa' ? /^-{5}BEGIN RSA PRIVATE KEY-{5}\n/ : /^-{5}BEGIN EC PRIVATE KEY-{5}\n/);
      assert.match(out.certPem, /^-----BEGIN CERTIFICATE-----\n/);
    });
  }

  it('is what openssl sees: subject = issuer = O=Kuma, CN=<first host>, critical BC/KU, SKI, no AKI, verifies as its own CA', async () => {
    const out = createSelfSignedCertificate({ type: 'server', keyPair: ec, hosts: ['localhost', 'cp.example.com', '127.0.0.1', '::1', '*.mesh.local'] });
    const text = certText(out.certPem);
    assert.match(text, /Version: 3 \(0x2\)/);
    assert.match(text, /Issuer: O ?= ?Kuma, CN ?= ?localhost\n/);
    assert.match(text, /Subject: O ?= ?Kuma, CN ?= ?localhost\n/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.deepEqual(extensionText(text, 'X509v3 Key Usage'), { critical: true, value: 'Digital Signature, Key Encipherment, Certificate Sign' });
    assert.deepEqual(extensionText(text, 'X509v3 Extended Key Usage'), { critical: false, value: 'TLS Web Server Authentication' });
    assert.deepEqual(extensionText(text, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:TRUE' });
    assert.deepEqual(extensionText(text, 'X509v3 Subject Alternative Name'), {
      critical: false,
      value: 'DNS:localhost, DNS:cp.example.com, DNS:*.mesh.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    });
    assert.ok(extensionText(text, 'X509v3 Subject Key Identifier'));
    assert.equal(extensionText(text, 'X509v3 Authority Key Identifier'), undefined);
    await withTempDir(async (_dir, write) => {
      const cert = await write('cert.pem', out.certPem);
      const key = await write('key.pem', out.keyPem);
      assert.match(opensslOk(['verify', '-CAfile', cert, cert]), /: OK/);
      assert.match(opensslOk(['verify', '-CAfile', cert, '-purpose', 'sslserver', cert]), /: OK/);
      // openssl agrees the key belongs to the certificate
      const certPub = opensslOk(['x509', '-in', cert, '-noout', '-pubkey']);
      const keyPub = opensslOk(['pkey', '-in', key, '-pubout']);
      assert.equal(certPub, keyPub);
    });
  });

  it('client certificates verify for the sslclient purpose', async () => {
    const out = createSelfSignedCertificate({ type: 'client', keyPair: rsa, hosts: ['kumactl'] });
    await withTempDir(async (_dir, write) => {
      const cert = await write('c.pem', out.certPem);
      assert.match(opensslOk(['verify', '-CAfile', cert, '-purpose', 'sslclient', cert]), /: OK/);
      assert.match(certText(out.certPem), /TLS Web Client Authentication/);
      assert.match(certText(out.certPem), /Signature Algorithm: sha256WithRSAEncryption/);
    });
  });

  it('validity: notBefore = now − 5 min, notAfter = notBefore + 10×365 days; whole seconds', () => {
    const now = new Date('2030-06-01T12:00:00.750Z');
    const out = createSelfSignedCertificate({ type: 'server', keyPair: ec, hosts: ['localhost'], now });
    const info = readCertificateInfo(out.certificate);
    assert.equal(info.notBefore.toISOString(), '2030-06-01T11:55:00.000Z');
    assert.equal(info.notAfter.getTime(), new Date('2030-06-01T11:55:00.000Z').getTime() + 3650 * DAY);
    const text = certText(out.certPem);
    assert.match(text, /Not Before: Jun {2}1 11:55:00 2030 GMT/);
    assert.match(text, /Not After : May 29 11:55:00 2040 GMT/);
    const custom = createSelfSignedCertificate({ type: 'server', keyPair: ec, hosts: ['localhost'], now, validityMs: DAY });
    assert.equal(readCertificateInfo(custom.certificate).notAfter.toISOString(), '2030-06-02T11:55:00.000Z');
  });

  it('serial numbers are random, positive and at most 128 bits', () => {
    const serials = new Set<bigint>();
    for (let i = 0; i < 20; i++) {
      const s = readCertificateInfo(createSelfSignedCertificate({ type: 'server', keyPair: ec, hosts: ['a'] }).certificate).serial;
      assert.ok(s > 0n && s < 1n << 128n);
      serials.add(s);
    }
    assert.equal(serials.size, 20);
  });

  it('an unknown type is refused with Kuma\'s text', () => {
    assert.throws(
      () => createSelfSignedCertificate({ type: 'unknown' as CertType, keyPair: ec, hosts: ['localhost'] }),
      (err: unknown) => hasCode(err, 'ERR_PKI_INVALID_CERT_TYPE') && /invalid certificate type "unknown"/.test((err as Error).message),
    );
    assert.equal(parseCertType('client'), 'client');
  });

  it('host validation names the bad host', () => {
    const bad: [string, RegExp][] = [
      ['', /invalid host name "": it is empty/],
      ['my host', /"my host".*may contain only letters/],
      ['exa$mple.com', /"exa\$mple\.com"/],
      [`${'a'.repeat(64)}.com`, /is 64 characters long \(at most 63\)/],
      ['a..b', /empty label/],
      ['-lead.example.com', /must not start or end with '-'/],
      ['foo.*.com', /wildcard is only allowed as the whole leftmost label/],
      ['*', /wildcard needs a domain/],
      ['example.com.', /ends with a dot/],
      ['fe80::1%eth0', /"fe80::1%eth0"/],
      ['bücher.de', /"bücher\.de"/],
    ];
    for (const [host, re] of bad) {
      assert.throws(
        () => createSelfSignedCertificate({ type: 'server', keyPair: ec, hosts: ['localhost', host] }),
        (err: unknown) => hasCode(err, 'ERR_PKI_INVALID_HOST') && re.test((err as Error).message),
        `host ${JSON.stringify(host)}`,
      );
    }
    assert.throws(() => createSelfSignedCertificate({ type: 'server', keyPair: ec, hosts: [] }), /at least one hostname must be given/);
    // accepted: wildcard, underscores, single label, IPv6 forms, digits-only labels
    const ok = createSelfSignedCertificate({ type: 'server', keyPair: ec, hosts: ['*.example.com', 'my_host', 'kuma-control-plane', 'fd00:a123::1', '::ffff:10.0.0.1', '1.2.3'] });
    const info = readCertificateInfo(ok.certificate);
    assert.deepEqual(info.altNames.dnsNames, ['*.example.com', 'my_host', 'kuma-control-plane', '1.2.3']);
    assert.deepEqual(info.altNames.ipAddresses, ['fd00:a123::1', '::ffff:a00:1']);
  });
});
