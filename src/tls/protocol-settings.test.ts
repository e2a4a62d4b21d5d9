import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSecureContext } from 'node:tls';
import { hasCode } from '../core/errors.js';
import { resolveTlsProtocol } from './protocol-settings.js';

const base = { minVersion: '', maxVersion: '', cipherSuites: [] as string[] };

describe('resolveTlsProtocol', () => {
  it('defaults to TLS 1.2 as the floor with no upper bound and OpenSSL default suites', () => {
    assert.deepEqual(resolveTlsProtocol(base), { minVersion: 'TLSv1.2' });
  });

  it('maps Kuma version names', () => {
    assert.deepEqual(resolveTlsProtocol({ ...base, minVersion: 'TLSv1_3' }), { minVersion: 'TLSv1.3' });
    assert.deepEqual(resolveTlsProtocol({ ...base, minVersion: 'TLSv1_2', maxVersion: 'TLSv1_2' }), {
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
    });
  });

  it("rejects unknown versions with Kuma's text", () => {
    for (const v of ['TLSv1_1', 'TLSv1.2', 'tlsv1_2']) {
      assert.throws(
        () => resolveTlsProtocol({ ...base, minVersion: v }),
        (e: Error) => hasCode(e, 'ERR_TLS_UNSUPPORTED_VERSION') && e.message === `tlsMinVersion: unsupported tls version: ${v} supported versions:[TLSv1_2 TLSv1_3]`,
      );
    }
    assert.throws(() => resolveTlsProtocol({ ...base, maxVersion: 'TLSv1_0' }), /tlsMaxVersion: unsupported tls version: TLSv1_0/);
  });

  it('refuses a max version below the min version', () => {
    assert.throws(
      () => resolveTlsProtocol({ ...base, minVersion: 'TLSv1_3', maxVersion: 'TLSv1_2' }),
      (e: Error) => hasCode(e, 'ERR_TLS_VERSION_RANGE') && /tlsMaxVersion must not be lower than tlsMinVersion/.test(e.message),
    );
  });

  it('maps Go cipher names to OpenSSL names, TLS 1.3 suites first, keeping the configured order', () => {
    const r = resolveTlsProtocol({
      ...base,
      cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    });
    assert.equal(r.ciphers, 'TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256');
    assert.equal(r.minVersion, 'TLSv1.2');
    createSecureContext({ ciphers: r.ciphers ?? '' }); // OpenSSL accepts the string
  });

  it('a list of only TLS 1.3 suites raises the floor to TLS 1.3', () => {
    assert.deepEqual(resolveTlsProtocol({ ...base, cipherSuites: ['TLS_AES_256_GCM_SHA384'] }), {
      minVersion: 'TLSv1.3',
      ciphers: 'TLS_AES_256_GCM_SHA384',
    });
    assert.throws(
      () => resolveTlsProtocol({ ...base, maxVersion: 'TLSv1_2', cipherSuites: ['TLS_AES_256_GCM_SHA384'] }),
      /lists only TLS 1.3 suites .* but tlsMaxVersion is TLSv1_2/,
    );
  });

  it("rejects unknown cipher names with Kuma's text", () => {
    assert.throws(
      () => resolveTlsProtocol({ ...base, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'] }),
      (e: Error) =>
        hasCode(e, 'ERR_TLS_UNSUPPORTED_CIPHER') &&
        e.message.startsWith('unsupported tls cipher: ECDHE-RSA-AES128-GCM-SHA256 supported ciphers insecure:[TLS_RSA_WITH_RC4_128_SHA ') &&
        e.message.includes(', secure:[TLS_AES_128_GCM_SHA256 '),
    );
  });

  it('says plainly when a known Go suite is not available in this OpenSSL (RC4, 3DES)', () => {
    for (const name of ['TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA']) {
      assert.throws(
        () => resolveTlsProtocol({ ...base, cipherSuites: ['TLS_AES_128_GCM_SHA256', name] }),
        (e: Error) =>
          hasCode(e, 'ERR_TLS_CIPHER_UNAVAILABLE') &&
          e.message.startsWith(`tls cipher ${name} (OpenSSL `) &&
          e.message.includes('is not supported by the OpenSSL library of this Node.js') &&
          e.message.endsWith('remove it from tlsCipherSuites'),
      );
    }
  });
});
