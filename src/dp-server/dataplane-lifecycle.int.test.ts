/**
 * Registration and deregistration of Dataplanes brought by kuma-dp (Kuma's dataplane_lifecycle_test
 * ported, through real config streams): created on the first request with its labels, deleted when
 * the stream closes unless the proxy came back, moved to another instance, or the Dataplane was
 * pre-created; no takeover of a Dataplane the token does not authenticate for; concurrent
 * registrations. One stream per Dataplane (the newest wins).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResourceKind } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { Code, dataplaneTemplate, startFixture, type Fixture } from './testing/dp-fixture.js';

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

type Sub = Record<string, any>;

describe('config stream: Dataplane lifecycle', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());

  const getDp = (name: string, mesh = 'default') => fx.resources.get({ type: 'Dataplane', mesh, name }).catch(() => undefined);
  const getInsight = (name: string, mesh = 'default') => fx.resources.get({ type: 'DataplaneInsight', mesh, name }).catch(() => undefined);
  const subsOf = async (name: string, mesh = 'default'): Promise<Sub[]> => ((await getInsight(name, mesh))?.spec['subscriptions'] as Sub[] | undefined) ?? [];
  const applyDp = (name: string, service: string, mesh = 'default') => {
    const t = dataplaneTemplate(mesh, name, service);
    return fx.resources.create({ type: 'Dataplane', meta: { mesh, name }, spec: { networking: t['networking'] as any } });
  };

  /** Opens a stream for `name` from its template and waits for the first response. */
  async function connected(name: string, token: string, opts: { mesh?: string; service?: string; template?: boolean } = {}) {
    const mesh = opts.mesh ?? 'default';
    const s = fx.openStream({ authorization: token });
    s.hello(`${mesh}.${name}`, opts.template === false ? undefined : dataplaneTemplate(mesh, name, opts.service ?? 'web'));
    const first = await s.next();
    s.ack(first);
    return { s, first };
  }

  describe('one stream per Dataplane, registration and takeover', () => {
    it('a second stream for the same Dataplane replaces the first (ABORTED), and the Dataplane stays', async () => {
      const token = await fx.issue({ mesh: 'default', name: 'dup' });
      const a = await connected('dup', token);
      const b = await connected('dup', token);
      const err = await a.s.error();
      assert.equal(err.code, Code.Aborted);
      assert.match(err.rawMessage, /newer config stream of this Dataplane .* replaced this one/);
      assert.equal(fx.server.streams >= 1, true);
      const subs = await eventually(async () => {
        const list = await subsOf('dup');
        return list.length === 2 && list[0]?.['disconnectTime'] !== undefined && list[1]?.['disconnectTime'] === undefined ? list : undefined;
      });
      assert.notEqual(subs[0]?.['id'], subs[1]?.['id']);
      await sleep(500); // longer than the deregistration delay
      assert.ok(await getDp('dup'), 'the replacing stream keeps the Dataplane registered');
      b.s.end();
      await eventually(async () => ((await getDp('dup')) === undefined ? true : undefined));
    });

    it('registers the template with its labels (Kuma\'s JSON, trailing commas and all) and deletes it when the stream closes', async () => {
      const kumaTemplate = `
        {
          "type": "Dataplane",
          "mesh": "default",
          "name": "backend-01",
          "labels": {
            "app": "backend",
          },
          "networking": {
            "address": "127.0.0.1",
            "inbound": [
              {
                "port": 22022,
                "servicePort": 8443,
                "tags": {
                  "kuma.io/service": "backend"
                }
              },
            ]
          }
        }
      `;
      const s = fx.openStream({ authorization: await fx.issue({ mesh: 'default', name: 'backend-01' }) });
      s.send({ nodeId: 'default.backend-01', kind: ResourceKind.DATAPLANE, node: { proxyType: 'dataplane', dataplaneJson: kumaTemplate } });
      s.ack(await s.next());
      const dp = await getDp('backend-01');
      assert.deepEqual(dp?.meta.labels, { app: 'backend' });
      s.end();
      await s.done;
      await eventually(async () => ((await getDp('backend-01')) === undefined ? true : undefined));
    });

    it('ten proxies registering at once: each is created, and deleted after its stream closes', async () => {
      const names = Array.from({ length: 10 }, (_, i) => `backend-c${i}`);
      const tokens = await Promise.all(names.map((name) => fx.issue({ mesh: 'default', name })));
      const streams = await Promise.all(
        names.map(async (name, i) => {
          const t = dataplaneTemplate('default', name, 'backend');
          t['networking'] = { address: `127.0.0.${i + 1}`, inbound: [{ port: 22022, servicePort: 8443, tags: { 'kuma.io/service': 'backend' } }] };
          const s = fx.openStream({ authorization: tokens[i] as string });
          s.hello(`default.${name}`, t);
          s.ack(await s.next());
          return s;
        }),
      );
      for (const name of names) assert.ok(await getDp(name), `${name} registered`);
      for (const s of streams) s.end();
      await Promise.all(streams.map((s) => s.done));
      await eventually(async () => ((await Promise.all(names.map((n) => getDp(n)))).every((d) => d === undefined) ? true : undefined));
      assert.equal(fx.server.pendingDeregistrations, 0);
    });

    it('a proxy that reconnects within the delay keeps its Dataplane; a pre-created Dataplane is never deleted', async () => {
      const token = await fx.issue({ mesh: 'default', name: 'back' });
      const a = await connected('back', token);
      a.s.end();
      await a.s.done;
      const b = await connected('back', token);
      await sleep(500);
      assert.ok(await getDp('back'));
      b.s.end();
      await b.s.done;

      await applyDp('applied', 'web');
      const c = await connected('applied', await fx.issue({ mesh: 'default', name: 'applied' }), { template: false });
      c.s.end();
      await c.s.done;
      await sleep(500);
      assert.ok(await getDp('applied'), 'kumactl-applied Dataplanes are not deregistered');
      assert.equal(fx.server.pendingDeregistrations, 0);
    });

    it('no deregistration when the proxy moved to another control plane instance (newest subscription is not ours)', async () => {
      const { s } = await connected('mover', await fx.issue({ mesh: 'default', name: 'mover' }));
      s.end();
      await s.done;
      const insight = await eventually(async () => {
        const i = await getInsight('mover');
        return (i?.spec['subscriptions'] as Sub[] | undefined)?.[0]?.['disconnectTime'] !== undefined ? i : undefined;
      });
      const subs = insight.spec['subscriptions'] as Sub[];
      await fx.resources.update({ ...insight, spec: { subscriptions: [...subs, { id: 'elsewhere', controlPlaneInstanceId: 'cp-test-2', connectTime: '2026-01-01T00:00:00Z', status: {} }] } });
      await sleep(600);
      assert.ok(await getDp('mover'), 'kept: another instance serves it now');
    });

    it('a token that does not authenticate for the stored Dataplane cannot take it over (Kuma\'s text)', async () => {
      const before = await applyDp('db-1', 'db');
      const token = await fx.issue({ mesh: 'default', tags: { 'kuma.io/service': ['web'] } });
      const s = fx.openStream({ authorization: token });
      s.hello('default.db-1', dataplaneTemplate('default', 'db-1', 'web'));
      const err = await s.error();
      assert.equal(err.code, Code.PermissionDenied);
      assert.equal(
        err.rawMessage,
        'could not register proxy passed in kuma-dp run: you are trying to override existing proxy to which you don\'t have an access.: dataplane contains tag "kuma.io/service" with value "db" which is not allowed with this token. Allowed values in token are ["web"]',
      );
      const after_ = await getDp('db-1');
      assert.equal(after_?.meta.version, before.meta.version, 'the stored Dataplane is untouched');
    });
  });
});
