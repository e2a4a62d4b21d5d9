import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer, type ConnectionOptions } from 'node:tls';
import { recordingLogger, type LogEntry } from '../../core/log.js';
import { createSelfSignedCertificate, generateKeyPair } from '../../pki/index.js';
import { allowAll, type AuthorizationRequest, type Authorizer } from './authorization.js';
import type { IdentityMaterial } from './identity.js';
import { ProxyIdentity } from './identity.js';
import { InboundListener, type InboundConfig } from './inbound.js';
import { createMeshCa, issueWorkload, selfSignedWorkload, workloadIdentity, type MeshCa } from './testing/mesh-pki.js';
import { closedWithin, collect, openEchoing, startEcho, tcpExchange, tlsExchange, waitFor, type EchoApp } from './testing/sockets.js';

let ca: MeshCa;
let otherMesh: MeshCa;
let serverIdentity: ProxyIdentity;
let web: IdentityMaterial;
let echo: EchoApp;
let dir: string;

/** A mesh client of this test's mesh (node:tls with our identity, ALPN kuma, no host name check). */
function meshClient(m: { certChainPem: string; privateKey: unknown }, extra: ConnectionOptions = {}): ConnectionOptions {
  return {
    cert: m.certChainPem,
    key: m.privateKey as string,
    ca: ca.certPem,
    ALPNProtocols: ['kuma'],
    servername: 'backend{mesh=default}',
    checkServerIdentity: () => undefined,
    ...extra,
  };
}

async function inbound(config: Partial<InboundConfig> = {}, entries: LogEntry[] = []): Promise<InboundListener> {
  return InboundListener.start(
    { address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'STRICT', authorize: allowAll, ...config },
    { identity: serverIdentity, logger: recordingLogger(entries) },
  );
}

function openssl(args: string[], input: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: 5000 }, (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
    child.stdin?.end(input);
  });
}

before(async () => {
  [ca, otherMesh, echo] = await Promise.all([createMeshCa('default'), createMeshCa('other'), startEcho()]);
  serverIdentity = new ProxyIdentity(await workloadIdentity(ca, 'backend'));
  web = await workloadIdentity(ca, 'web', { tags: { version: ['v1'] } });
  dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  await writeFile(join(dir, 'ca.pem'), ca.certPem);
});

after(async () => {
  await echo.close();
  await rm(dir, { recursive: true, force: true });
});

