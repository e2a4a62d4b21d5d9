import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { silentLogger } from '../core/log.js';
import { explainTlsClientError } from './client-errors.js';
import { buildClientTlsOptions, type ClientTlsSettings } from './client-options.js';
import { ReloadingServerCredentials, type TlsServerSettings } from './server-credentials.js';
import { makeCert, tempDir, type CertFiles } from './testing/openssl-certs.js';
import { probe, startServer, type RunningServer } from './testing/tls-probe.js';

const settings = (files: CertFiles, more: Partial<TlsServerSettings> = {}): TlsServerSettings => ({
  ...files,
  minVersion: '',
  maxVersion: '',
  cipherSuites: [],
  ...more,
});

describe('ReloadingServerCredentials on real sockets', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let ca: CertFiles;
  let otherCa: CertFiles;
  let server: CertFiles;
  let client: CertFiles;
  let strangerClient: CertFiles;
  const cleanup: Array<() => unknown> = [];

  before(async () => {
    ({ dir, remove } = await tempDir());
    [ca, otherCa] = await Promise.all([makeCert(dir, 'ca', { cn: 'ca', isCa: true }), makeCert(dir, 'other-ca', { cn: 'other', isCa: true })]);
    [server, client, strangerClient] = await Promise.all([
      makeCert(dir, 'server', { cn: 'cp', sans: ['DNS:localhost', 'IP:127.0.0.1'], ca }),
      makeCert(dir, 'client', { cn: 'client', ca, clientAuth: true }),
      makeCert(dir, 'stranger', { cn: 'stranger', ca: otherCa, clientAuth: true }),
    ]);
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    await remove();
  });

  async function serve(s: TlsServerSettings): Promise<{ creds: ReloadingServerCredentials; srv: RunningServer }> {
    const creds = await ReloadingServerCredentials.load(s, { logger: silentLogger });
    const srv = await startServer(creds.serverOptions());
    creds.applyTo(srv.server);
    cleanup.push(() => creds.close(), () => srv.close());
    return { creds, srv };
  }

  async function connectError(port: number, tls: ClientTlsSettings, extra: object = {}): Promise<string> {
    const opts = await buildClientTlsOptions(tls);
    const err = await probe(port, { ...opts, ...extra }).then(
      () => assert.fail('the connection should have failed'),
      (e: unknown) => e,
    );
    return explainTlsClientError(err, { host: '127.0.0.1', port, settings: tls });
  }

  it('serves the startup certificate to a client that trusts the CA', async () => {
    const { creds, srv } = await serve(settings(server));
    const p = await probe(srv.port, await buildClientTlsOptions({ caFile: ca.certFile }));
    assert.equal(p.serialNumber, creds.current()[0]?.serialNumber);
    assert.equal(p.protocol, 'TLSv1.3');
    assert.match(creds.currentCertificatePem(), /^-----BEGIN CERTIFICATE-----/);
  });

  it('translates client failures: wrong CA, no CA, hostname mismatch, refused, plain text', async () => {
    const { srv } = await serve(settings(server));
    assert.equal(
      await connectError(srv.port, { caFile: otherCa.certFile }),
      `TLS connection to 127.0.0.1:${srv.port} failed: the server certificate is not signed by the CA in ${otherCa.certFile}; pass the CA that issued the control plane's certificate`,
    );
    assert.match(await connectError(srv.port, {}), /not signed by a CA this machine trusts \(no CA was given, so the default roots were used\)/);
    assert.equal(
      await connectError(srv.port, { caFile: ca.certFile, serverName: 'kuma.internal' }, { servername: 'kuma.internal' }),
      `TLS connection to 127.0.0.1:${srv.port} failed: the certificate is valid for [127.0.0.1 localhost] but you connected to kuma.internal; ` +
        'use one of those names or regenerate it with kumactl generate tls-certificate --type=server --hostname=kuma.internal',
    );

    const closed = createNetServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    assert.match(await connectError(closedPort, { caFile: ca.certFile }), /failed: nothing is listening there; check the address and port/);

    const sockets = new Set<Socket>();
    const plain = createNetServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    cleanup.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => plain.close(r));
    });
    assert.match(
      await connectError((plain.address() as AddressInfo).port, { caFile: ca.certFile }),
      /failed: the server does not speak TLS on this port \(it answered in plain text, e\.g\. plain HTTP\); use http:\/\/ or the TLS port$/,
    );
  });

  it('refuses TLS 1.1 clients (node and openssl s_client)', async () => {
    const { srv } = await serve(settings(server, { minVersion: '' }));
    // SECLEVEL=0 so the *client* is willing to offer TLS 1.1; the refusal must come from our server.
    const msg = await connectError(srv.port, { skipVerify: true }, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.match(msg, /no TLS version in common \(this client requires TLS 1\.2 or later\)/);
    assert.ok(srv.clientErrors.some((e) => /unsupported protocol/.test(e.message)), srv.clientErrors.map((e) => e.message).join('; '));

    const code = await new Promise<number | null>((resolve) => {
      const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${srv.port}`, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], () => undefined);
      child.stdin?.end();
      child.on('exit', resolve);
    });
    assert.notEqual(code, 0);
    assert.ok(srv.clientErrors.filter((e) => /unsupported protocol/.test(e.message)).length >= 2);

    const ok = await new Promise<number | null>((resolve) => {
      const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${srv.port}`, '-tls1_2', '-CAfile', ca.certFile, '-verify_return_error'], () => undefined);
      child.stdin?.end();
      child.on('exit', resolve);
    });
    assert.equal(ok, 0);
  });

  it('a TLSv1_3-only server refuses a TLS 1.2-only client; a TLSv1_2-max server speaks 1.2', async () => {
    const only13 = await serve(settings(server, { minVersion: 'TLSv1_3' }));
    const msg = await connectError(only13.srv.port, { caFile: ca.certFile }, { maxVersion: 'TLSv1.2' });
    assert.match(msg, /no TLS version in common/);
    const only12 = await serve(settings(server, { maxVersion: 'TLSv1_2' }));
    assert.equal((await probe(only12.srv.port, await buildClientTlsOptions({ caFile: ca.certFile }))).protocol, 'TLSv1.2');
  });

  it('restricts cipher suites (TLS 1.2 and TLS 1.3 names)', async () => {
    const opts = await buildClientTlsOptions({ caFile: ca.certFile });
    const tls12 = await serve(settings(server, { maxVersion: 'TLSv1_2', cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] }));
    assert.equal((await probe(tls12.srv.port, opts)).cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
    assert.match(
      await connectError(tls12.srv.port, { caFile: ca.certFile }, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }),
      /shares no cipher suite with this client/,
    );
    const tls13 = await serve(settings(server, { cipherSuites: ['TLS_CHACHA20_POLY1305_SHA256'] }));
    const p = await probe(tls13.srv.port, opts);
    assert.deepEqual([p.protocol, p.cipher], ['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256']);
    // Only TLS 1.2 names: TLS 1.3 keeps its default suites, as in Go.
    const mixed = await serve(settings(server, { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }));
    assert.equal((await probe(mixed.srv.port, opts)).protocol, 'TLSv1.3');
    assert.equal((await probe(mixed.srv.port, { ...opts, maxVersion: 'TLSv1.2' })).cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256');
  });

  it("rejects bad settings before loading anything, with Kuma's texts", async () => {
    await assert.rejects(
      ReloadingServerCredentials.load(settings(server, { cipherSuites: ['TLS_FOO'] }), { logger: silentLogger }),
      (e: Error) => hasCode(e, 'ERR_TLS_UNSUPPORTED_CIPHER') && e.message.startsWith('unsupported tls cipher: TLS_FOO supported ciphers insecure:['),
    );
    await assert.rejects(
      ReloadingServerCredentials.load(settings(server, { minVersion: 'TLSv1_3', maxVersion: 'TLSv1_2' }), { logger: silentLogger }),
      /tlsMaxVersion must not be lower than tlsMinVersion/,
    );
  });

  it('requireClientCert: no cert or a foreign cert is refused, a cert from tlsCaFile is accepted', async () => {
    const { srv } = await serve(settings(server, { clientCaFile: ca.certFile, requireClientCert: true }));
    const good = await probe(srv.port, await buildClientTlsOptions({ caFile: ca.certFile, clientCertFile: client.certFile, clientKeyFile: client.keyFile }));
    assert.equal(good.data, 'ok');
    assert.match(await connectError(srv.port, { caFile: ca.certFile }), /failed: the server requires a client certificate; pass a client certificate and key/);
    assert.match(await connectError(srv.port, { caFile: ca.certFile }, { maxVersion: 'TLSv1.2' }), /it may require a client certificate \(none was given/);
    assert.match(
      await connectError(srv.port, { caFile: ca.certFile, clientCertFile: strangerClient.certFile, clientKeyFile: strangerClient.keyFile }),
      /failed: the server closed the connection during the TLS handshake; .* may require a client certificate/,
    );
    assert.ok(srv.clientErrors.length >= 2);
    // Without requireClientCert no certificate is requested, even with a CA file.
    const open = await serve(settings(server, { clientCaFile: ca.certFile }));
    assert.equal((await probe(open.srv.port, await buildClientTlsOptions({ caFile: ca.certFile }))).data, 'ok');
  });

  it('client CA problems fail the start with Kuma\'s text', async () => {
    const missing = join(dir, 'nope.pem');
    await assert.rejects(
      ReloadingServerCredentials.load(settings(server, { clientCaFile: missing, requireClientCert: true }), { logger: silentLogger }),
      (e: Error) => hasCode(e, 'ERR_TLS_CLIENT_CA') && e.message === `failed to load PEM client certificate from "${missing}": cannot read "${missing}": no such file`,
    );
    const garbage = join(dir, 'garbage-ca.pem');
    await writeFile(garbage, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    await assert.rejects(
      ReloadingServerCredentials.load(settings(server, { clientCaFile: garbage }), { logger: silentLogger }),
      (e: Error) => e.message.startsWith(`failed to load PEM client certificate from "${garbage}": certificate #1 in "${garbage}" is not a valid X.509 certificate`),
    );
    await assert.rejects(
      ReloadingServerCredentials.load(settings(server, { requireClientCert: true }), { logger: silentLogger }),
      /requireClientCert is set but no client CA file \(tlsCaFile\) is given/,
    );
  });
});
