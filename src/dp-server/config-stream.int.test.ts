import assert from 'node:assert/strict';
import { connect as http2Connect } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { ResourceKind } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { createDataplaneTokenIssuer } from '../tokens/index.js';
import { Code, dataplaneTemplate, secretData, startFixture, type Fixture } from './testing/dp-fixture.js';
import { curlStreamCall } from './testing/curl-grpc.js';
import { dataplaneOf } from './testing/payload.js';

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jtiOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { jti: string }).jti;

type Sub = Record<string, any>;

describe('config stream', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());

  const getDp = (name: string, mesh = 'default') => fx.resources.get({ type: 'Dataplane', mesh, name }).catch(() => undefined);
  const getInsight = (name: string, mesh = 'default') => fx.resources.get({ type: 'DataplaneInsight', mesh, name }).catch(() => undefined);
  const subsOf = async (name: string, mesh = 'default'): Promise<Sub[]> => ((await getInsight(name, mesh))?.spec['subscriptions'] as Sub[] | undefined) ?? [];

  /** Opens a stream for `name` from its template and waits for the first response. */
  async function connected(name: string, token: string, opts: { mesh?: string; service?: string; template?: boolean } = {}) {
    const mesh = opts.mesh ?? 'default';
    const s = fx.openStream({ authorization: token });
    s.hello(`${mesh}.${name}`, opts.template === false ? undefined : dataplaneTemplate(mesh, name, opts.service ?? 'web'));
    const first = await s.next();
    s.ack(first);
    return { s, first };
  }

  it('registers the template, sends the Dataplane, counts ACK and NACK in the insight, deregisters after the delay', async () => {
    const token = await fx.issue({ mesh: 'default', name: 'web-1' });
    const s = fx.openStream({ authorization: token });
    s.hello('default.web-1', dataplaneTemplate('default', 'web-1'));
    const r1 = await s.next();
    assert.equal(r1.kind, ResourceKind.DATAPLANE);
    assert.equal(r1.nonce, '1');
    assert.match(r1.versionInfo, /^[0-9a-f]{16}$/);
    assert.equal(r1.payload.case, 'dataplane');
    const cfg = r1.payload.value;
    assert.ok(cfg);
    assert.equal(cfg.mesh?.name, 'default');
    assert.equal(cfg.mesh?.mtlsEnabled, false);
    assert.equal(cfg.desired?.address, '10.0.0.5');
    assert.equal(cfg.desired?.inbounds[0]?.port, 15001);
    assert.equal(cfg.desired?.inbounds[0]?.servicePort, 8080);
    assert.deepEqual(cfg.desired?.inbounds[0]?.tags, { 'kuma.io/protocol': 'http', 'kuma.io/service': 'web' });
    const dpJson = JSON.parse(cfg.dataplaneJson) as Record<string, unknown>;
    assert.equal(dpJson['type'], 'Dataplane');
    assert.equal(dpJson['name'], 'web-1');
    assert.ok(await getDp('web-1'), 'registered in the store');
    s.ack(r1);

    // A change of the Dataplane is pushed unasked, with a new version and nonce.
    const stored = (await getDp('web-1'))!;
    const networking = stored.spec['networking'] as Record<string, unknown>;
    await fx.resources.update({ ...stored, spec: { ...stored.spec, networking: { ...networking, address: '10.0.0.6' } } });
    const r2 = await s.next();
    assert.equal(r2.nonce, '2');
    assert.notEqual(r2.versionInfo, r1.versionInfo);
    assert.equal(dataplaneOf(r2)?.desired?.address, '10.0.0.6');
    s.send({ kind: ResourceKind.DATAPLANE, versionInfo: r1.versionInfo, responseNonce: r2.nonce, errorDetail: { code: 3, message: 'port 15001 is already in use' } });

    const sub = await eventually(async () => {
      const first = (await subsOf('web-1'))[0];
      return first?.['status']?.['total']?.['responsesRejected'] === '1' ? first : undefined;
    });
    assert.equal(sub['controlPlaneInstanceId'], 'cp-test-1');
    assert.match(sub['id'], /^[0-9a-f-]{36}$/);
    assert.match(sub['connectTime'], /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.equal(sub['disconnectTime'], undefined);
    assert.deepEqual(sub['status']['total'], { responsesSent: '2', responsesAcknowledged: '1', responsesRejected: '1' });
    assert.deepEqual(sub['status']['lds'], { responsesSent: '2', responsesAcknowledged: '1', responsesRejected: '1' });
    assert.deepEqual(sub['status']['cds'], {});
    assert.deepEqual(sub['version'], { kumaDp: { version: '0.1.0-test', gitTag: 'v0.1.0' } });
    assert.ok(fx.logs.some((l) => l.msg === 'proxy rejected the config (NACK)' && l.fields['reason'] === 'port 15001 is already in use'));

    s.end();
    assert.equal(await s.done, undefined);
    const last = await eventually(async () => (await subsOf('web-1'))[0]?.['disconnectTime']);
    assert.match(last, /Z$/);
    // Deregistered after the (shortened) delay; the insight goes with it (owned by the Dataplane).
    await eventually(async () => ((await getDp('web-1')) === undefined ? true : undefined));
    assert.equal(await getInsight('web-1'), undefined);
  });

  it('pushes Mesh changes (mTLS enabled) to the streams of that mesh', async () => {
    const token = await fx.issue({ mesh: 'default', name: 'mtls-1' });
    const { s, first } = await connected('mtls-1', token);
    assert.equal(dataplaneOf(first)?.mesh?.mtlsEnabled, false);
    const mesh = await fx.resources.get({ type: 'Mesh', mesh: '', name: 'default' });
    await fx.resources.update({ ...mesh, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } });
    try {
      const r = await s.next();
      assert.equal(dataplaneOf(r)?.mesh?.mtlsEnabled, true);
      assert.equal(dataplaneOf(r)?.mesh?.mtlsBackend, 'ca-1');
    } finally {
      const m = await fx.resources.get({ type: 'Mesh', mesh: '', name: 'default' });
      await fx.resources.update({ ...m, spec: {} });
      s.end();
    }
  });

  describe('token matrix (authentication happens on the first request)', () => {
    const refused = async (headers: Record<string, string>, name: string, template = true) => {
      const s = fx.openStream(headers);
      s.hello(`default.${name}`, template ? dataplaneTemplate('default', name) : undefined);
      const err = await s.error();
      assert.equal(await getDp(name), undefined, 'nothing registered');
      return err;
    };

    it('missing, empty and non-JWT tokens: UNAUTHENTICATED with the parse error', async () => {
      for (const headers of [{}, { authorization: '' }, { authorization: 'not-a-jwt' }]) {
        const err = await refused(headers, 'anon');
        assert.equal(err.code, Code.Unauthenticated);
        assert.match(err.rawMessage, /^authentication failed: could not parse token\. kuma-cp runs with an in-memory database/);
      }
    });

    it('expired, revoked and another mesh\'s tokens: UNAUTHENTICATED', async () => {
      const past = createDataplaneTokenIssuer(fx.resources, { now: () => Date.now() - 7_200_000 });
      const expired = await past.issue({ mesh: 'default', name: 'exp', tags: {}, type: '', workload: '' }, 3_600_000);
      let err = await refused({ authorization: expired }, 'exp');
      assert.equal(err.code, Code.Unauthenticated);
      assert.match(err.rawMessage, /^authentication failed: could not parse token.*token is expired/);

      const otherMesh = await fx.issue({ mesh: 'other', name: 'x' });
      err = await refused({ authorization: otherMesh }, 'x');
      assert.equal(err.code, Code.Unauthenticated);
      assert.match(err.rawMessage, /^authentication failed: could not parse token.*signature/);

      const revoked = await fx.issue({ mesh: 'default', name: 'rev' });
      await fx.resources.create({ type: 'Secret', meta: { mesh: 'default', name: 'dataplane-token-revocations-default' }, spec: { data: secretData(Buffer.from(`${jtiOf(revoked)}\n`)) } });
      try {
        err = await refused({ authorization: revoked }, 'rev');
        assert.equal(err.code, Code.Unauthenticated);
        assert.equal(err.rawMessage, 'authentication failed: token is revoked');
      } finally {
        await fx.resources.delete({ type: 'Secret', mesh: 'default', name: 'dataplane-token-revocations-default' });
      }
    });

    it('a token bound to another name or other tags: PERMISSION_DENIED with Kuma\'s text', async () => {
      let err = await refused({ authorization: await fx.issue({ mesh: 'default', name: 'web-2' }) }, 'web-9');
      assert.equal(err.code, Code.PermissionDenied);
      assert.equal(err.rawMessage, 'authentication failed: proxy name from requestor: web-9 is different than in token: web-2');
      err = await refused({ authorization: await fx.issue({ mesh: 'default', tags: { 'kuma.io/service': ['backend'] } }) }, 'web-8');
      assert.equal(err.code, Code.PermissionDenied);
      assert.equal(
        err.rawMessage,
        'authentication failed: dataplane contains tag "kuma.io/service" with value "web" which is not allowed with this token. Allowed values in token are ["backend"]',
      );
    });

    it('two authorization headers: Kuma\'s text', async () => {
      const token = await fx.issue({ mesh: 'default', name: 'two' });
      const out = await curlStreamCall(fx.dir, fx.port, fx.cert.certFile, [`authorization: ${token}`, `authorization: ${token}`], [
        { nodeId: 'default.two', kind: ResourceKind.DATAPLANE, node: { dataplaneJson: JSON.stringify(dataplaneTemplate('default', 'two')) } },
      ]);
      assert.equal(out.grpcStatus, String(Code.Unauthenticated));
      assert.equal(out.grpcMessage, 'could not extract credential from DiscoveryRequest: request must have exactly 1 "authorization" header, got 2');
      assert.equal(await getDp('two'), undefined);
    });

    it('a multi-line token cannot even be sent as gRPC metadata (HTTP/2 forbids line breaks in headers)', async () => {
      const token = await fx.issue({ mesh: 'default', name: 'ml' });
      const err = await refused({ authorization: `${token}\n${token}` }, 'ml');
      assert.ok(err.rawMessage.length > 0);
    });
  });

  describe('first request rules', () => {
    it('the node id cannot change within a stream (Kuma\'s text)', async () => {
      const token = await fx.issue({ mesh: 'default', name: 'web-01' });
      const { s } = await connected('web-01', token);
      s.send({ nodeId: 'default.web-02', kind: ResourceKind.DATAPLANE });
      const err = await s.error();
      assert.equal(err.code, Code.InvalidArgument);
      assert.equal(err.rawMessage, 'stream was authenticated for ID default.web-01. Received request is for node with ID default.web-02. Node ID cannot be changed after stream is initialized');
    });

    it('unknown Dataplane without a template, bad node ids, mismatching template, other proxy types', async () => {
      const token = await fx.issue({ mesh: 'default' });
      type Case = [Parameters<Fixture['openStream']>[0], (s: ReturnType<Fixture['openStream']>) => void, Code, string];
      const cases: Case[] = [
        [{ authorization: token }, (s) => s.hello('default.ghost'), Code.NotFound, 'resource "default.ghost" not found; create a Dataplane in Kuma CP first or pass it as an argument to kuma-dp'],
        [{ authorization: token }, (s) => s.hello('nodot'), Code.InvalidArgument, 'request must have a valid Proxy ID: the name should be provided after the dot'],
        [{ authorization: token }, (s) => s.hello(''), Code.InvalidArgument, 'request must have a valid Proxy ID: Envoy ID must not be nil'],
        [{ authorization: token }, (s) => s.hello('default.a', dataplaneTemplate('default', 'b')), Code.InvalidArgument, 'proxyId default.a does not match proxy resource mesh "default" name "b"'],
        ...(['ingress', 'egress'] as const).map((t): Case => [
          { authorization: token },
          (s) => s.send({ nodeId: 'default.gw', kind: ResourceKind.DATAPLANE, node: { proxyType: t } }),
          Code.InvalidArgument,
          `unsupported proxy type "${t}", only "dataplane" is supported`,
        ]),
        // Kuma's lifecycle case: a legacy zone proxy (ZoneIngress/ZoneEgress definition, empty mesh in the node id) is refused, not registered.
        ...(
          [
            ['ingress', '{"type": "ZoneIngress", "name": "proxy-01", "networking": {"address": "127.0.0.1", "port": 10001, "advertisedAddress": "192.168.0.1", "advertisedPort": 10001}}'],
            ['egress', '{"type": "ZoneEgress", "name": "proxy-01", "networking": {"address": "127.0.0.1", "port": 10002}}'],
          ] as const
        ).map(([t, json]): Case => [
          { authorization: token },
          (s) => s.send({ nodeId: '.proxy-01', kind: ResourceKind.DATAPLANE, node: { proxyType: t, dataplaneJson: json } }),
          Code.InvalidArgument,
          `unsupported proxy type "${t}", only "dataplane" is supported`,
        ]),
      ];
      for (const [headers, first, code, text] of cases) {
        const s = fx.openStream(headers);
        first(s);
        const err = await s.error();
        assert.equal(err.rawMessage, text);
        assert.equal(err.code, code, text);
      }
      const bad = fx.openStream({ authorization: token });
      bad.hello('default.bad', dataplaneTemplate('default', 'bad', 'web', { networking: { address: '' } }));
      const err = await bad.error();
      assert.equal(err.code, Code.InvalidArgument);
      assert.match(err.rawMessage, /^invalid Dataplane in the node metadata: networking\.address: address can't be empty/);
    });

    it('after the first request, requests may omit the node id (authenticated once per stream)', async () => {
      const token = await fx.issue({ mesh: 'default', name: 'no-node' });
      const { s, first } = await connected('no-node', token);
      // A fresh subscription without node id: answered (forced), the stream stays up.
      s.send({ kind: ResourceKind.DATAPLANE });
      const again = await s.next();
      assert.equal(again.nonce, String(Number(first.nonce) + 1));
      assert.equal(again.versionInfo, first.versionInfo);
      s.ack(again);
      s.end();
      assert.equal(await s.done, undefined);
    });

    it('a template for a mesh that does not exist: NOT_FOUND', async () => {
      const none = await startFixture({ configure: (c) => (c.dpServer.authn.dpProxy.type = 'none') });
      try {
        const t = none.openStream({});
        t.hello('nomesh.web', dataplaneTemplate('nomesh', 'web'));
        const err = await t.error();
        assert.equal(err.code, Code.NotFound);
        assert.equal(err.rawMessage, 'could not register proxy passed in kuma-dp run: mesh of name nomesh is not found');
      } finally {
        await none.close();
      }
    });
  });

  describe('live streams are re-checked when what they depend on changes (closed within 5 s)', () => {
    it('revoking the token (mesh Secret or GlobalSecret) closes the stream', async () => {
      for (const type of ['Secret', 'GlobalSecret'] as const) {
        const name = `live-${type.toLowerCase()}`;
        const token = await fx.issue({ mesh: 'default', name });
        const { s } = await connected(name, token);
        const key = { type, mesh: type === 'Secret' ? 'default' : '', name: 'dataplane-token-revocations-default' };
        await fx.resources.create({ type, meta: { mesh: key.mesh, name: key.name }, spec: { data: secretData(Buffer.from(`other-id,${jtiOf(token)}`)) } });
        try {
          const err = await s.error(5000);
          assert.equal(err.code, Code.Unauthenticated);
          assert.equal(err.rawMessage, 'dataplane token revoked: authentication failed: token is revoked');
        } finally {
          await fx.resources.delete(key);
        }
      }
    });

    it('a token expiring while its stream is live closes the stream', async () => {
      const token = await fx.issue({ mesh: 'default', name: 'short-lived' }, 2000);
      const { s } = await connected('short-lived', token);
      const started = Date.now();
      const err = await s.error(5000);
      assert.equal(err.code, Code.Unauthenticated);
      assert.match(err.rawMessage, /expired/);
      assert.ok(Date.now() - started < 4000);
    });

    it('deleting the signing key closes the stream', async () => {
      await fx.resources.create({ type: 'Mesh', meta: { mesh: '', name: 'keys' }, spec: {} });
      const token = await fx.issue({ mesh: 'keys', name: 'k-1' });
      const { s } = await connected('k-1', token, { mesh: 'keys' });
      await fx.resources.delete({ type: 'Secret', mesh: 'keys', name: 'dataplane-token-signing-key-keys-1' });
      const err = await s.error(5000);
      assert.equal(err.code, Code.Unauthenticated);
      assert.equal(
        err.rawMessage,
        'signing key deleted: authentication failed: there is no signing key with KID 1. Secret of name "dataplane-token-signing-key-keys-1" in mesh "keys" is not found. If signing key was rotated, regenerate the token',
      );
    });

    it('deleting the Dataplane closes the stream; changing it so the token no longer fits too', async () => {
      const { s } = await connected('gone', await fx.issue({ mesh: 'default', name: 'gone' }));
      await fx.resources.delete({ type: 'Dataplane', mesh: 'default', name: 'gone' });
      let err = await s.error(5000);
      assert.equal(err.code, Code.NotFound);
      assert.equal(err.rawMessage, 'dataplane deleted: the Dataplane "default.gone" was removed from the control plane while its proxy was connected');

      const t = await connected('moved', await fx.issue({ mesh: 'default', tags: { 'kuma.io/service': ['web'] } }));
      const dp = (await getDp('moved'))!;
      await fx.resources.update({ ...dp, spec: dataplaneTemplate('default', 'moved', 'payments')['networking'] ? { networking: dataplaneTemplate('default', 'moved', 'payments')['networking'] as any } : {} });
      err = await t.s.error(5000);
      assert.equal(err.code, Code.PermissionDenied);
      assert.equal(
        err.rawMessage,
        'dataplane changed: authentication failed: dataplane contains tag "kuma.io/service" with value "payments" which is not allowed with this token. Allowed values in token are ["web"]',
      );
    });
  });

  it('a stream that never sends its first request is closed (DEADLINE_EXCEEDED)', async () => {
    const k = await startFixture({ options: { firstRequestTimeoutMs: 100 } });
    try {
      const s = k.openStream({});
      const err = await s.error(3000);
      assert.equal(err.code, Code.DeadlineExceeded);
      assert.equal(err.rawMessage, 'no first request within 100 ms; send the node id and a subscription right after opening the stream');
    } finally {
      await k.close();
    }
  });

  it('sends HTTP/2 keepalive PINGs', async () => {
    const k = await startFixture({ options: { keepaliveIntervalMs: 50, keepaliveTimeoutMs: 1000 } });
    try {
      const session = http2Connect(`https://localhost:${k.port}`, { ca: k.cert.certPem });
      const pinged = await new Promise<boolean>((resolve) => {
        session.once('ping', () => resolve(true));
        setTimeout(() => resolve(false), 2000).unref();
      });
      session.close();
      assert.equal(pinged, true);
    } finally {
      await k.close();
    }
  });
});

