import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { recordingLogger, type LogEntry } from '../../core/log.js';
import { allowAll, type AuthorizationRequest, type Authorizer } from './authorization.js';
import { ProxyIdentity } from './identity.js';
import { InboundListener, type InboundMode } from './inbound.js';
import { OutboundListener, type OutboundConfig } from './outbound.js';
import { createMeshCa, issueWorkload, workloadIdentity, type MeshCa } from './testing/mesh-pki.js';
import { closedWithin, openEchoing, startEcho, tcpExchange, waitFor, type EchoApp } from './testing/sockets.js';

let ca: MeshCa;
let echo: EchoApp;
let backendId: ProxyIdentity;
let webId: ProxyIdentity;

const ep = (l: InboundListener): { address: string; port: number } => ({ address: '127.0.0.1', port: l.port });

async function backend(o: { mode?: InboundMode; identity?: ProxyIdentity; authorize?: Authorizer } = {}): Promise<InboundListener> {
  return InboundListener.start(
    { address: '127.0.0.1', port: 0, servicePort: echo.port, mode: o.mode ?? 'STRICT', authorize: o.authorize ?? allowAll },
    { identity: o.identity ?? backendId },
  );
}

async function outbound(c: Partial<OutboundConfig>, entries: LogEntry[] = [], identity: ProxyIdentity = webId): Promise<OutboundListener> {
  return OutboundListener.start({ port: 0, service: 'backend', mtls: true, ...c }, { identity, logger: recordingLogger(entries) });
}

/** A port with nothing listening. */
async function deadPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  [ca, echo] = await Promise.all([createMeshCa('default'), startEcho()]);
  backendId = new ProxyIdentity(await workloadIdentity(ca, 'backend'));
  webId = new ProxyIdentity(await workloadIdentity(ca, 'web'));
});

after(() => echo.close());

