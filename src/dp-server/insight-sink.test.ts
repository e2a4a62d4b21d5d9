/**
 * Kuma's dataplane_status_sink_test.go ported: the first flush creates the DataplaneInsight with the
 * subscription's initial state, a change is written within the flush interval, a quiet interval
 * writes nothing; plus what the sink adds (changes coalesced into one write, older subscriptions
 * closed and trimmed to the limit). Kuma's mTLS block (identity certificate events) and OTel status
 * have no counterpart yet: this control plane issues no proxy identity certificates.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { silentLogger } from '../core/log.js';
import type { JsonObject } from '../core/resources/index.js';
import { ResourceKind } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { ResourceManager } from '../managers/index.js';
import { MemoryResourceStore } from '../store/memory/memory-store.js';
import { StrictResourceStore } from '../store/strict-store.js';
import { DataplaneInsightSink, withMtls } from './insight-sink.js';
import { InsightSubscription } from './insight-subscription.js';

const FLUSH_MS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = { mesh: 'default', name: 'example-001' };

describe('DataplaneInsight sink (Kuma dataplane_status_sink_test)', () => {
  let resources: ResourceManager;
  let sink: DataplaneInsightSink;
  const t0 = Date.parse('2019-07-01T00:00:00Z');
  const fixedClock = () => new Date(t0);

  beforeEach(async () => {
    const store = new StrictResourceStore(new MemoryResourceStore());
    await store.create({ type: 'Mesh', meta: { mesh: '', name: 'default' }, spec: {} });
    await store.create({ type: 'Dataplane', meta: { ...id }, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 1, servicePort: 2, tags: { 'kuma.io/service': 'web' } }] } } }, { owner: { type: 'Mesh', mesh: '', name: 'default' } });
    resources = new ResourceManager(store);
    sink = new DataplaneInsightSink(resources, { flushIntervalMs: FLUSH_MS, subscriptionLimit: 2, logger: silentLogger, now: fixedClock });
  });

  const insight = () => resources.get({ type: 'DataplaneInsight', ...id });
  const subscriptions = async () => (await insight()).spec['subscriptions'] as JsonObject[];

  it('creates the insight on the first flush, writes a change within the interval, and nothing when nothing changed', async () => {
    const sub = new InsightSubscription('control-plane-01', fixedClock);
    const tracker = sink.track(id, sub);
    await tracker.flushNow();
    const created = await insight();
    assert.deepEqual(created.spec['subscriptions'], [
      {
        id: sub.id,
        controlPlaneInstanceId: 'control-plane-01',
        connectTime: '2019-07-01T00:00:00Z',
        status: { lastUpdateTime: '2019-07-01T00:00:00Z', total: {}, cds: {}, eds: {}, lds: {}, rds: {} },
      },
    ]);

    // A response is sent: written after the flush interval, not before.
    sub.responseSent(ResourceKind.DATAPLANE);
    tracker.changed();
    tracker.changed();
    assert.equal((await insight()).meta.version, created.meta.version, 'not written at once');
    await sleep(FLUSH_MS * 3);
    const updated = await insight();
    assert.equal(Number(updated.meta.version), Number(created.meta.version) + 1, 'several changes in one interval: one write');
    const status = (updated.spec['subscriptions'] as JsonObject[])[0]?.['status'] as JsonObject;
    assert.deepEqual(status['lds'], { responsesSent: '1' });
    assert.deepEqual(status['total'], { responsesSent: '1' });

    // A quiet interval: no write.
    await sleep(FLUSH_MS * 3);
    assert.equal((await insight()).meta.version, updated.meta.version);

    // Close: the disconnect time is written at once.
    await tracker.close();
    assert.equal((await subscriptions())[0]?.['disconnectTime'], '2019-07-01T00:00:00Z');
    tracker.changed();
    await sleep(FLUSH_MS * 2);
    assert.equal((await subscriptions()).length, 1, 'a closed tracker writes nothing more');
  });

  it('a new subscription closes the older open one and the list keeps the newest `subscriptionLimit`', async () => {
    const subs = [0, 1, 2].map(() => new InsightSubscription('control-plane-01', fixedClock));
    for (const s of subs) await sink.track(id, s).flushNow();
    const stored = await subscriptions();
    assert.deepEqual(
      stored.map((s) => s['id']),
      subs.slice(1).map((s) => s.id),
    );
    assert.equal(stored[0]?.['disconnectTime'], '2019-07-01T00:00:00Z', 'the older one is marked disconnected');
    assert.equal(stored[1]?.['disconnectTime'], undefined);
  });

  it('writes nothing once the Dataplane is gone (the insight is owned by it)', async () => {
    await resources.delete({ type: 'Dataplane', ...id });
    await sink.track(id, new InsightSubscription('control-plane-01', fixedClock)).flushNow();
    await assert.rejects(insight(), { code: 'ERR_RESOURCE_NOT_FOUND' });
  });
});

describe('DataplaneInsight mTLS block (withMtls)', () => {
  const cert = (at: string, backend = 'ca-1'): JsonObject => ({
    certificateExpirationTime: '2026-11-29T10:00:00Z',
    lastCertificateRegeneration: at,
    issuedBackend: backend,
    supportedBackends: [backend],
  });

  it('counts every new certificate, keeps the block for a re-write of the same one, removes it when mTLS is off', () => {
    const spec: JsonObject = {};
    withMtls(spec, undefined, cert('2026-11-28T10:00:00.1Z'));
    assert.equal((spec['mTLS'] as JsonObject)['certificateRegenerations'], 1);
    const first = spec['mTLS'];
    withMtls(spec, first, cert('2026-11-28T10:00:00.1Z'));
    assert.equal((spec['mTLS'] as JsonObject)['certificateRegenerations'], 1, 'same certificate, no count');
    withMtls(spec, spec['mTLS'], cert('2026-11-28T10:00:00.2Z', 'ca-2'));
    assert.deepEqual(spec['mTLS'], { ...cert('2026-11-28T10:00:00.2Z', 'ca-2'), certificateRegenerations: 2 });
    withMtls(spec, spec['mTLS'], undefined);
    assert.ok(spec['mTLS'] !== undefined, 'unknown: left alone');
    withMtls(spec, spec['mTLS'], null);
    assert.equal(spec['mTLS'], undefined);
  });
});
