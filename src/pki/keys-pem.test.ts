import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { createCaCertificate } from './ca.js';
import { generateKeyPair, generateKeyPairLike, parseKeyType, type KeyPair } from './keys.js';
import {
  certificateToPem,
  parseCertificatesPem,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  pemDecodeAll,
  pemEncode,
  privateKeyToPem,
  publicKeyToPem,
} from './pem.js';
import { spkiOf } from './spki.js';
import { opensslOk } from '../../test/support/openssl.js';

const code = (c: string, re?: RegExp) => (e: unknown) => hasCode(e, c) && (re === undefined || re.test((e as Error).message));

describe('generateKeyPair', () => {
  let rsa: KeyPair;
  let ec: KeyPair;
  before(async () => {
    [rsa, ec] = await Promise.all([generateKeyPair('rsa'), generateKeyPair('ecdsa')]);
  });

  it('RSA 2048 (e=65537) and ECDSA P-256 by default, as KeyObjects', () => {
    assert.equal(rsa.privateKey.asymmetricKeyType, 'rsa');
    assert.equal(rsa.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(rsa.privateKey.asymmetricKeyDetails?.publicExponent, 65537n);
    assert.equal(rsa.publicKey.type, 'public');
    assert.equal(ec.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });

  it('invalid key types and sizes are refused', async () => {
    await assert.rejects(generateKeyPair('phoney' as never), code('ERR_PKI_INVALID_KEY_TYPE', /invalid key type "phoney"/));
    await assert.rejects(generateKeyPair('rsa', { rsaBits: 1024 }), code('ERR_PKI_INVALID_ARGUMENT', /between 2048 and 16384/));
    assert.throws(() => parseKeyType('dsa'), code('ERR_PKI_INVALID_KEY_TYPE'));
    assert.equal(parseKeyType('ecdsa'), 'ecdsa');
  });

  it('generateKeyPairLike follows the kind of a given key', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    assert.equal((await generateKeyPairLike(p384.publicKey)).publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    const ed = generateKeyPairSync('ed25519');
    assert.equal((await generateKeyPairLike(ed.privateKey)).privateKey.asymmetricKeyType, 'ed25519');
    await assert.rejects(generateKeyPairLike(generateKeyPairSync('x25519').publicKey), code('ERR_PKI_UNSUPPORTED_KEY'));
  });
});

describe('PEM', () => {
  let rsa: KeyPair;
  let ec: KeyPair;
  let ed: KeyPair;
  before(async () => {
    [rsa, ec] = await Promise.all([generateKeyPair('rsa'), generateKeyPair('ecdsa')]);
    ed = generateKeyPairSync('ed25519');
  });

  const same = (a: KeyObject, b: KeyObject): void => assert.ok(a.equals(b));

  it('private keys in Kuma\'s formats round-trip and openssl reads them', () => {
    const cases: [KeyPair, string][] = [
      [rsa, 'RSA PRIVATE KEY'],
      [ec, 'EC PRIVATE KEY'],
      [ed, 'PRIVATE KEY'],
    ];
    for (const [kp, label] of cases) {
      const pem = privateKeyToPem(kp.privateKey);
      assert.equal(pemDecodeAll(pem)[0]?.label, label);
      assert.ok(pem.endsWith(`-----END ${label}-----\n`));
      same(parsePrivateKeyPem(pem), kp.privateKey);
      same(parsePrivateKeyPem(Buffer.from(pem)), kp.privateKey);
      assert.equal(opensslOk(['pkey', '-pubout'], pem), publicKeyToPem(kp.publicKey));
    }
    assert.throws(() => privateKeyToPem(rsa.publicKey), code('ERR_PKI_INVALID_ARGUMENT'));
    assert.throws(() => privateKeyToPem(generateKeyPairSync('x25519').privateKey), code('ERR_PKI_UNSUPPORTED_KEY'));
  });

  it('accepts PKCS#8 for RSA and EC, CRLF line ends, EC PARAMETERS blocks and legacy DER', () => {
    for (const kp of [rsa, ec]) {
      const pkcs8 = kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      same(parsePrivateKeyPem(pkcs8), kp.privateKey);
      same(parsePrivateKeyPem(pkcs8.replace(/\n/g, '\r\n')), kp.privateKey);
    }
    const withParams = opensslOk(['ecparam', '-name', 'prime256v1', '-genkey']);
    assert.match(withParams, /BEGIN EC PARAMETERS/);
    assert.equal(parsePrivateKeyPem(withParams).asymmetricKeyType, 'ec');
    same(parsePrivateKeyPem(rsa.privateKey.export({ type: 'pkcs1', format: 'der' })), rsa.privateKey);
    same(parsePrivateKeyPem(ec.privateKey.export({ type: 'sec1', format: 'der' })), ec.privateKey);
    same(parsePrivateKeyPem(ed.privateKey.export({ type: 'pkcs8', format: 'der' })), ed.privateKey);
  });

  it('refuses encrypted keys, missing keys, corrupt PEM and unsupported key types, naming the file', () => {
    const enc8 = ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string;
    assert.throws(() => parsePrivateKeyPem(enc8, '/tmp/tls.key'), code('ERR_PKI_ENCRYPTED_KEY', /in \/tmp\/tls\.key is encrypted.*decrypt it first/));
    const legacy = rsa.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'x' }) as string;
    assert.match(legacy, /Proc-Type: 4,ENCRYPTED/);
    assert.throws(() => parsePrivateKeyPem(legacy), code('ERR_PKI_ENCRYPTED_KEY'));
    assert.doesNotThrow(() => createPrivateKey({ key: legacy, passphrase: 'x' })); // sanity: it is a real key

    const cert = createCaCertificate({ subject: { commonName: 'x' }, keyPair: ec });
    assert.throws(() => parsePrivateKeyPem(cert.certPem, '/tmp/tls.key'), code('ERR_PKI_NO_KEY', /no private key found in \/tmp\/tls\.key \(only "CERTIFICATE"\)/));
    assert.throws(() => parsePrivateKeyPem('', 'k'), code('ERR_PKI_NO_KEY'));
    assert.throws(() => parsePrivateKeyPem('just text'), code('ERR_PKI_NO_KEY'));

    const pem = privateKeyToPem(ec.privateKey);
    const lines = pem.split('\n');
    assert.throws(() => parsePrivateKeyPem(lines.slice(0, -2).join('\n'), 'k.pem'), code('ERR_PKI_MALFORMED_PEM', /no "-----END EC PRIVATE KEY-----" line.*truncated/));
    assert.throws(() => parsePrivateKeyPem(pem.replace(lines[1] as string, `${(lines[1] as string).slice(0, 10)}!!`)), code('ERR_PKI_MALFORMED_PEM', /not base64/));
    assert.throws(() => parsePrivateKeyPem(pem.replace(lines[1] as string, (lines[1] as string).slice(0, 10))), code('ERR_PKI_MALFORMED_PEM', /invalid base64/));
    assert.throws(() => parsePrivateKeyPem(pem.replace('END EC PRIVATE KEY', 'END RSA PRIVATE KEY')), code('ERR_PKI_MALFORMED_PEM', /ends with/));
    assert.throws(() => parsePrivateKeyPem(pemEncode('RSA PRIVATE KEY', Buffer.from('3003020100', 'hex')), 'k.pem'), code('ERR_PKI_MALFORMED_PEM', /malformed private key in k\.pem/));
    assert.throws(() => parsePrivateKeyPem(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])), code('ERR_PKI_MALFORMED_PEM'));
    const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.throws(() => parsePrivateKeyPem(dsa), code('ERR_PKI_UNSUPPORTED_KEY', /"dsa"/));
  });

  it('public keys: SPKI and PKCS#1 out and in', () => {
    const spki = publicKeyToPem(rsa.publicKey);
    assert.match(spki, /^-----BEGIN PUBLIC KEY-----/);
    const pkcs1 = publicKeyToPem(rsa.privateKey, 'pkcs1');
    assert.match(pkcs1, /^-----BEGIN RSA PUBLIC KEY-----/);
    same(parsePublicKeyPem(spki), rsa.publicKey);
    same(parsePublicKeyPem(pkcs1), rsa.publicKey);
    same(parsePublicKeyPem(publicKeyToPem(ec.publicKey)), ec.publicKey);
    assert.throws(() => publicKeyToPem(ec.publicKey, 'pkcs1'), code('ERR_PKI_INVALID_ARGUMENT', /only RSA/));
    assert.throws(() => parsePublicKeyPem(privateKeyToPem(ec.privateKey), 'p.pem'), code('ERR_PKI_NO_KEY', /in p\.pem/));
    assert.throws(() => parsePublicKeyPem(pemEncode('PUBLIC KEY', Buffer.from('3000', 'hex'))), code('ERR_PKI_MALFORMED_PEM'));
  });

  it('certificates: chains in order, other blocks skipped, DER accepted, clear errors', () => {
    const a = createCaCertificate({ subject: { commonName: 'a' }, keyPair: ec });
    const b = createCaCertificate({ subject: { commonName: 'b' }, keyPair: ec });
    const bundle = `${a.certPem}${privateKeyToPem(ec.privateKey)}\n${b.certPem}`;
    const certs = parseCertificatesPem(bundle);
    assert.deepEqual(certs.map((c) => c.subject), ['CN=a', 'CN=b']);
    assert.equal(certificateToPem(certs[0] as X509Certificate), a.certPem);
    assert.equal(certificateToPem(a.certDer), a.certPem);
    assert.equal(parseCertificatesPem(a.certDer)[0]?.subject, 'CN=a');
    assert.throws(() => parseCertificatesPem(privateKeyToPem(ec.privateKey), '/etc/tls.crt'), code('ERR_PKI_NO_CERTIFICATE', /no certificate found in \/etc\/tls\.crt/));
    assert.throws(() => parseCertificatesPem(''), code('ERR_PKI_NO_CERTIFICATE'));
    assert.throws(
      () => parseCertificatesPem(`${a.certPem}${pemEncode('CERTIFICATE', Buffer.from('300300', 'hex'))}`, 'c.pem'),
      code('ERR_PKI_MALFORMED_PEM', /certificate #2 in c\.pem is not a valid X\.509 certificate/),
    );
  });
});