describe('config stream: shutdown and authentication off', () => {
  it('stopping the control plane ends streams with UNAVAILABLE and keeps registered Dataplanes', async () => {
    const fx = await startFixture();
    const token = await fx.issue({ mesh: 'default', name: 'stay' });
    const s = fx.openStream({ authorization: token });
    s.hello('default.stay', dataplaneTemplate('default', 'stay'));
    await s.next();
    const resources = fx.resources;
    await fx.server.stop();
    const err = await s.error();
    await fx.close();
    assert.equal(err.code, Code.Unavailable);
    await sleep(500);
    assert.ok(await resources.get({ type: 'Dataplane', mesh: 'default', name: 'stay' }));
  });

  it('dpServer.authn.dpProxy.type=none accepts a proxy without a token', async () => {
    const fx = await startFixture({ configure: (c) => (c.dpServer.authn.dpProxy.type = 'none') });
    try {
      const s = fx.openStream({});
      s.hello('default.free', dataplaneTemplate('default', 'free'));
      const r = await s.next();
      assert.equal(r.kind, ResourceKind.DATAPLANE);
      s.end();
    } finally {
      await fx.close();
    }
  });

  it('serviceAccountToken is refused with a clear error', async () => {
    await assert.rejects(
      startFixture({ configure: (c) => (c.dpServer.authn.dpProxy.type = 'serviceAccountToken') }),
      /dpServer\.authn\.dpProxy\.type="serviceAccountToken" cannot be used: kuma-ts runs the universal control plane/,
    );
  });
});
