import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainTlsClientError, sanNames, tlsConnectError } from './client-errors.js';

// Error objects shaped as Node reports them (code/reason/cert); the real-socket cases are in
// server-credentials.int.test.ts. These cover the branches a test server cannot easily provoke.
const nodeError = (code: string, message: string, extra: object = {}): Error => Object.assign(new Error(message), { code }, extra);

describe('explainTlsClientError', () => {
  it('lists SANs IPs first, then DNS names, as Kuma does', () => {
    assert.deepEqual(sanNames({ subjectaltname: 'DNS:cp.example, IP Address:10.0.0.1, DNS:localhost, IP Address:FD00:A123:0:0:0:0:0:1' }), [
      '10.0.0.1',
      'FD00:A123:0:0:0:0:0:1',
      'cp.example',
      'localhost',
    ]);
    assert.deepEqual(sanNames(undefined), []);
  });

  it('explains a certificate without SANs', () => {
    const err = nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames", { cert: {} });
    assert.equal(
      explainTlsClientError(err, { host: 'cp.example', port: 5678 }),
      'TLS connection to cp.example:5678 failed: the server certificate has no subject alternative names, so it is valid for no host name; ' +
        'regenerate it with kumactl generate tls-certificate --type=server --hostname=cp.example',
    );
  });

  it('brackets IPv6 hosts and names the PEM source of the CA', () => {
    const err = nodeError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain');
    assert.equal(
      explainTlsClientError(err, { host: '::1', port: 5678, settings: { caPem: 'x', caPemSource: 'KUMA_CONTROL_PLANE_CA_CERT' } }),
      "TLS connection to [::1]:5678 failed: the server certificate is not signed by the CA given in KUMA_CONTROL_PLANE_CA_CERT; pass the CA that issued the control plane's certificate",
    );
  });

  it('expiry, clock skew, DNS and unknown errors', () => {
    const ctx = { host: 'cp', port: 5681 };
    assert.match(explainTlsClientError(nodeError('CERT_HAS_EXPIRED', 'certificate has expired'), ctx), /failed: the server certificate has expired; renew/);
    assert.match(explainTlsClientError(nodeError('CERT_NOT_YET_VALID', 'certificate is not yet valid'), ctx), /not valid yet; check this machine's clock/);
    assert.match(explainTlsClientError(nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND cp'), ctx), /the host name cp cannot be resolved/);
    const agg = Object.assign(new AggregateError([nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5681')], ''), {});
    assert.match(explainTlsClientError(agg, ctx), /nothing is listening there/);
    assert.equal(explainTlsClientError(new Error('something odd'), ctx), 'TLS connection to cp:5681 failed: something odd');
    assert.equal(explainTlsClientError('plain string', { host: 'cp' }), 'TLS connection to cp failed: plain string');
  });

  it('tlsConnectError keeps the original error as cause', () => {
    const cause = nodeError('ECONNREFUSED', 'connect ECONNREFUSED');
    const e = tlsConnectError(cause, { host: 'cp', port: 1 });
    assert.equal(e.code, 'ERR_TLS_CONNECT');
    assert.equal(e.cause, cause);
  });
});