describe('outbound -> inbound with mesh mTLS', () => {
  it('carries an application round trip (64 KiB, half-close) and the inbound sees the client\'s SPIFFE id', async () => {
    const seen: AuthorizationRequest[] = [];
    const inb = await backend({ authorize: (r) => (seen.push(r), { action: 'allow', shadowDeny: false }) });
    const out = await outbound({ endpoints: [ep(inb)] });
    try {
      const payload = randomBytes(64 * 1024);
      const r = await tcpExchange(out.port, payload);
      assert.equal(r.how, 'end');
      assert.ok(r.data.equals(payload));
      assert.deepEqual(seen.map((s) => s.spiffeIds), [['spiffe://default/web']]);
      assert.equal(seen[0]?.sni, 'backend{mesh=default}');
      const s = out.stats();
      assert.deepEqual([s.connections, s.bytesReceived, s.bytesSent], [1, 65536, 65536]);
    } finally {
      await Promise.all([out.stop(), inb.stop()]);
    }
  });

  it('refuses a server whose SAN names another service, and one from another mesh CA', async () => {
    const impostor = await backend({ identity: new ProxyIdentity(await workloadIdentity(ca, 'payments')) });
    const foreignCa = await createMeshCa('default');
    const foreign = await backend({ identity: new ProxyIdentity(await workloadIdentity(foreignCa, 'backend')) });
    const entries: LogEntry[] = [];
    const out = await outbound({ endpoints: [ep(impostor)], maxConnectAttempts: 1 }, entries);
    try {
      const r = await tcpExchange(out.port, 'secret');
      assert.equal(r.data.length, 0);
      assert.ok(entries.some((e) => /presents \[spiffe:\/\/default\/payments.*\] but spiffe:\/\/default\/backend is required/.test(String(e.fields['reason']))), JSON.stringify(entries));
      out.setEndpoints([ep(foreign)]);
      const r2 = await tcpExchange(out.port, 'secret');
      assert.equal(r2.data.length, 0);
      assert.ok(entries.some((e) => /not issued by a CA this mesh trusts/.test(String(e.fields['reason']))));
      assert.equal(out.stats().handshakeFailures, 2);
      assert.equal(impostor.stats().connections + foreign.stats().connections, 2);
    } finally {
      await Promise.all([out.stop(), impostor.stop(), foreign.stop()]);
    }
  });

  it('with no endpoints, closes the connection at once with a clear log line', async () => {
    const entries: LogEntry[] = [];
    const out = await outbound({ endpoints: [] }, entries);
    try {
      const r = await tcpExchange(out.port, 'x', { end: false });
      assert.equal(r.data.length, 0);
      assert.ok(r.ms < 500, `closed after ${r.ms} ms`);
      assert.ok(entries.some((e) => e.level === 'warn' && /no endpoint for service "backend"/.test(e.msg)));
      assert.equal(out.stats().noEndpoints, 1);
    } finally {
      await out.stop();
    }
  });

  it('goes round robin, and retries a connection on another endpoint when one is down', async () => {
    const a = await backend();
    const b = await backend();
    const out = await outbound({ endpoints: [ep(a), ep(b)] });
    try {
      for (let i = 0; i < 4; i++) assert.equal((await tcpExchange(out.port, `m${i}`)).data.toString(), `m${i}`);
      assert.deepEqual([a.stats().mtls, b.stats().mtls], [2, 2]);
      out.setEndpoints([{ address: '127.0.0.1', port: await deadPort() }, ep(a)]);
      for (let i = 0; i < 3; i++) assert.equal((await tcpExchange(out.port, 'retry')).data.toString(), 'retry');
      assert.equal(out.stats().upstreamFailures, 1, 'the dead endpoint is skipped after it failed once');
    } finally {
      await Promise.all([out.stop(), a.stop(), b.stop()]);
    }
  });

  it('plain TCP both ways when mesh mTLS is off', async () => {
    const inb = await InboundListener.start({ address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'OFF' });
    const out = await OutboundListener.start({ port: 0, service: 'backend', mtls: false, endpoints: [ep(inb)] });
    try {
      assert.equal((await tcpExchange(out.port, 'plain')).data.toString(), 'plain');
      await assert.rejects(OutboundListener.start({ port: 0, service: 'backend', mtls: true }), { code: 'ERR_PROXY_NO_IDENTITY' });
    } finally {
      await Promise.all([out.stop(), inb.stop()]);
    }
  });

  it('a plain outbound switches to mesh mTLS after setIdentity, without a rebind', async () => {
    const plainInb = await InboundListener.start({ address: '127.0.0.1', port: 0, servicePort: echo.port, mode: 'OFF' });
    const meshInb = await backend();
    const out = await OutboundListener.start({ port: 0, service: 'backend', mtls: false, endpoints: [ep(plainInb)] });
    const port = out.port;
    try {
      assert.equal((await tcpExchange(port, 'plain')).data.toString(), 'plain');
      assert.throws(() => out.update({ mtls: true }), { code: 'ERR_PROXY_NO_IDENTITY' });
      out.setIdentity(webId);
      out.update({ mtls: true, endpoints: [ep(meshInb)] });
      assert.equal((await tcpExchange(port, 'meshed')).data.toString(), 'meshed');
      assert.equal(meshInb.stats().mtls, 1);
      assert.equal(out.port, port);
    } finally {
      await Promise.all([out.stop(), plainInb.stop(), meshInb.stop()]);
    }
  });

  it('forwards whatever bytes the application sends (garbage is just payload)', async () => {
    const inb = await backend();
    const out = await outbound({ endpoints: [ep(inb)] });
    try {
      const junk = Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), randomBytes(5000)]);
      assert.ok((await tcpExchange(out.port, junk)).data.equals(junk));
    } finally {
      await Promise.all([out.stop(), inb.stop()]);
    }
  });
});