describe('spkiOf (JWK-built SubjectPublicKeyInfo)', () => {
  it('is byte-identical to OpenSSL\'s SPKI export for RSA, EC P-256/384/521 and Ed25519', () => {
    const keys: KeyObject[] = [];
    // P-256 keys until two have a coordinate with a leading zero octet (JWK must keep the padding)
    for (let zeros = 0, i = 0; zeros < 2 && i < 5000; i++) {
      const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
      const der = k.export({ type: 'spki', format: 'der' });
      if (der[27] === 0 || der[59] === 0) zeros++;
      keys.push(k);
    }
    for (const curve of ['secp384r1', 'secp521r1']) for (let i = 0; i < 20; i++) keys.push(generateKeyPairSync('ec', { namedCurve: curve }).publicKey);
    keys.push(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3 }).publicKey);
    for (let i = 0; i < 5; i++) keys.push(generateKeyPairSync('ed25519').publicKey);
    for (const k of keys) assert.ok(spkiOf(k).equals(k.export({ type: 'spki', format: 'der' })), k.asymmetricKeyType);
    // private keys give their public half; other types fall back to OpenSSL's export
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    assert.ok(spkiOf(ec.privateKey).equals(ec.publicKey.export({ type: 'spki', format: 'der' })));
    const x = generateKeyPairSync('x25519').publicKey;
    assert.ok(spkiOf(x).equals(x.export({ type: 'spki', format: 'der' })));
  });
});