describe('inbound STRICT', () => {
  it('forwards mesh mTLS to the application and shows the permission hook who is calling', async () => {
    const seen: AuthorizationRequest[] = [];
    const l = await inbound({ authorize: (r) => (seen.push(r), { action: 'allow', shadowDeny: false }) });
    try {
      const r = await tlsExchange(l.port, meshClient(web), 'hello mesh');
      assert.equal(r.data.toString(), 'hello mesh');
      assert.equal(r.socket.alpnProtocol, 'kuma');
      assert.deepEqual(seen[0]?.spiffeIds, ['spiffe://default/web']);
      assert.deepEqual(seen[0]?.kumaTags, { 'kuma.io/service': ['web'], version: ['v1'] });
      assert.equal(seen[0]?.sni, 'backend{mesh=default}');
      const s = l.stats();
      assert.equal(s.mtls, 1);
      assert.equal(s.bytesReceived, 10);
      assert.equal(s.bytesSent, 10);
    } finally {
      await l.stop();
    }
  });

  it('refuses openssl s_client without a client certificate, and plaintext', async () => {
    const l = await inbound();
    try {
      const out = await openssl(['s_client', '-connect', `127.0.0.1:${l.port}`, '-alpn', 'kuma', '-CAfile', join(dir, 'ca.pem'), '-quiet'], 'secret\n');
      assert.match(out, /alert certificate required/);
      assert.doesNotMatch(out, /^secret$/m);
      const plain = await tcpExchange(l.port, 'GET / HTTP/1.1\r\n\r\n');
      assert.equal(plain.data.length, 0);
      assert.equal(echo.accepted > 0 ? l.stats().plaintextRefused : 1, 1);
      assert.ok(l.stats().handshakeFailures >= 1);
    } finally {
      await l.stop();
    }
  });

  it('refuses certificates from another mesh, expired, self-signed, or naming another mesh', async () => {
    const entries: LogEntry[] = [];
    const l = await inbound({}, entries);
    const acceptedBefore = echo.accepted;
    try {
      const fromOther = await issueWorkload(otherMesh, { tags: { 'kuma.io/service': ['web'] } });
      const expired = await issueWorkload(ca, { tags: { 'kuma.io/service': ['web'] }, notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) });
      const selfSigned = await selfSignedWorkload('default', 'web');
      const wrongMesh = await issueWorkload(ca, { tags: { 'kuma.io/service': ['web'] }, mesh: 'other' });
      const cases = [
        ['another mesh CA', fromOther, /not issued by a CA this mesh trusts/],
        ['expired', expired, /expired/],
        ['self-signed', selfSigned, /self-signed/],
        ['SAN of another mesh', wrongMesh, /not a workload of mesh "default"/],
      ] as const;
      for (const [what, cert, reason] of cases) {
        const r = await tlsExchange(l.port, meshClient({ certChainPem: cert.certPem, privateKey: cert.keyPem }), 'secret');
        assert.equal(r.data.length, 0, what);
        assert.ok(entries.some((e) => reason.test(String(e.fields['reason']))), `${what}: ${JSON.stringify(entries.map((e) => e.fields['reason']))}`);
      }
      assert.equal(l.stats().handshakeFailures, 4);
      assert.equal(echo.accepted, acceptedBefore, 'the application never saw a refused client');
    } finally {
      await l.stop();
    }
  });

  it('refuses TLS 1.0 and 1.1, and survives garbage', async () => {
    const l = await inbound();
    try {
      const old = await tlsExchange(l.port, meshClient(web, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }), 'x');
      assert.equal(old.data.length, 0);
      for (let i = 0; i < 20; i++) {
        const junk = i % 2 === 0 ? Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), randomBytes(200)]) : randomBytes(300);
        const r = await tcpExchange(l.port, junk);
        assert.ok(r.data.length <= 7, 'at most a TLS alert comes back'); // never an echo of the junk
      }
      const ok = await tlsExchange(l.port, meshClient(web), 'still fine');
      assert.equal(ok.data.toString(), 'still fine');
    } finally {
      await l.stop();
    }
  });
});

describe('inbound PERMISSIVE', () => {
  it('passes plaintext, the application\'s own TLS untouched, and terminates mesh mTLS', async () => {
    // An application that speaks TLS itself, with a certificate the mesh knows nothing about.
    const appKeys = await generateKeyPair('ecdsa');
    const appCert = createSelfSignedCertificate({ type: 'server', keyPair: appKeys, hosts: ['app.local'] });
    const tlsApp = createTlsServer({ cert: appCert.certPem, key: appCert.keyPem }, (s) => s.pipe(s));
    tlsApp.listen(0, '127.0.0.1');
    await once(tlsApp, 'listening');
    const l = await inbound({ mode: 'PERMISSIVE', servicePort: (tlsApp.address() as AddressInfo).port });
    const plainL = await inbound({ mode: 'PERMISSIVE' });
    try {
      const own = await tlsExchange(l.port, { ca: appCert.certPem, servername: 'app.local' }, 'end to end');
      assert.equal(own.data.toString(), 'end to end');
      assert.equal(own.peerFingerprint, appCert.certificate.fingerprint256);
      assert.equal(l.stats().passthrough, 1);

      const plain = await tcpExchange(plainL.port, 'GET / HTTP/1.1\r\n\r\n');
      assert.equal(plain.data.toString(), 'GET / HTTP/1.1\r\n\r\n');
      const mesh = await tlsExchange(plainL.port, meshClient(web), 'via mesh');
      assert.equal(mesh.data.toString(), 'via mesh');
      const noCert = await tlsExchange(plainL.port, { ...meshClient(web), cert: undefined, key: undefined }, 'no cert');
      assert.equal(noCert.data.length, 0);
      const s = plainL.stats();
      assert.deepEqual([s.plaintext, s.mtls, s.handshakeFailures], [1, 2, 1]);
    } finally {
      await Promise.all([l.stop(), plainL.stop()]);
      tlsApp.close();
    }
  });

  it('closes a truncated ClientHello, and treats silence as a server-first plaintext protocol', async () => {
    const l = await inbound({ mode: 'PERMISSIVE', sniffTimeoutMs: 150 });
    try {
      const s = netConnect({ host: '127.0.0.1', port: l.port });
      s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
      const r = await collect(s, 2000);
      assert.equal(r.data.length, 0);
      assert.equal(l.stats().handshakeFailures, 1);
      for (let i = 0; i < 10; i++) {
        const junk = await tcpExchange(l.port, Buffer.concat([Buffer.from([0x16, 0x03, 0x03, 0x00, 0x40, 0x01]), randomBytes(80)]));
        assert.equal(junk.data.length, 0, 'a forged hello is closed, never forwarded');
      }
      const silent = netConnect({ host: '127.0.0.1', port: l.port });
      await new Promise((res) => setTimeout(res, 300));
      silent.write('late');
      await waitFor(silent, 'late');
      silent.destroy();
    } finally {
      await l.stop();
    }
  });
});

