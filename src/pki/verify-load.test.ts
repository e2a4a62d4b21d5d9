import assert from 'node:assert/strict';
import { generateKeyPairSync, type X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { createCaCertificate } from './ca.js';
import { encodeCertificate, randomSerial } from './certificate-encoder.js';
import { describeCertificate } from './certificate-info.js';
import { basicConstraintsExtension } from './extensions.js';
import { issued } from './issued.js';
import { generateKeyPair, type KeyPair } from './keys.js';
import { issueLeafCertificate } from './leaf.js';
import { loadKeyPair } from './load.js';
import { encodeName } from './names.js';
import { privateKeyToPem } from './pem.js';
import { createSelfSignedCertificate } from './self-signed.js';
import { signerFor } from './signature.js';
import { spkiOf } from './spki.js';
import { checkKeyMatchesCertificate, checkValidity, verifyChain } from './verify.js';
import { opensslOk, withTempDir } from '../../test/support/openssl.js';

const HOUR = 3_600_000;
const code = (c: string, ...res: RegExp[]) => (e: unknown) => hasCode(e, c) && res.every((re) => re.test((e as Error).message));

describe('verifyChain', () => {
  let rootKeys: KeyPair;
  let interKeys: KeyPair;
  let leafKeys: KeyPair;
  let root: X509Certificate;
  let inter: X509Certificate;
  let leaf: X509Certificate;
  const now = new Date();
  before(async () => {
    [rootKeys, interKeys, leafKeys] = await Promise.all([generateKeyPair('rsa'), generateKeyPair('ecdsa'), generateKeyPair('ecdsa')]);
    root = createCaCertificate({ subject: { organization: 'Kuma', commonName: 'root' }, keyPair: rootKeys }).certificate;
    // an intermediate CA issued by the root (our encoder, CA extensions)
    const rootSigner = signerFor(rootKeys.privateKey);
    inter = issued(
      encodeCertificate(
        {
          serial: randomSerial(),
          issuerName: encodeName({ organization: 'Kuma', commonName: 'root' }),
          subjectName: encodeName({ commonName: 'intermediate' }),
          notBefore: new Date(now.getTime() - HOUR),
          notAfter: new Date(now.getTime() + 48 * HOUR),
          spki: spkiOf(interKeys.publicKey),
          extensions: [basicConstraintsExtension(true)],
        },
        rootSigner,
      ),
    ).certificate;
    leaf = issueLeafCertificate({
      ca: { certificate: inter, privateKey: interKeys.privateKey },
      publicKey: leafKeys.publicKey,
      uriSans: ['spiffe://default/web'],
      ekus: ['serverAuth', 'clientAuth'],
      notBefore: new Date(now.getTime() - HOUR),
      notAfter: new Date(now.getTime() + 24 * HOUR),
    }).certificate;
  });

  it('leaf → intermediate → root', () => {
    assert.deepEqual(verifyChain(leaf, [inter], [root]).map(describeCertificate), [describeCertificate(leaf), '"CN=intermediate"', '"O=Kuma, CN=root"']);
    assert.deepEqual(verifyChain(inter, [], [root]).length, 2);
    assert.deepEqual(verifyChain(root, [], [root]), [root]);
    assert.equal(verifyChain(leaf, [], [inter]).length, 2); // an intermediate may be trusted directly
  });

  it('agrees with openssl verify', async () => {
    await withTempDir(async (_d, write) => {
      const r = await write('root.pem', root.toString());
      const i = await write('inter.pem', inter.toString());
      const l = await write('leaf.pem', leaf.toString());
      assert.match(opensslOk(['verify', '-CAfile', r, '-untrusted', i, l]), /leaf\.pem: OK/);
    });
  });

  it('unknown issuer: missing intermediate, untrusted root', () => {
    assert.throws(() => verifyChain(leaf, [], [root]), code('ERR_PKI_UNKNOWN_ISSUER', /certificate with SANs \[spiffe:\/\/default\/web\] was issued by "CN=intermediate"/, /add that CA certificate/));
    const other = createCaCertificate({ subject: { commonName: 'other' }, keyPair: leafKeys }).certificate;
    assert.throws(() => verifyChain(leaf, [inter], [other]), code('ERR_PKI_UNKNOWN_ISSUER', /"CN=intermediate" was issued by "O=Kuma, CN=root"/));
    const selfSigned = createSelfSignedCertificate({ type: 'server', keyPair: leafKeys, hosts: ['localhost'] }).certificate;
    assert.throws(() => verifyChain(selfSigned, [], [root]), code('ERR_PKI_UNKNOWN_ISSUER', /was issued by "O=Kuma, CN=localhost"/));
  });

  it('bad signature: same issuer name, different key', () => {
    const impostorKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const impostor = createCaCertificate({ subject: { commonName: 'intermediate' }, keyPair: impostorKeys }).certificate;
    // without key identifiers on the impostor path OpenSSL matches by name only
    const forged = issued(
      encodeCertificate(
        {
          serial: randomSerial(),
          issuerName: encodeName({ commonName: 'intermediate' }),
          subjectName: encodeName({ commonName: 'forged' }),
          notBefore: new Date(now.getTime() - HOUR),
          notAfter: new Date(now.getTime() + HOUR),
          spki: spkiOf(leafKeys.publicKey),
          extensions: [],
        },
        signerFor(impostorKeys.privateKey),
      ),
    ).certificate;
    assert.throws(() => verifyChain(forged, [inter], [root]), code('ERR_PKI_BAD_SIGNATURE', /"CN=forged" does not verify with the key of its issuer "CN=intermediate"/));
    assert.equal(verifyChain(forged, [], [impostor]).length, 2);
  });

  it('expired and not-yet-valid certificates, named with their dates', () => {
    const later = new Date(now.getTime() + 30 * HOUR);
    assert.throws(() => verifyChain(leaf, [inter], [root], { now: later }), code('ERR_PKI_EXPIRED', /spiffe:\/\/default\/web/, /expired at \d{4}-\d\d-\d\dT/, /now is /));
    const earlier = new Date(now.getTime() - 2 * HOUR);
    assert.throws(() => verifyChain(leaf, [inter], [root], { now: earlier }), code('ERR_PKI_NOT_YET_VALID', /is not valid before/, /check this machine's clock/));
    // intermediate expired while the leaf is still valid
    const leaf2 = issueLeafCertificate({
      ca: { certificate: inter, privateKey: interKeys.privateKey },
      publicKey: leafKeys.publicKey,
      dnsSans: ['long.lived'],
      ekus: ['serverAuth'],
      notBefore: new Date(now.getTime() - HOUR),
      notAfter: new Date(now.getTime() + 100 * HOUR),
    }).certificate;
    assert.throws(() => verifyChain(leaf2, [inter], [root], { now: new Date(now.getTime() + 50 * HOUR) }), code('ERR_PKI_EXPIRED', /"CN=intermediate"/));
  });

  it('a non-CA issuer is refused', () => {
    const notCaKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const notCa = issued(
      encodeCertificate(
        {
          serial: randomSerial(),
          issuerName: encodeName({ commonName: 'plain' }),
          subjectName: encodeName({ commonName: 'plain' }),
          notBefore: new Date(now.getTime() - HOUR),
          notAfter: new Date(now.getTime() + HOUR),
          spki: spkiOf(notCaKeys.publicKey),
          extensions: [basicConstraintsExtension(false)],
        },
        signerFor(notCaKeys.privateKey),
      ),
    ).certificate;
    const child = issued(
      encodeCertificate(
        {
          serial: randomSerial(),
          issuerName: encodeName({ commonName: 'plain' }),
          subjectName: encodeName({ commonName: 'child' }),
          notBefore: new Date(now.getTime() - HOUR),
          notAfter: new Date(now.getTime() + HOUR),
          spki: spkiOf(leafKeys.publicKey),
          extensions: [],
        },
        signerFor(notCaKeys.privateKey),
      ),
    ).certificate;
    assert.throws(() => verifyChain(child, [notCa], [root]), code('ERR_PKI_NOT_CA', /"CN=plain" is not a CA/));
  });
});

describe('loadKeyPair and checks', () => {
  let keys: KeyPair;
  let otherKeys: KeyPair;
  before(async () => {
    [keys, otherKeys] = await Promise.all([generateKeyPair('ecdsa'), generateKeyPair('rsa')]);
  });

  it('loads a valid pair: chain in order, key, texts', () => {
    const ss = createSelfSignedCertificate({ type: 'server', keyPair: keys, hosts: ['localhost'] });
    const ca = createCaCertificate({ subject: { commonName: 'ca' }, keyPair: otherKeys });
    const loaded = loadKeyPair({ certPem: Buffer.from(ss.certPem + ca.certPem), keyPem: ss.keyPem });
    assert.equal(loaded.certificates.length, 2);
    assert.ok(loaded.privateKey.equals(keys.privateKey));
    assert.equal(loaded.certPem, ss.certPem + ca.certPem);
    assert.equal(loaded.keyPem, ss.keyPem);
  });

  it('each failure has its own code and names the file', () => {
    const ss = createSelfSignedCertificate({ type: 'server', keyPair: keys, hosts: ['localhost'], now: new Date() });
    const files = { certSource: '/etc/kuma/tls.crt', keySource: '/etc/kuma/tls.key' };
    assert.throws(() => loadKeyPair({ certPem: 'garbage', keyPem: ss.keyPem, ...files }), code('ERR_PKI_NO_CERTIFICATE', /in \/etc\/kuma\/tls\.crt/));
    assert.throws(() => loadKeyPair({ certPem: ss.certPem.slice(0, 200), keyPem: ss.keyPem, ...files }), code('ERR_PKI_MALFORMED_PEM', /in \/etc\/kuma\/tls\.crt/, /truncated/));
    assert.throws(() => loadKeyPair({ certPem: ss.certPem, keyPem: ss.certPem, ...files }), code('ERR_PKI_NO_KEY', /in \/etc\/kuma\/tls\.key/));
    assert.throws(
      () => loadKeyPair({ certPem: ss.certPem, keyPem: privateKeyToPem(otherKeys.privateKey), ...files }),
      code('ERR_PKI_KEY_MISMATCH', /private key in \/etc\/kuma\/tls\.key does not match the certificate "O=Kuma, CN=localhost"/),
    );
    assert.throws(() => loadKeyPair({ certPem: ss.certPem, keyPem: ss.keyPem, now: new Date(Date.now() + 11 * 365 * 24 * HOUR), ...files }), code('ERR_PKI_EXPIRED', /in \/etc\/kuma\/tls\.crt expired at/, /renew it/));
    assert.throws(() => loadKeyPair({ certPem: ss.certPem, keyPem: ss.keyPem, now: new Date(Date.now() - HOUR), ...files }), code('ERR_PKI_NOT_YET_VALID', /not valid before/));
  });

  it('checkKeyMatchesCertificate takes private or public keys; checkValidity at a given time', () => {
    const ss = createSelfSignedCertificate({ type: 'client', keyPair: keys, hosts: ['x'] });
    checkKeyMatchesCertificate(ss.certificate, keys.privateKey);
    checkKeyMatchesCertificate(ss.certificate, keys.publicKey);
    assert.throws(() => checkKeyMatchesCertificate(ss.certificate, otherKeys.publicKey), code('ERR_PKI_KEY_MISMATCH'));
    assert.throws(() => checkKeyMatchesCertificate(ss.certificate, otherKeys.privateKey), code('ERR_PKI_KEY_MISMATCH'));
    checkValidity(ss.certificate);
    assert.throws(() => checkValidity(ss.certificate, new Date(0)), code('ERR_PKI_NOT_YET_VALID', /1970-01-01T00:00:00\.000Z/));
  });
});
