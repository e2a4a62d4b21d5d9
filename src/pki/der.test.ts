import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCaCertificate } from './ca.js';
import { readCertificateInfo } from './certificate-info.js';
import { createCsr, parseCsr } from './csr.js';
import { bitString, explicit, ia5String, integer, namedBits, octetString, oid, sequence, time, tlv, unsignedInteger, utf8String } from './der.js';
import { children, parseDer, readBitString, readInteger, readNamedBits, readOid, readString, readTime } from './der-reader.js';
import { PkiError } from './errors.js';
import { issueLeafCertificate } from './leaf.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('DER writer', () => {
  it('INTEGER', () => {
    assert.equal(hex(integer(0)), '020100');
    assert.equal(hex(integer(127)), '02017f');
    assert.equal(hex(integer(128)), '02020080');
    assert.equal(hex(integer(256)), '02020100');
    assert.equal(hex(unsignedInteger(Buffer.from('0000ff', 'hex'))), '020200ff');
    assert.equal(hex(integer(2n ** 128n - 1n)), `021100${'ff'.repeat(16)}`);
    assert.throws(() => integer(-1), PkiError);
  });

  it('lengths: short form, long form with 1, 2 and 3 octets', () => {
    assert.equal(hex(octetString(Buffer.alloc(127))).slice(0, 4), '047f');
    assert.equal(hex(octetString(Buffer.alloc(128))).slice(0, 6), '048180');
    assert.equal(hex(octetString(Buffer.alloc(256))).slice(0, 8), '04820100');
    assert.equal(hex(octetString(Buffer.alloc(65536))).slice(0, 10), '0483010000');
  });

  it('OBJECT IDENTIFIER', () => {
    assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
    assert.equal(hex(oid('2.5.29.17')), '0603551d11');
    assert.equal(hex(oid('2.999.3')), '0603883703');
    assert.throws(() => oid('1.40'), PkiError);
    assert.throws(() => oid('3.1'), PkiError);
    assert.throws(() => oid('1.a'), PkiError);
  });

  it('named bits drop trailing zero bits', () => {
    assert.equal(hex(namedBits([0, 2])), '030205a0'); // digitalSignature|keyEncipherment
    assert.equal(hex(namedBits([5, 6])), '03020106'); // keyCertSign|cRLSign
    assert.equal(hex(namedBits([0, 8])), '0303078080'); // into a second octet
    assert.equal(hex(namedBits([])), '030100');
  });

  it('times: UTCTime 1950–2049, GeneralizedTime otherwise', () => {
    assert.equal(time(new Date('2049-12-31T23:59:59Z')).toString('latin1', 2), '491231235959Z');
    assert.equal(time(new Date('1950-01-01T00:00:00Z'))[0], 0x17);
    assert.equal(time(new Date('1949-12-31T23:59:59Z')).toString('latin1', 2), '19491231235959Z');
    assert.equal(time(new Date('2050-01-01T00:00:00Z')).toString('latin1', 2), '20500101000000Z');
    assert.throws(() => time(new Date(NaN)), PkiError);
  });

  it('strings', () => {
    assert.equal(hex(ia5String('a')), '160161');
    assert.throws(() => ia5String('ä'), /non-ASCII/);
    assert.equal(hex(utf8String('ä')), '0c02c3a4');
  });
});