describe('inbound mode changes', () => {
  it('PERMISSIVE -> STRICT closes open plaintext connections, keeps mesh mTLS ones, and refuses new plaintext', async () => {
    const l = await inbound({ mode: 'PERMISSIVE' });
    try {
      const plain = await openEchoing(l.port);
      const { connect } = await import('node:tls');
      const mesh = connect({ host: '127.0.0.1', port: l.port, ...meshClient(web) });
      mesh.on('error', () => undefined);
      await once(mesh, 'secureConnect');
      mesh.write('m1');
      await waitFor(mesh, 'm1');
      l.update({ mode: 'STRICT' });
      assert.equal(await closedWithin(plain, 1000), true);
      mesh.write('m2');
      await waitFor(mesh, 'm2');
      mesh.destroy();
      assert.equal((await tcpExchange(l.port, 'plain')).data.length, 0);
      assert.equal(l.stats().plaintextRefused, 1);
    } finally {
      await l.stop();
    }
  });
});

describe('inbound identity given after start', () => {
  it('a listener started with mTLS off goes PERMISSIVE then STRICT after setIdentity, without a rebind', async () => {
    const l = await InboundListener.start({ address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'OFF' });
    const port = l.port;
    try {
      assert.throws(() => l.update({ mode: 'STRICT' }), { code: 'ERR_PROXY_NO_IDENTITY' });
      const plain = await openEchoing(port);
      l.setIdentity(serverIdentity);
      l.update({ mode: 'PERMISSIVE', authorize: allowAll });
      plain.write('kept');
      await waitFor(plain, 'kept');
      assert.equal((await tlsExchange(port, meshClient(web), 'meshed')).data.toString(), 'meshed');
      l.update({ mode: 'STRICT' });
      assert.equal(await closedWithin(plain, 1000), true);
      assert.equal(l.port, port);
      // Another identity object (here: a certificate from another CA) replaces the first for new handshakes.
      const caB = await createMeshCa('default');
      l.setIdentity(new ProxyIdentity(await workloadIdentity(caB, 'backend', { roots: [ca, caB] })));
      // The client trusts only the new CA: the exchange works only if the server presents the new certificate.
      const r = await tlsExchange(port, meshClient(web, { ca: caB.certPem }), 'new identity');
      assert.equal(r.data.toString(), 'new identity');
    } finally {
      await l.stop();
    }
  });
});

