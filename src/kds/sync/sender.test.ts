import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { AsyncQueue } from '../../core/async-queue.js';
import { recordingLogger, silentLogger, type Logger } from '../../core/log.js';
import type { JsonObject } from '../../core/resources/json.js';
import type { Resource, ResourceKey } from '../../core/resources/resource.js';
import { DeltaDiscoveryRequestSchema, StatusSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from '../../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceChangedEvent } from '../../store/resource-store.js';
import { formatNackDetail } from './nack.js';
import { runKdsSender, type KdsSenderOptions, type KdsSource } from './sender.js';
import { sleep, waitFor } from './testing/harness.js';
import { toKumaResource } from './wire.js';

/** A store stand-in whose change events the test controls. */
class FakeSource implements KdsSource {
  private readonly byType = new Map<string, Map<string, Resource>>();
  private readonly listeners = new Set<(e: ResourceChangedEvent) => void>();
  get?: (key: ResourceKey) => Promise<Resource>;

  /** `withGet`: the sender reads each changed resource; without it, it lists the type on every change. */
  constructor(withGet: boolean) {
    if (withGet) {
      this.get = async (key) => {
        const r = this.byType.get(key.type)?.get(key.name);
        if (r === undefined) throw Object.assign(new Error('not found'), { code: 'ERR_RESOURCE_NOT_FOUND' });
        return r;
      };
    }
  }

  put(type: string, name: string, spec: JsonObject, opts: { silent?: boolean } = {}): void {
    const t = this.byType.get(type) ?? new Map<string, Resource>();
    this.byType.set(type, t);
    const now = new Date();
    t.set(name, { type, meta: { name, mesh: '', version: '1', creationTime: now, modificationTime: now, labels: {} }, spec });
    if (!opts.silent) this.emit({ op: 'update', type, mesh: '', name });
  }

  remove(type: string, name: string, opts: { silent?: boolean } = {}): void {
    this.byType.get(type)?.delete(name);
    if (!opts.silent) this.emit({ op: 'delete', type, mesh: '', name });
  }

  emit(e: ResourceChangedEvent): void {
    for (const l of this.listeners) l(e);
  }

  async list(type: string): Promise<{ items: Resource[] }> {
    return { items: [...(this.byType.get(type)?.values() ?? [])] };
  }

  watch(l: (e: ResourceChangedEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

function harness(source: FakeSource, over: Partial<KdsSenderOptions> = {}, log: Logger = silentLogger) {
  const requests = new AsyncQueue<DeltaDiscoveryRequest>();
  const responses: DeltaDiscoveryResponse[] = [];
  const ac = new AbortController();
  const opts: KdsSenderOptions = {
    source,
    types: ['Mesh', 'GlobalSecret'],
    toWire: (r) => toKumaResource({ name: r.meta.name, mesh: r.meta.mesh, labels: r.meta.labels, spec: r.spec }),
    debounceMs: 20,
    nackBackoffMs: 50,
    log,
    ...over,
  };
  const done = runKdsSender(opts, requests, (r) => void responses.push(r), ac.signal);
  return {
    responses,
    done,
    subscribe: (type: string) => requests.push(create(DeltaDiscoveryRequestSchema, { typeUrl: type, resourceNamesSubscribe: ['*'] })),
    ack: (r: DeltaDiscoveryResponse) => requests.push(create(DeltaDiscoveryRequestSchema, { typeUrl: r.typeUrl, responseNonce: r.nonce })),
    nack: (r: DeltaDiscoveryResponse, message: string) =>
      requests.push(create(DeltaDiscoveryRequestSchema, { typeUrl: r.typeUrl, responseNonce: r.nonce, errorDetail: create(StatusSchema, { code: 3, message }) })),
    end: () => requests.end(),
    abort: () => ac.abort(),
  };
}

const padded = (i: number): JsonObject => ({ note: `${i}`.padStart(1000, 'x') });

for (const withGet of [false, true]) describe(`runKdsSender (${withGet ? 'reads each changed resource' : 'lists the type on every change'})`, () => {
  it('chunks a big initial set (initial on every chunk, version only on the last), one response in flight, types in order', async () => {
    const source = new FakeSource(withGet);
    for (let i = 0; i < 50; i++) source.put('Mesh', `mesh-${i}`, padded(i), { silent: true });
    source.put('GlobalSecret', 'g', { data: '' }, { silent: true });
    const h = harness(source, { maxResponseBytes: 10_000 });
    h.subscribe('Mesh');
    h.subscribe('GlobalSecret');
    const names = new Set<string>();
    for (let i = 0; ; i++) {
      await waitFor(`response ${i}`, () => h.responses.length === i + 1);
      await sleep(10);
      assert.equal(h.responses.length, i + 1, 'nothing else is sent before the ACK');
      const r = h.responses[i];
      assert.ok(r);
      if (r.typeUrl === 'GlobalSecret') {
        assert.ok(i >= 5, 'the later type waits until the earlier initial set is complete');
        assert.equal(r.initial, true);
        assert.notEqual(r.systemVersionInfo, '');
        break;
      }
      assert.equal(r.initial, true);
      for (const res of r.resources) {
        assert.ok(!names.has(res.name));
        names.add(res.name);
      }
      const last = names.size === 50;
      assert.equal(r.systemVersionInfo === '', !last, `chunk ${i}: version only on the last chunk`);
      h.ack(r);
    }
    assert.equal(names.size, 50);
    h.end();
    await h.done;
  });

  it('a resource removed while its chunked initial set is still going out is removed once the set is complete', async () => {
    const source = new FakeSource(withGet);
    for (let i = 0; i < 10; i++) source.put('Mesh', `mesh-${i}`, padded(i), { silent: true });
    const h = harness(source, { maxResponseBytes: 2_500 });
    h.subscribe('Mesh');
    await waitFor('first chunk', () => h.responses.length === 1);
    const first = h.responses[0]!.resources.map((r) => r.name);
    assert.ok(first.length < 10);
    source.remove('Mesh', (first[0] ?? '').slice(0, -1));
    source.put('Mesh', 'late', {});
    const sent = new Set<string>();
    const removed: string[] = [];
    for (let i = 0; removed.length === 0; i++) {
      await waitFor(`response ${i}`, () => h.responses.length === i + 1);
      const r = h.responses[i]!;
      for (const res of r.resources) sent.add(res.name);
      removed.push(...r.removedResources);
      h.ack(r);
    }
    assert.deepEqual(removed, [first[0]]);
    assert.ok(sent.has('late.') && sent.size === 11);
    h.end();
    await h.done;
  });

  it('a burst of changes is one delta; resync sends exactly the difference', async () => {
    const source = new FakeSource(withGet);
    source.put('Mesh', 'a', {}, { silent: true });
    source.put('Mesh', 'b', {}, { silent: true });
    const h = harness(source);
    h.subscribe('Mesh');
    await waitFor('initial', () => h.responses.length === 1);
    h.ack(h.responses[0]!);
    for (let i = 0; i < 20; i++) source.put('Mesh', `n-${i}`, {});
    await waitFor('delta', () => h.responses.length === 2);
    await sleep(50);
    assert.equal(h.responses.length, 2);
    assert.equal(h.responses[1]?.resources.length, 20);
    h.ack(h.responses[1]!);

    // Changes the watch never reported (a Postgres LISTEN gap), then a resync event.
    source.put('Mesh', 'a', { changed: true }, { silent: true });
    source.remove('Mesh', 'b', { silent: true });
    await sleep(50);
    assert.equal(h.responses.length, 2);
    source.emit({ op: 'resync', type: '', mesh: '', name: '' });
    await waitFor('resync delta', () => h.responses.length === 3);
    const d = h.responses[2];
    assert.deepEqual(d?.resources.map((r) => r.name), ['a.']);
    assert.deepEqual(d?.removedResources, ['b.']);
    h.ack(d!);
    // A resync with nothing changed sends nothing.
    source.emit({ op: 'resync', type: '', mesh: '', name: '' });
    await sleep(60);
    assert.equal(h.responses.length, 3);
    h.end();
    await h.done;
  });

  it('unknown types are logged once and ignored; a NACK backs off and resends what it names', async () => {
    const log = recordingLogger();
    const source = new FakeSource(withGet);
    source.put('Mesh', 'a', {}, { silent: true });
    source.put('Mesh', 'b', {}, { silent: true });
    const h = harness(source, {}, log);
    h.subscribe('Dataplane');
    h.subscribe('Dataplane');
    h.subscribe('Mesh');
    await waitFor('initial', () => h.responses.length === 1);
    assert.equal(h.responses[0]?.typeUrl, 'Mesh');
    assert.equal(log.entries.filter((e) => e.msg.includes('does not provide')).length, 1);

    const nackedAt = Date.now();
    h.nack(h.responses[0]!, formatNackDetail('Mesh', [{ name: 'b.', reason: 'nope' }]));
    await waitFor('resend', () => h.responses.length === 2);
    assert.ok(Date.now() - nackedAt >= 45, 'waited for the backoff');
    assert.deepEqual(h.responses[1]?.resources.map((r) => r.name), ['b.']);
    assert.equal(h.responses[1]?.initial, false);
    const warn = log.entries.find((e) => e.msg.startsWith('the peer rejected resources'));
    assert.equal(warn?.fields['consecutiveNacks'], 1);
    // Free-text NACK (no list): everything of that response is resent, after a doubled backoff.
    h.nack(h.responses[1]!, 'something went wrong');
    const second = Date.now();
    await waitFor('second resend', () => h.responses.length === 3);
    assert.ok(Date.now() - second >= 95, 'backoff doubled');
    assert.deepEqual(h.responses[2]?.resources.map((r) => r.name), ['b.']);
    h.abort();
    await h.done;
  });

  it('a resource that cannot be converted is skipped (logged once); the rest is sent', async () => {
    const log = recordingLogger();
    const source = new FakeSource(withGet);
    for (const n of ['a', 'bad', 'c']) source.put('Mesh', n, {}, { silent: true });
    const h = harness(
      source,
      {
        toWire: (r) => {
          if (r.meta.name === 'bad') throw new Error('cannot convert');
          return toKumaResource({ name: r.meta.name, mesh: '', labels: {}, spec: r.spec });
        },
      },
      log,
    );
    h.subscribe('Mesh');
    await waitFor('initial', () => h.responses.length === 1);
    assert.deepEqual(h.responses[0]?.resources.map((r) => r.name), ['a.', 'c.']);
    h.ack(h.responses[0]!);
    source.put('Mesh', 'd', {});
    await waitFor('delta', () => h.responses.length === 2);
    assert.deepEqual(h.responses[1]?.resources.map((r) => r.name), ['d.']);
    assert.equal(log.entries.filter((e) => e.msg.startsWith('resource cannot be converted')).length, 1);
    h.end();
    await h.done;
  });

  it('rejects when sending fails; returns when aborted', async () => {
    const source = new FakeSource(withGet);
    source.put('Mesh', 'a', {}, { silent: true });
    const requests = new AsyncQueue<DeltaDiscoveryRequest>();
    const ac = new AbortController();
    const done = runKdsSender(
      { source, types: ['Mesh'], toWire: (r) => toKumaResource({ ...r.meta, spec: r.spec }), log: silentLogger },
      requests,
      () => Promise.reject(new Error('stream closed')),
      ac.signal,
    );
    requests.push(create(DeltaDiscoveryRequestSchema, { typeUrl: 'Mesh', resourceNamesSubscribe: ['*'] }));
    await assert.rejects(done, /stream closed/);

    const quietRequests = new AsyncQueue<DeltaDiscoveryRequest>();
    const ac2 = new AbortController();
    const idle = runKdsSender({ source, types: ['Mesh'], toWire: () => undefined, log: silentLogger }, quietRequests, () => undefined, ac2.signal);
    ac2.abort();
    await idle;
    ac.abort();
  });
});