describe('identity updates and CA rotation', () => {
  it('a new certificate applies to new connections while an old connection keeps flowing', async () => {
    const seen: AuthorizationRequest[] = [];
    const inb = await backend({ authorize: (r) => (seen.push(r), { action: 'allow', shadowDeny: false }) });
    const id = new ProxyIdentity(await workloadIdentity(ca, 'web', { tags: { version: ['v1'] } }));
    const out = await outbound({ endpoints: [ep(inb)] }, [], id);
    try {
      const longLived = await openEchoing(out.port, 'before');
      id.update(await workloadIdentity(ca, 'web', { tags: { version: ['v2'] } }));
      assert.equal((await tcpExchange(out.port, 'new')).data.toString(), 'new');
      assert.deepEqual(seen.map((s) => s.kumaTags['version']), [['v1'], ['v2']]);
      longLived.write('after');
      await waitFor(longLived, 'after');
      longLived.destroy();
    } finally {
      await Promise.all([out.stop(), inb.stop()]);
    }
  });

  it('rotates the mesh CA with two trusted roots and traffic flowing throughout', async () => {
    const caB = await createMeshCa('default');
    const client = new ProxyIdentity(await workloadIdentity(ca, 'web'));
    const server = new ProxyIdentity(await workloadIdentity(ca, 'backend'));
    const inb = await backend({ identity: server });
    const out = await outbound({ endpoints: [ep(inb)] }, [], client);
    const check = async (step: string): Promise<void> => assert.equal((await tcpExchange(out.port, step)).data.toString(), step, step);
    try {
      const longLived = await openEchoing(out.port, 'start');
      // 1. both proxies trust both roots
      client.update(await workloadIdentity(ca, 'web', { roots: [ca, caB] }));
      server.update(await workloadIdentity(ca, 'backend', { roots: [ca, caB] }));
      await check('both roots');
      // 2. identities re-issued by the new CA, one side at a time
      client.update(await workloadIdentity(caB, 'web', { roots: [ca, caB] }));
      await check('client on B');
      server.update(await workloadIdentity(caB, 'backend', { roots: [ca, caB] }));
      await check('both on B');
      // 3. the old root is dropped
      client.update(await workloadIdentity(caB, 'web', { roots: [caB] }));
      server.update(await workloadIdentity(caB, 'backend', { roots: [caB] }));
      await check('old root gone');
      longLived.write('still flowing');
      await waitFor(longLived, 'still flowing');
      longLived.destroy();
      // A client still on the old CA is now refused.
      const stale = new ProxyIdentity(await workloadIdentity(ca, 'web', { roots: [ca, caB] }));
      const staleOut = await outbound({ endpoints: [ep(inb)], maxConnectAttempts: 1 }, [], stale);
      assert.equal((await tcpExchange(staleOut.port, 'x')).data.length, 0);
      await staleOut.stop();
    } finally {
      await Promise.all([out.stop(), inb.stop()]);
    }
  });

  it('stop(drainMs) lets an open connection finish, then closes it', async () => {
    const inb = await backend();
    const out = await outbound({ endpoints: [ep(inb)] });
    const conn = await openEchoing(out.port);
    const stopping = out.stop(300);
    conn.write('draining');
    await waitFor(conn, 'draining');
    await stopping;
    assert.equal(await closedWithin(conn, 500), true);
    await inb.stop();
  });

  it('denies a client whose certificate expired', async () => {
    const w = await issueWorkload(ca, { tags: { 'kuma.io/service': ['web'] }, notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) });
    const expired = new ProxyIdentity({ mesh: 'default', certChainPem: w.certPem, privateKey: w.keyPem, trustedRootsPem: [ca.certPem] });
    const inb = await backend();
    const out = await outbound({ endpoints: [ep(inb)], maxConnectAttempts: 1 }, [], expired);
    try {
      assert.equal((await tcpExchange(out.port, 'x')).data.length, 0);
      assert.equal(inb.stats().handshakeFailures, 1);
    } finally {
      await Promise.all([out.stop(), inb.stop()]);
    }
  });
});
