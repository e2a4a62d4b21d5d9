import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { buildClientTlsOptions } from './client-options.js';
import { makeCert, tempDir, type CertFiles } from './testing/openssl-certs.js';
import { readFileSync } from 'node:fs';

describe('buildClientTlsOptions', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let ca: CertFiles;
  let client: CertFiles;
  before(async () => {
    ({ dir, remove } = await tempDir());
    ca = await makeCert(dir, 'ca', { cn: 'ca', isCa: true });
    client = await makeCert(dir, 'client', { cn: 'client', ca, clientAuth: true });
  });
  after(() => remove());

  it('defaults: TLS 1.2 floor, verification on, default roots', async () => {
    assert.deepEqual(await buildClientTlsOptions({}), { minVersion: 'TLSv1.2', rejectUnauthorized: true });
    assert.equal((await buildClientTlsOptions({ minVersion: 'TLSv1_3' })).minVersion, 'TLSv1.3');
    await assert.rejects(buildClientTlsOptions({ minVersion: 'TLSv1_1' }), /unsupported tls version: TLSv1_1/);
  });

  it('reads the CA from a file or PEM text; PEM wins', async () => {
    const pem = readFileSync(ca.certFile, 'utf8');
    const fromFile = await buildClientTlsOptions({ caFile: ca.certFile, serverName: 'cp.example' });
    assert.equal(fromFile.ca, pem);
    assert.equal(fromFile.servername, 'cp.example');
    assert.equal((await buildClientTlsOptions({ caPem: pem, caFile: '/nope' })).ca, pem);
  });

  it('skipVerify wins over a CA (which is not even read)', async () => {
    const o = await buildClientTlsOptions({ skipVerify: true, caFile: '/does/not/exist' });
    assert.equal(o.rejectUnauthorized, false);
    assert.equal(o.ca, undefined);
  });

  it("unreadable or unparsable CA files give Kuma's texts with the file and the reason", async () => {
    const missing = join(dir, 'missing.pem');
    await assert.rejects(buildClientTlsOptions({ caFile: missing }), (e: Error) => hasCode(e, 'ERR_TLS_CA_CERT') && e.message === `could not read CA cert: cannot read "${missing}": no such file`);
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'hello\n');
    await assert.rejects(buildClientTlsOptions({ caFile: garbage }), (e: Error) => e.message.startsWith(`could not add certificate: no certificate found in "${garbage}"`));
  });

  it('explains a CA "PEM" value that is really a file path (Kuma #1462)', async () => {
    await assert.rejects(
      buildClientTlsOptions({ caPem: ca.certFile, caPemSource: 'KUMA_CONTROL_PLANE_CA_CERT' }),
      (e: Error) =>
        e.message.startsWith('could not add certificate: KUMA_CONTROL_PLANE_CA_CERT must hold the PEM text of the CA certificate, but it looks like a file path') &&
        e.message.includes(ca.certFile) &&
        e.message.includes('KUMA_CONTROL_PLANE_CA_CERT_FILE'),
    );
    await assert.rejects(buildClientTlsOptions({ caPem: 'not a cert' }), /could not add certificate: no certificate found in the CA certificate/);
  });

  it('client cert and key: both or neither', async () => {
    const o = await buildClientTlsOptions({ clientCertFile: client.certFile, clientKeyFile: client.keyFile });
    assert.match(String(o.cert), /BEGIN CERTIFICATE/);
    assert.match(String(o.key), /BEGIN (EC |RSA )?PRIVATE KEY/);
    await assert.rejects(buildClientTlsOptions({ clientCertFile: client.certFile }), (e: Error) => hasCode(e, 'ERR_TLS_CLIENT_KEY_PAIR') && /client certificate file was given without a client key file/.test(e.message));
    await assert.rejects(buildClientTlsOptions({ clientKeyFile: client.keyFile }), /client key file was given without a client certificate file/);
    await assert.rejects(
      buildClientTlsOptions({ clientCertFile: client.certFile, clientKeyFile: ca.keyFile }),
      (e: Error) =>
        e.message.startsWith(`could not create key pair from client cert and client key: the private key in "${ca.keyFile}" does not match the certificate `) &&
        !e.message.includes('PRIVATE KEY-----'),
    );
  });
});
