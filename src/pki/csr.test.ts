import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { createCsr, parseCsr } from './csr.js';
import { pemDecodeAll, pemEncode } from './pem.js';
import { generateKeyPair, type KeyPair } from './keys.js';
import { opensslOk, withTempDir } from '../../test/support/openssl.js';

describe('createCsr / parseCsr', () => {
  let ec: KeyPair;
  let rsa: KeyPair;
  before(async () => {
    [ec, rsa] = await Promise.all([generateKeyPair('ecdsa'), generateKeyPair('rsa')]);
  });

  it('our CSR verifies with openssl req -verify and parses back', () => {
    for (const kp of [ec, rsa]) {
      const { csrPem, csrDer } = createCsr({ keyPair: kp, uriSans: ['spiffe://default/workload/web'], dnsSans: ['web.mesh'] });
      assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
      const out = opensslOk(['req', '-verify', '-noout', '-text'], csrPem);
      assert.match(out, /URI:spiffe:\/\/default\/workload\/web/);
      assert.match(out, /X509v3 Subject Alternative Name: critical/);
      const parsed = parseCsr(csrPem);
      assert.equal(parsed.signatureValid, true);
      assert.deepEqual(parsed.uriSans, ['spiffe://default/workload/web']);
      assert.deepEqual(parsed.dnsSans, ['web.mesh']);
      assert.equal(parsed.isCaRequested, false);
      assert.deepEqual(parsed.subject, []);
      assert.ok(parsed.der.equals(csrDer));
      assert.ok(parseCsr(csrDer).publicKey.equals(kp.publicKey));
    }
    const p = parseCsr(createCsr({ keyPair: ec, uriSans: ['spiffe://d/x'] }).csrPem);
    assert.equal(p.keyType, 'ec');
    assert.equal(p.curve, 'prime256v1');
    assert.equal(p.keyBits, 256);
    assert.equal(p.signatureAlgorithm, '1.2.840.10045.4.3.2');
    const r = parseCsr(createCsr({ keyPair: rsa, uriSans: ['spiffe://d/x'] }).csrPem);
    assert.equal(r.keyType, 'rsa');
    assert.equal(r.keyBits, 2048);
  });

  it('a CSR without SANs has an empty attribute set', () => {
    const { csrPem } = createCsr({ keyPair: ec, subject: { commonName: 'x' } });
    opensslOk(['req', '-verify', '-noout'], csrPem);
    const p = parseCsr(csrPem);
    assert.deepEqual(p.extensions, []);
    assert.deepEqual(p.subject.map((a) => `${a.type}=${a.value}`), ['CN=x']);
  });

  it('exposes everything a hostile requester may ask for (openssl-made CSR)', async () => {
    await withTempDir(async (dir) => {
      const key = `${dir}/k.pem`;
      opensslOk(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', key]);
      const pem = opensslOk([
        'req', '-new', '-key', key, '-subj', '/CN=evil/O=x',
        '-addext', 'subjectAltName=URI:spiffe://other-mesh/web,DNS:evil.example.com,IP:10.1.2.3,IP:::1,email:a@b.c,otherName:1.2.3.4;UTF8:x',
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,digitalSignature',
        '-addext', 'extendedKeyUsage=serverAuth,codeSigning',
        '-addext', '1.2.3.4.5=ASN1:UTF8String:hello',
      ]);
      const p = parseCsr(pem, 'evil.csr');
      assert.equal(p.signatureValid, true);
      assert.equal(p.keyType, 'rsa');
      assert.equal(p.keyBits, 1024);
      assert.deepEqual(p.uriSans, ['spiffe://other-mesh/web']);
      assert.deepEqual(p.dnsSans, ['evil.example.com']);
      assert.deepEqual(p.ipSans, ['10.1.2.3', '::1']);
      assert.deepEqual(p.emailSans, ['a@b.c']);
      assert.deepEqual(p.otherSans, ['otherName']);
      assert.equal(p.isCaRequested, true);
      assert.deepEqual(p.keyUsage, ['digitalSignature', 'keyCertSign']);
      assert.deepEqual(p.extKeyUsage, ['serverAuth', '1.3.6.1.5.5.7.3.3']);
      assert.deepEqual(p.subject.map((a) => `${a.type}=${a.value}`), ['CN=evil', 'O=x']);
      assert.ok(p.extensions.some((e) => e.oid === '1.2.3.4.5' && !e.critical));
      assert.ok(p.extensions.some((e) => e.oid === '2.5.29.19' && e.critical));
    });
  });

  it('a tampered CSR or one signed by another key is reported as signatureValid=false', () => {
    const { csrDer } = createCsr({ keyPair: ec, uriSans: ['spiffe://default/web'] });
    const tampered = Buffer.from(csrDer);
    const at = tampered.indexOf(Buffer.from('web'));
    tampered.write('wab', at, 'latin1');
    const p = parseCsr(tampered);
    assert.deepEqual(p.uriSans, ['spiffe://default/wab']);
    assert.equal(p.signatureValid, false);
    // signed with a different key than the one it carries
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const forged = createCsr({ keyPair: { publicKey: ec.publicKey, privateKey: other.privateKey }, uriSans: ['spiffe://default/web'] });
    assert.equal(parseCsr(forged.csrPem).signatureValid, false);
  });

  it('Ed25519 and P-384 requests', () => {
    const ed = generateKeyPairSync('ed25519');
    const p = parseCsr(createCsr({ keyPair: ed, uriSans: ['spiffe://d/x'] }).csrPem);
    assert.equal(p.keyType, 'ed25519');
    assert.equal(p.signatureValid, true);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const q = parseCsr(createCsr({ keyPair: p384, uriSans: ['spiffe://d/x'] }).csrPem);
    assert.equal(q.keyBits, 384);
    assert.equal(q.signatureValid, true);
    assert.equal(q.signatureAlgorithm, '1.2.840.10045.4.3.3');
  });

  it('errors are PkiErrors with a clear text', () => {
    assert.throws(() => parseCsr('hello', 'req.pem'), (e: unknown) => hasCode(e, 'ERR_PKI_MALFORMED_PEM') && /in req\.pem/.test((e as Error).message));
    assert.throws(() => parseCsr(pemEncode('CERTIFICATE', Buffer.from([0x30, 0x00]))), /no certificate request found/);
    assert.throws(() => parseCsr(pemEncode('CERTIFICATE REQUEST', Buffer.from([0x30, 0x03, 0x02, 0x01]))), (e: unknown) => hasCode(e, 'ERR_PKI_MALFORMED_DER'));
    const { csrPem } = createCsr({ keyPair: ec, uriSans: ['spiffe://d/x'] });
    const der = pemDecodeAll(csrPem)[0]?.der as Buffer;
    assert.throws(() => parseCsr(Buffer.concat([der, Buffer.from([0])])), /trailing/);
    assert.throws(() => parseCsr(Buffer.alloc(70_000, 0x30)), /larger than 65536 bytes/);
    assert.throws(() => createCsr({ keyPair: ec, uriSans: ['no scheme'] }), (e: unknown) => hasCode(e, 'ERR_PKI_INVALID_ARGUMENT'));
  });
});