describe('DER reader', () => {
  it('round-trips what the writer writes', () => {
    const el = parseDer(sequence(integer(300), oid('1.2.840.113549.1.1.11'), bitString(Buffer.from([1, 2])), explicit(3, utf8String('x')), time(new Date('2060-02-03T04:05:06Z'))), 't');
    const [i, o, b, e, t] = children(el, 't');
    assert.equal(readInteger(i, 't'), 300n);
    assert.equal(readOid(o, 't'), '1.2.840.113549.1.1.11');
    assert.deepEqual([...readBitString(b, 't').bytes], [1, 2]);
    assert.equal(readString(children(e as never, 't')[0], 't'), 'x');
    assert.equal(readTime(t, 't').toISOString(), '2060-02-03T04:05:06.000Z');
    assert.deepEqual(readNamedBits(parseDer(namedBits([0, 4, 5]), 't'), 't'), [0, 4, 5]);
    assert.equal(readInteger(parseDer(Buffer.from('0201ff', 'hex'), 't'), 't'), -1n);
    assert.equal(readOid(parseDer(oid('2.999.3'), 't'), 't'), '2.999.3');
  });

  it('refuses malformed encodings with ERR_PKI_MALFORMED_DER', () => {
    const bad: [string, RegExp][] = [
      ['', /unexpected end/],
      ['30', /truncated length/],
      ['3080', /indefinite length/],
      ['3085ffffffffff', /too large/],
      ['30820005', /non-minimal/],
      ['3082010005', /claims 256 octets/],
      ['3081050000', /non-minimal/],
      ['300500', /claims 5 octets/],
      ['30000000', /trailing/],
      ['1f0100', /high tag/],
      ['3003020100ff', /trailing/],
    ];
    for (const [h, re] of bad) {
      assert.throws(
        () => {
          const el = parseDer(Buffer.from(h, 'hex'), 'test input');
          children(el, 'test input');
        },
        (e: unknown) => e instanceof PkiError && e.code === 'ERR_PKI_MALFORMED_DER' && re.test(e.message) && e.message.includes('test input'),
        h,
      );
    }
    assert.throws(() => readTime(parseDer(tlv(0x17, Buffer.from('491332000000Z')), 't'), 't'), /impossible date/);
    assert.throws(() => readOid(parseDer(Buffer.from('06028001', 'hex'), 't'), 't'), /non-minimal/);
    assert.throws(() => readOid(parseDer(Buffer.from('060181', 'hex'), 't'), 't'), /truncated/);
  });

  it('deep nesting is harmless (parsing is lazy and bounded)', () => {
    let deep: Buffer = integer(1);
    for (let i = 0; i < 5000; i++) deep = sequence(deep);
    assert.throws(() => parseCsr(deep), PkiError);
    assert.throws(() => readCertificateInfo(deep), PkiError);
  });

  it('fuzz: random, truncated and bit-flipped certificates and CSRs only ever raise PkiError', () => {
    const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const caCert = createCaCertificate({ subject: { commonName: 'fuzz' }, keyPair: ca, uriSans: ['spiffe://fuzz'] });
    const leaf = issueLeafCertificate({
      ca: { certificate: caCert.certificate, privateKey: ca.privateKey },
      publicKey: ca.publicKey,
      uriSans: ['spiffe://fuzz/a'],
      dnsSans: ['a.fuzz'],
      ipSans: ['10.0.0.1'],
      ekus: ['serverAuth'],
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 1000_000),
    });
    const csr = createCsr({ keyPair: ca, uriSans: ['spiffe://fuzz/a'], dnsSans: ['x.y'], ipSans: ['::1'] }).csrDer;
    const seeds = [caCert.certDer, leaf.certDer, csr];
    const inputs: Buffer[] = [];
    for (let i = 0; i < 300; i++) inputs.push(randomBytes(Math.floor(Math.random() * 300)));
    for (const seed of seeds) {
      for (let n = 0; n < seed.length; n += 3) inputs.push(seed.subarray(0, n));
      for (let i = 0; i < 400; i++) {
        const m = Buffer.from(seed);
        const flips = 1 + Math.floor(Math.random() * 3);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(Math.random() * m.length);
          m[at] = Math.random() < 0.5 ? (m[at] as number) ^ (1 << Math.floor(Math.random() * 8)) : Math.floor(Math.random() * 256);
        }
        inputs.push(m);
      }
    }
    let parsed = 0;
    for (const input of inputs) {
      for (const parse of [() => parseCsr(input), () => readCertificateInfo(input)]) {
        try {
          parse();
          parsed++;
        } catch (e) {
          if (!(e instanceof PkiError)) assert.fail(`non-PkiError for input ${input.toString('hex')}: ${String(e)}`);
        }
      }
    }
    assert.ok(parsed > 0, 'some mutated inputs should still parse');
  });
});
