import { create } from '@bufbuild/protobuf';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { recordingLogger, type LogEntry } from '../../core/log.js';
import type { DecisionRule, PermissionAction } from '../../core/permissions/index.js';
import { DataplaneConfigSchema, EndpointsConfigSchema, type DataplaneConfig, type EndpointsConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import type { IdentityMaterial } from '../mtls/index.js';
import { createMeshCa, workloadIdentity, type MeshCa } from '../mtls/testing/mesh-pki.js';
import { closedWithin, openEchoing, startEcho, tcpExchange, waitFor, type EchoApp } from '../mtls/testing/sockets.js';
import { DataPath } from './data-path.js';
import { freePort } from '../../../test/support/ports.js';

let ca: MeshCa;
let caB: MeshCa;
let echo: EchoApp;
let echo2: EchoApp;
let backendId: IdentityMaterial;
let webId: IdentityMaterial;

/** A port nothing listens on (listen on 0, close). */

async function occupy(): Promise<Server> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

const portOf = (s: Server): number => (s.address() as AddressInfo).port;

/** Resolves true when nothing listens on the port. */
async function refused(port: number): Promise<boolean> {
  const s = connect({ host: '127.0.0.1', port });
  return new Promise((resolve) => {
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

interface Listeners {
  mtls?: 'STRICT' | 'PERMISSIVE' | undefined;
  inbounds?: { port: number; servicePort: number }[];
  outbounds?: { port: number; service: string }[];
}

const dataplane = (o: Listeners): DataplaneConfig =>
  create(DataplaneConfigSchema, {
    dataplaneJson: '{}',
    mesh: { name: 'default', mtlsEnabled: o.mtls !== undefined, mtlsBackend: o.mtls ? 'ca-1' : '', mtlsMode: o.mtls ?? '' },
    desired: {
      address: '127.0.0.1',
      inbounds: (o.inbounds ?? []).map((i) => ({ port: i.port, servicePort: i.servicePort, tags: { 'kuma.io/service': 'backend' } })),
      outbounds: (o.outbounds ?? []).map((x) => ({ port: x.port, tags: { 'kuma.io/service': x.service } })),
    },
  });

const endpoints = (byService: Record<string, number[]>): EndpointsConfig =>
  create(EndpointsConfigSchema, { services: Object.entries(byService).map(([service, ports]) => ({ service, endpoints: ports.map((port) => ({ address: '127.0.0.1', port, mtlsReady: true })) })) });

const rule = (service: string, action: PermissionAction = 'allow'): DecisionRule => ({ action, anyOf: [[{ type: 'spiffeIdExact', value: `spiffe://default/${service}` }]], origin: [`${action}-${service}`] });

const permissions = (inPort: number, rules: DecisionRule[], mtlsEnabled = true): string =>
  JSON.stringify({ mesh: 'default', dataplane: 'backend-1', mtlsEnabled, inbounds: [{ inbound: `127.0.0.1:${inPort}`, address: '127.0.0.1', port: inPort, source: 'rules', rules, otherwise: 'deny' }] });

const quick = { outbound: { maxConnectAttempts: 1, connectTimeoutMs: 2000 } };

/** A server side (inbound -> echo) and a client side (outbound -> server's inbound), both on mTLS STRICT, allowing web. */
async function meshPair(o: { mtls?: 'STRICT' | 'PERMISSIVE'; serverId?: IdentityMaterial; clientId?: IdentityMaterial; serverLog?: LogEntry[] } = {}) {
  const [inPort, outPort] = [await freePort(), await freePort()];
  const server = new DataPath({ logger: recordingLogger(o.serverLog ?? []) });
  const client = new DataPath(quick);
  assert.equal(server.applyPermissions(permissions(inPort, [rule('web')])), undefined);
  assert.equal(await server.applyIdentity(o.serverId ?? backendId), undefined);
  assert.equal(await server.applyDataplane(dataplane({ mtls: o.mtls ?? 'STRICT', inbounds: [{ port: inPort, servicePort: echo.port }] })), undefined);
  assert.equal(await client.applyIdentity(o.clientId ?? webId), undefined);
  assert.equal(client.applyEndpoints(endpoints({ backend: [inPort] })), undefined);
  assert.equal(await client.applyDataplane(dataplane({ mtls: o.mtls ?? 'STRICT', outbounds: [{ port: outPort, service: 'backend' }] })), undefined);
  return { server, client, inPort, outPort, stop: () => Promise.all([server.stop(0), client.stop(0)]) };
}

before(async () => {
  [ca, caB, echo, echo2] = await Promise.all([createMeshCa('default'), createMeshCa('default'), startEcho(), startEcho()]);
  [backendId, webId] = await Promise.all([workloadIdentity(ca, 'backend'), workloadIdentity(ca, 'web')]);
});

after(() => Promise.all([echo.close(), echo2.close()]));

describe('DataPath with mesh mTLS off', () => {
  it('forwards plain TCP from an outbound to an inbound to the application; endpoints may come first', async () => {
    const [inPort, outPort] = [await freePort(), await freePort()];
    const server = new DataPath();
    const client = new DataPath(quick);
    try {
      assert.equal(client.applyEndpoints(endpoints({ backend: [inPort] })), undefined);
      assert.equal(await server.applyDataplane(dataplane({ inbounds: [{ port: inPort, servicePort: echo.port }] })), undefined);
      assert.equal(await client.applyDataplane(dataplane({ outbounds: [{ port: outPort, service: 'backend' }] })), undefined);
      assert.equal((await tcpExchange(outPort, 'plain')).data.toString(), 'plain');
      const s = server.snapshot();
      assert.deepEqual(s.mesh, { mesh: 'default', enabled: false, inboundMode: 'OFF' });
      assert.equal(s.identity.state, 'none');
      assert.deepEqual([s.inbounds[0]?.state, s.inbounds[0]?.mode, s.inbounds[0]?.port, s.inbounds[0]?.stats?.plaintext], ['running', 'OFF', inPort, 1]);
      const c = client.snapshot().outbounds[0];
      assert.deepEqual([c?.state, c?.service, c?.mtls, c?.endpoints], ['running', 'backend', false, 1]);
    } finally {
      await Promise.all([server.stop(0), client.stop(0)]);
    }
  });
});

describe('DataPath with mesh mTLS on', () => {
  it('opens no port until the identity arrives (logged once), then carries traffic over mTLS', async () => {
    const [inPort, outPort] = [await freePort(), await freePort()];
    const serverLog: LogEntry[] = [];
    const server = new DataPath({ logger: recordingLogger(serverLog) });
    const client = new DataPath(quick);
    try {
      assert.equal(server.applyPermissions(permissions(inPort, [rule('web')])), undefined, 'permissions before the Dataplane and the identity');
      const inbound = dataplane({ mtls: 'STRICT', inbounds: [{ port: inPort, servicePort: echo.port }] });
      assert.equal(await server.applyDataplane(inbound), undefined);
      assert.equal(await server.applyDataplane(inbound), undefined);
      assert.equal(await client.applyDataplane(dataplane({ mtls: 'STRICT', outbounds: [{ port: outPort, service: 'backend' }] })), undefined);
      assert.equal(server.snapshot().inbounds[0]?.state, 'waiting-for-identity');
      assert.equal(client.snapshot().outbounds[0]?.state, 'waiting-for-identity');
      assert.equal(await refused(inPort), true, 'the application is not reachable without the mesh');
      assert.equal(await refused(outPort), true, 'no plaintext into an mTLS mesh');
      assert.equal(serverLog.filter((e) => /waiting for the mesh identity/.test(e.msg)).length, 1);

      // Concurrently, in any order: the stream kinds are independent.
      const applied = await Promise.all([server.applyIdentity(backendId), client.applyIdentity(webId), Promise.resolve(client.applyEndpoints(endpoints({ backend: [inPort] })))]);
      assert.deepEqual(applied, [undefined, undefined, undefined]);
      assert.equal((await tcpExchange(outPort, 'over mTLS')).data.toString(), 'over mTLS');
      const s = server.snapshot();
      assert.deepEqual([s.inbounds[0]?.state, s.inbounds[0]?.mode, s.inbounds[0]?.stats?.mtls, s.inbounds[0]?.permissions], ['running', 'STRICT', 1, 'MeshTrafficPermission (rules)']);
      assert.deepEqual([s.identity.state, s.identity.spiffeIds, s.identity.generation], ['active', ['spiffe://default/backend'], 1]);
      assert.equal(client.snapshot().outbounds[0]?.mtls, true);
      // STRICT: plaintext straight to the inbound is refused.
      assert.equal((await tcpExchange(inPort, 'GET / HTTP/1.1\r\n\r\n')).data.length, 0);
      assert.equal(server.snapshot().inbounds[0]?.stats?.plaintextRefused, 1);
    } finally {
      await Promise.all([server.stop(0), client.stop(0)]);
    }
  });

  it('switches STRICT <-> PERMISSIVE and ON <-> OFF on running listeners', async () => {
    const p = await meshPair({ mtls: 'PERMISSIVE' });
    const serverConfig = (mtls: 'STRICT' | 'PERMISSIVE' | undefined): DataplaneConfig => dataplane({ mtls, inbounds: [{ port: p.inPort, servicePort: echo.port }] });
    const clientConfig = (mtls: 'STRICT' | 'PERMISSIVE' | undefined): DataplaneConfig => dataplane({ mtls, outbounds: [{ port: p.outPort, service: 'backend' }] });
    try {
      assert.equal((await tcpExchange(p.inPort, 'plain ok')).data.toString(), 'plain ok', 'PERMISSIVE passes plaintext');
      const plain = await openEchoing(p.inPort);
      const meshed = await openEchoing(p.outPort);
      assert.equal(await p.server.applyDataplane(serverConfig('STRICT')), undefined);
      assert.equal(await closedWithin(plain, 1000), true, 'going STRICT closes plaintext');
      meshed.write('still');
      await waitFor(meshed, 'still');
      assert.equal((await tcpExchange(p.inPort, 'plain')).data.length, 0);
      assert.equal(await p.server.applyDataplane(serverConfig('PERMISSIVE')), undefined);
      assert.equal((await tcpExchange(p.inPort, 'plain is back')).data.toString(), 'plain is back');
      meshed.write('and still');
      await waitFor(meshed, 'and still');
      // mTLS off on both sides: plain again, same ports.
      assert.equal(await p.server.applyDataplane(serverConfig(undefined)), undefined);
      assert.equal(await p.client.applyDataplane(clientConfig(undefined)), undefined);
      assert.equal((await tcpExchange(p.inPort, 'plain again')).data.toString(), 'plain again');
      assert.equal((await tcpExchange(p.outPort, 'plain via outbound')).data.toString(), 'plain via outbound');
      assert.equal(p.client.snapshot().outbounds[0]?.mtls, false);
      // And on again: the identity is still there, so nothing waits.
      assert.equal(await p.server.applyDataplane(serverConfig('STRICT')), undefined);
      assert.equal(await p.client.applyDataplane(clientConfig('STRICT')), undefined);
      assert.equal((await tcpExchange(p.outPort, 'meshed again')).data.toString(), 'meshed again');
      assert.equal((await tcpExchange(p.inPort, 'plain')).data.length, 0);
      meshed.destroy();
    } finally {
      await p.stop();
    }
  });

  it('turns mTLS on for listeners started without any identity, without a rebind', async () => {
    const [inPort, outPort] = [await freePort(), await freePort()];
    const server = new DataPath();
    const client = new DataPath(quick);
    const serverConfig = (mtls: 'PERMISSIVE' | undefined): DataplaneConfig => dataplane({ mtls, inbounds: [{ port: inPort, servicePort: echo.port }] });
    try {
      server.applyPermissions(permissions(inPort, [rule('web')]));
      client.applyEndpoints(endpoints({ backend: [inPort] }));
      await server.applyDataplane(serverConfig(undefined));
      await client.applyDataplane(dataplane({ outbounds: [{ port: outPort, service: 'backend' }] }));
      const plain = await openEchoing(inPort);
      // The identity kind may come before the Dataplane kind says mTLS is on.
      assert.equal(await server.applyIdentity(backendId), undefined);
      assert.equal(await client.applyIdentity(webId), undefined);
      assert.equal(await server.applyDataplane(serverConfig('PERMISSIVE')), undefined);
      assert.equal(await client.applyDataplane(dataplane({ mtls: 'PERMISSIVE', outbounds: [{ port: outPort, service: 'backend' }] })), undefined);
      plain.write('same listener');
      await waitFor(plain, 'same listener');
      plain.destroy();
      assert.equal((await tcpExchange(outPort, 'now meshed')).data.toString(), 'now meshed');
      assert.equal(server.snapshot().inbounds[0]?.stats?.mtls, 1);
    } finally {
      await Promise.all([server.stop(0), client.stop(0)]);
    }
  });

  it('drops a withdrawn identity only once mTLS is off, and then waits for a new one', async () => {
    const p = await meshPair();
    const serverConfig = (mtls: 'STRICT' | undefined): DataplaneConfig => dataplane({ mtls, inbounds: [{ port: p.inPort, servicePort: echo.port }] });
    try {
      assert.equal(await p.server.applyIdentity(undefined), undefined);
      assert.equal(p.server.snapshot().identity.state, 'withdrawn');
      assert.equal((await tcpExchange(p.outPort, 'kept')).data.toString(), 'kept', 'still mTLS on: the identity stays in use');
      await p.server.applyDataplane(serverConfig(undefined));
      assert.equal(p.server.snapshot().identity.state, 'none');
      await p.server.applyDataplane(serverConfig('STRICT'));
      assert.equal(p.server.snapshot().inbounds[0]?.state, 'waiting-for-identity');
      assert.equal(await refused(p.inPort), true);
      await p.server.applyIdentity(backendId);
      assert.equal((await tcpExchange(p.outPort, 'back')).data.toString(), 'back');
    } finally {
      await p.stop();
    }
  });

  it('permissions: deny before they arrive, allow, then deny live (closing an open connection), shadow deny logged', async () => {
    const [inPort, outPort] = [await freePort(), await freePort()];
    const serverLog: LogEntry[] = [];
    const server = new DataPath({ logger: recordingLogger(serverLog) });
    const client = new DataPath(quick);
    try {
      await server.applyIdentity(backendId);
      await server.applyDataplane(dataplane({ mtls: 'STRICT', inbounds: [{ port: inPort, servicePort: echo.port }] }));
      await client.applyIdentity(webId);
      client.applyEndpoints(endpoints({ backend: [inPort] }));
      await client.applyDataplane(dataplane({ mtls: 'STRICT', outbounds: [{ port: outPort, service: 'backend' }] }));
      assert.equal((await tcpExchange(outPort, 'x')).data.length, 0, 'no permissions yet: deny');
      assert.equal(server.snapshot().inbounds[0]?.permissions, 'no permissions from the control plane yet (deny)');

      assert.equal(server.applyPermissions(permissions(inPort, [rule('web')])), undefined);
      const open = await openEchoing(outPort);
      assert.equal(server.applyPermissions('{"mesh": "default", "inbounds": 3'), 'permissions_json is not valid JSON (' + jsonError('{"mesh": "default", "inbounds": 3') + '); the previous permissions stay in force');
      assert.match(server.applyPermissions('{"mesh":"default"}') ?? '', /^permissions_json is malformed: \$\.dataplane must be a string, got nothing/);
      open.write('still allowed');
      await waitFor(open, 'still allowed');

      assert.equal(server.applyPermissions(permissions(inPort, [rule('web', 'deny')])), undefined);
      assert.equal(await closedWithin(open, 1000), true, 'the newly denied open connection is closed at once');
      assert.equal((await tcpExchange(outPort, 'x')).data.length, 0);
      assert.ok(serverLog.some((e) => /open connection closed/.test(e.msg) && e.fields['rule'] === 'MeshTrafficPermission/deny-web'));

      assert.equal(server.applyPermissions(permissions(inPort, [rule('web', 'allowWithShadowDeny')])), undefined);
      assert.equal((await tcpExchange(outPort, 'shadow')).data.toString(), 'shadow');
      assert.ok(serverLog.some((e) => /shadow deny/.test(e.msg) && e.fields['rule'] === 'MeshTrafficPermission/allowWithShadowDeny-web' && e.fields['peer'] === 'spiffe://default/web'));

      // Fail closed: no entry for this inbound, or permissions still compiled for mTLS off.
      assert.equal(server.applyPermissions(permissions(inPort + 1, [rule('web')])), undefined);
      assert.equal((await tcpExchange(outPort, 'x')).data.length, 0);
      assert.equal(server.applyPermissions(permissions(inPort, [], false).replace('"source":"rules"', '"source":"mtls-disabled"').replace('"otherwise":"deny"', '"otherwise":"allow"')), undefined);
      assert.equal((await tcpExchange(outPort, 'x')).data.length, 0);
      assert.match(server.snapshot().inbounds[0]?.permissions ?? '', /compiled for mTLS off/);
      const stats = server.snapshot().inbounds[0]?.stats;
      assert.ok((stats?.denied ?? 0) >= 4 && stats?.shadowDenied === 1, JSON.stringify(stats));
    } finally {
      await Promise.all([server.stop(0), client.stop(0)]);
    }
  });

  it('an identity from a second CA (both roots trusted) keeps open connections and serves new ones; bad material is refused', async () => {
    const roots = [ca, caB];
    const p = await meshPair({ serverId: await workloadIdentity(ca, 'backend', { roots }), clientId: await workloadIdentity(ca, 'web', { roots }) });
    try {
      const open = await openEchoing(p.outPort, 'before');
      assert.equal(await p.client.applyIdentity(await workloadIdentity(caB, 'web', { roots })), undefined);
      assert.equal(await p.server.applyIdentity(await workloadIdentity(caB, 'backend', { roots })), undefined);
      assert.equal((await tcpExchange(p.outPort, 'after')).data.toString(), 'after');
      open.write('survived');
      await waitFor(open, 'survived');
      open.destroy();
      assert.equal(p.server.snapshot().identity.generation, 2);

      const bad = await p.server.applyIdentity({ ...backendId, privateKey: webId.privateKey });
      assert.match(bad ?? '', /^cannot use the mesh identity: .*; the current identity stays in force$/);
      assert.equal(p.server.snapshot().identity.generation, 2);
      assert.equal((await tcpExchange(p.outPort, 'still')).data.toString(), 'still');
    } finally {
      await p.stop();
    }
  });

  it('follows endpoint updates; a service with no endpoints fails fast', async () => {
    const p = await meshPair();
    try {
      assert.equal(p.client.applyEndpoints(endpoints({ other: [p.inPort] })), undefined);
      assert.equal(p.client.snapshot().outbounds[0]?.endpoints, 0);
      const r = await tcpExchange(p.outPort, 'x', { end: false });
      assert.equal(r.data.length, 0);
      assert.ok(r.ms < 500);
      assert.equal(p.client.applyEndpoints(endpoints({ backend: [await freePort()] })), undefined);
      assert.equal((await tcpExchange(p.outPort, 'x')).data.length, 0, 'a dead endpoint');
      assert.equal(p.client.applyEndpoints(endpoints({ backend: [p.inPort] })), undefined);
      assert.equal((await tcpExchange(p.outPort, 'found')).data.toString(), 'found');
    } finally {
      await p.stop();
    }
  });
});

describe('DataPath listener changes', () => {
  it('a busy port is a problem text while the other listeners work; retried on the next config', async () => {
    const busy = await occupy();
    const busyPort = portOf(busy);
    const freeIn = await freePort();
    const dp = new DataPath();
    const config = dataplane({ inbounds: [{ port: busyPort, servicePort: echo.port }, { port: freeIn, servicePort: echo.port }] });
    try {
      const problem = await dp.applyDataplane(config);
      assert.equal(problem, `inbound:127.0.0.1:${busyPort} cannot listen on 127.0.0.1:${busyPort}: the port is already in use; stop the other process or change the inbound port (networking.inbound[].port ${busyPort})`);
      assert.deepEqual(dp.snapshot().inbounds.map((i) => i.state), ['failed', 'running']);
      assert.equal((await tcpExchange(freeIn, 'works')).data.toString(), 'works');
      await new Promise((r) => busy.close(r));
      assert.equal(await dp.applyDataplane(config), undefined);
      assert.equal((await tcpExchange(busyPort, 'now too')).data.toString(), 'now too');
    } finally {
      if (busy.listening) busy.close();
      await dp.stop(0);
    }
  });

  it('a listener that could not start is retried on a timer and starts once its port is free', async () => {
    const busy = await occupy();
    const busyPort = portOf(busy);
    const dp = new DataPath({ listenerRetryMs: 50 });
    try {
      assert.notEqual(await dp.applyDataplane(dataplane({ inbounds: [{ port: busyPort, servicePort: echo.port }] })), undefined);
      assert.deepEqual(dp.snapshot().inbounds.map((i) => i.state), ['failed']);
      await new Promise((r) => busy.close(r));
      const deadline = Date.now() + 3000;
      while (dp.snapshot().inbounds[0]?.state !== 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(dp.snapshot().inbounds[0]?.state, 'running');
      assert.equal((await tcpExchange(busyPort, 'healed')).data.toString(), 'healed');
    } finally {
      if (busy.listening) busy.close();
      await dp.stop(0);
    }
  });

  it('keeps unchanged listeners, moves the application port in place, stops removed ones and starts new ones', async () => {
    const [inA, inB, out1, out2] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const dp = new DataPath(quick);
    try {
      dp.applyEndpoints(endpoints({ backend: [inA], second: [inA] }));
      await dp.applyDataplane(dataplane({ inbounds: [{ port: inA, servicePort: echo.port }, { port: inB, servicePort: echo.port }], outbounds: [{ port: out1, service: 'backend' }] }));
      const held = await openEchoing(out1);
      const acceptedBefore = echo2.accepted;
      const problem = await dp.applyDataplane(dataplane({ inbounds: [{ port: inA, servicePort: echo2.port }], outbounds: [{ port: out1, service: 'backend' }, { port: out2, service: 'second' }] }));
      assert.equal(problem, undefined);
      held.write('unchanged');
      await waitFor(held, 'unchanged');
      held.destroy();
      assert.equal((await tcpExchange(out2, 'new outbound')).data.toString(), 'new outbound');
      assert.equal(echo2.accepted, acceptedBefore + 1, 'the new application port applies to new connections');
      assert.equal(await refused(inB), true);
      assert.deepEqual(dp.snapshot().inbounds.map((i) => [i.port, i.servicePort]), [[inA, echo2.port]]);
    } finally {
      await dp.stop(0);
    }
  });

  it('stop(drainMs) lets open connections finish, then closes them; later configs are refused', async () => {
    const p = await meshPair();
    const conn = await openEchoing(p.outPort);
    const stopping = p.client.stop(300);
    conn.write('draining');
    await waitFor(conn, 'draining');
    await stopping;
    assert.equal(await closedWithin(conn, 500), true);
    assert.equal(await refused(p.outPort), true);
    assert.match((await p.client.applyDataplane(dataplane({}))) ?? '', /data path is stopped/);
    await p.server.stop(0);
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}