describe('inbound permissions', () => {
  it('denies at handshake time with a log line naming the peer and the rule; counts shadow denies', async () => {
    const entries: LogEntry[] = [];
    const authorize: Authorizer = (r) =>
      r.spiffeIds.includes('spiffe://default/web')
        ? { action: 'deny', shadowDeny: false, rule: 'MeshTrafficPermission/deny-web' }
        : { action: 'allow', shadowDeny: true, rule: 'MeshTrafficPermission/shadow' };
    const l = await inbound({ authorize }, entries);
    try {
      const denied = await tlsExchange(l.port, meshClient(web), 'x');
      assert.equal(denied.data.length, 0);
      const line = entries.find((e) => /denied by traffic permission/.test(e.msg));
      assert.equal(line?.fields['peer'], 'spiffe://default/web');
      assert.equal(line?.fields['rule'], 'MeshTrafficPermission/deny-web');
      const admin = await workloadIdentity(ca, 'admin');
      const shadow = await tlsExchange(l.port, meshClient(admin), 'ok');
      assert.equal(shadow.data.toString(), 'ok');
      const s = l.stats();
      assert.deepEqual([s.denied, s.shadowDenied], [1, 1]);
    } finally {
      await l.stop();
    }
  });

  it('fails closed when the hook throws, and mTLS with no permission denies all', async () => {
    const l = await inbound({ authorize: () => { throw new Error('boom'); } });
    const none = await InboundListener.start({ address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'STRICT' }, { identity: serverIdentity });
    try {
      assert.equal((await tlsExchange(l.port, meshClient(web), 'x')).data.length, 0);
      assert.equal((await tlsExchange(none.port, meshClient(web), 'x')).data.length, 0);
      assert.equal(l.stats().denied + none.stats().denied, 2);
    } finally {
      await Promise.all([l.stop(), none.stop()]);
    }
  });

  it('reauthorize closes open connections the new permission denies, and keeps the others', async () => {
    const l = await inbound({ authorize: allowAll });
    const admin = await workloadIdentity(ca, 'admin');
    try {
      const open = async (m: IdentityMaterial) => {
        const { connect } = await import('node:tls');
        const s = connect({ host: '127.0.0.1', port: l.port, ...meshClient(m) });
        s.on('error', () => undefined);
        await once(s, 'secureConnect');
        s.write('ping');
        await waitFor(s, 'ping');
        return s;
      };
      const [webConn, adminConn] = [await open(web), await open(admin)];
      const t0 = Date.now();
      const result = l.reauthorize((r) => ({ action: r.spiffeIds.includes('spiffe://default/web') ? 'deny' : 'allow', shadowDeny: false, rule: 'new policy' }));
      assert.deepEqual(result, { checked: 2, closed: 1 });
      assert.equal(await closedWithin(webConn, 1000), true);
      assert.ok(Date.now() - t0 < 1000);
      adminConn.write('still here');
      await waitFor(adminConn, 'still here');
      adminConn.destroy();
      // New connections follow the new decision too.
      assert.equal((await tlsExchange(l.port, meshClient(web), 'x')).data.length, 0);
    } finally {
      await l.stop();
    }
  });
});

describe('inbound without mTLS, and drain', () => {
  it('mode OFF forwards plain TCP, and needs no identity', async () => {
    const l = await InboundListener.start({ address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'OFF' });
    try {
      const big = randomBytes(256 * 1024);
      const r = await tcpExchange(l.port, big);
      assert.ok(r.data.equals(big));
    } finally {
      await l.stop();
    }
    await assert.rejects(InboundListener.start({ address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'STRICT' }), { code: 'ERR_PROXY_NO_IDENTITY' });
  });

  it('stop(drainMs) refuses new connections, lets open ones finish, then closes the rest', async () => {
    const l = await InboundListener.start({ address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'OFF' });
    const port = l.port;
    const conn = await openEchoing(port);
    const stopped = l.stop(400);
    await new Promise((r) => setTimeout(r, 50));
    conn.write('during drain');
    await waitFor(conn, 'during drain');
    const refused = netConnect({ host: '127.0.0.1', port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
    const t0 = Date.now();
    await stopped;
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(await closedWithin(conn, 500), true);

    // A connection that finishes early ends the drain early.
    const l2 = await InboundListener.start({ address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'OFF' });
    const c2 = await openEchoing(l2.port);
    const t1 = Date.now();
    const s2 = l2.stop(5000);
    c2.end();
    await s2;
    assert.ok(Date.now() - t1 < 2000);
  });
});
