import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { AsyncQueue } from '../../core/async-queue.js';
import type { JsonObject } from '../../core/resources/json.js';
import { DeltaDiscoveryResponseSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from '../../gen/kuma/kds/v1/kds_pb.js';
import { globalToZoneReceiver } from './directions.js';
import { wireName } from './naming.js';
import { runKdsReceiver } from './receiver.js';
import { controlPlane, names, quiet, testNode, waitFor, type ControlPlane } from './testing/harness.js';
import { contentVersion, toKumaResource } from './wire.js';

function entry(name: string, mesh: string, spec: JsonObject = {}, labels: Record<string, string> = { 'kuma.io/origin': 'global' }) {
  const w = toKumaResource({ name, mesh, labels, spec });
  return { name: wireName(name, mesh), version: contentVersion(w), resource: w };
}

let nonce = 0;
const response = (typeUrl: string, init: { resources?: ReturnType<typeof entry>[]; removed?: string[]; initial?: boolean; version?: string }): DeltaDiscoveryResponse =>
  create(DeltaDiscoveryResponseSchema, {
    typeUrl,
    nonce: String(++nonce),
    initial: init.initial ?? false,
    systemVersionInfo: init.version ?? 'v',
    resources: init.resources ?? [],
    removedResources: init.removed ?? [],
  });

function start(zone: ControlPlane) {
  const responses = new AsyncQueue<DeltaDiscoveryResponse>();
  const requests: DeltaDiscoveryRequest[] = [];
  const ac = new AbortController();
  const done = runKdsReceiver(
    globalToZoneReceiver({ resources: zone.manager, zone: 'zone-1', node: testNode('zone-1'), log: quiet }),
    responses,
    (r) => void requests.push(r),
    ac.signal,
  );
  /** Feed one response and wait for its answer. */
  const feed = async (r: DeltaDiscoveryResponse): Promise<DeltaDiscoveryRequest> => {
    responses.push(r);
    await waitFor(`answer to ${r.nonce}`, () => requests.some((q) => q.responseNonce === r.nonce));
    return requests.find((q) => q.responseNonce === r.nonce)!;
  };
  return { requests, feed, done, stop: () => (ac.abort(), responses.end(), done) };
}

describe('runKdsReceiver', () => {
  it('subscribes in order with the node once; answers every response; NACKs exactly what failed', async () => {
    const z = controlPlane();
    const r = start(z);
    try {
      await waitFor('subscriptions', () => r.requests.length === 4);
      assert.deepEqual(r.requests.map((q) => [q.typeUrl, q.responseNonce, q.resourceNamesSubscribe, q.node?.id]), [
        ['Mesh', '', ['*'], 'zone-1'],
        ['Secret', '', ['*'], undefined],
        ['GlobalSecret', '', ['*'], undefined],
        ['MeshTrafficPermission', '', ['*'], undefined],
      ]);
      const unknown = await r.feed(response('Dataplane', { initial: true }));
      assert.equal(unknown.errorDetail?.message, 'resource type "Dataplane" was not subscribed on this stream');

      const mismatched = { ...entry('m3', ''), name: 'other.' };
      const ack = await r.feed(response('Mesh', { initial: true, resources: [entry('m1', ''), entry('m2', ''), mismatched, entry('Bad_Name', '')] }));
      assert.equal(
        ack.errorDetail?.message,
        [
          '2 Mesh resource(s) rejected:',
          '- "other.": the entry name does not match its resource (expected "m3.")',
          "- \"Bad_Name.\": name: invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        ].join('\n'),
      );
      assert.deepEqual(await names(z, 'Mesh'), ['m1', 'm2']);

      // A Mesh with a Dataplane of the zone cannot be deleted by global: reported, not hidden.
      await z.manager.create({ type: 'Dataplane', meta: { name: 'dp', mesh: 'm2' }, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 1, tags: { 'kuma.io/service': 's' } }] } } });
      const refused = await r.feed(response('Mesh', { removed: ['m2.', 'never-existed.'] }));
      assert.equal(refused.errorDetail?.message, '1 Mesh resource(s) rejected:\n- "m2.": could not delete: mesh: unable to delete mesh, there are still some dataplanes attached');
      assert.deepEqual(await names(z, 'Mesh'), ['m1', 'm2']);
    } finally {
      await r.stop();
    }
  });

  it('a chunked initial set deletes stale copies only after its last chunk, and rewrites nothing unchanged', async () => {
    const z = controlPlane();
    const keep = ['a', 'b', 'c', 'd'];
    for (const n of [...keep, 'stale']) await z.manager.create({ type: 'GlobalSecret', meta: { name: n, mesh: '', labels: { 'kuma.io/origin': 'global' } }, spec: { data: '' } });
    await z.manager.create({ type: 'GlobalSecret', meta: { name: 'local', mesh: '' }, spec: { data: '' } });
    const before = new Map((await z.manager.list('GlobalSecret')).items.map((s) => [s.meta.name, s.meta.version]));
    const r = start(z);
    try {
      const secret = (n: string) => entry(n, '', { data: '' });
      assert.equal((await r.feed(response('GlobalSecret', { initial: true, version: '', resources: [secret('a'), secret('b')] }))).errorDetail, undefined);
      assert.ok((await names(z, 'GlobalSecret')).includes('stale'), 'not deleted before the set is complete');
      await r.feed(response('GlobalSecret', { initial: true, version: '', resources: [secret('c'), secret('new')] }));
      await r.feed(response('GlobalSecret', { initial: true, version: 'v1', resources: [secret('d')] }));
      assert.deepEqual(await names(z, 'GlobalSecret'), ['a', 'b', 'c', 'd', 'local', 'new']);
      for (const s of (await z.manager.list('GlobalSecret')).items) {
        if (before.has(s.meta.name)) assert.equal(s.meta.version, before.get(s.meta.name), s.meta.name);
      }
      // A later delta never deletes what it does not name.
      await r.feed(response('GlobalSecret', { resources: [secret('e')] }));
      assert.deepEqual(await names(z, 'GlobalSecret'), ['a', 'b', 'c', 'd', 'e', 'local', 'new']);
    } finally {
      await r.stop();
    }
  });
});
