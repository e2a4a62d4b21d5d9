/**
 * Test support: a stand-in for the sync engine, enough to see both streams carry traffic both ways.
 * Global to zone: the zone subscribes to `Mesh` (its first request carries the node), the global
 * answers each subscription with one response, the zone ACKs. Zone to global: the global subscribes to
 * `Dataplane`, the zone answers, the global ACKs. Payload hooks let a test send an oversize message.
 */
import { create } from '@bufbuild/protobuf';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../../../gen/kuma/kds/v1/kds_pb.js';
import type { GlobalSyncHooks, ZoneSyncHooks } from '../sync-hooks.js';

export interface FakeSyncRecord {
  /** Messages each side received, by direction. */
  globalGotRequests: DeltaDiscoveryRequest[];
  globalGotResponses: DeltaDiscoveryResponse[];
  zoneGotResponses: DeltaDiscoveryResponse[];
  zoneGotRequests: DeltaDiscoveryRequest[];
}

export const newRecord = (): FakeSyncRecord => ({ globalGotRequests: [], globalGotResponses: [], zoneGotResponses: [], zoneGotRequests: [] });

/** Iterates `src` until it ends or `signal` aborts. */
async function* until<T>(src: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = src[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    void it.return?.();
  }
}

let nonce = 0;

export function fakeGlobalSync(rec: FakeSyncRecord, opts: { padBytes?: number } = {}): GlobalSyncHooks {
  return {
    async globalToZone(_zone, requests, send, signal) {
      for await (const r of until(requests, signal)) {
        rec.globalGotRequests.push(r);
        if (r.responseNonce === '') {
          const pad = opts.padBytes ?? 0;
          const resources = pad > 0 ? [{ name: 'big.', version: '1', resource: { name: 'big', mesh: '', labels: {}, specJson: 'x'.repeat(pad) } }] : [];
          await send(create(DeltaDiscoveryResponseSchema, { typeUrl: r.typeUrl, nonce: `g${++nonce}`, initial: true, systemVersionInfo: 'v1', resources }));
        }
      }
    },
    async zoneToGlobal(_zone, responses, send, signal) {
      await send(create(DeltaDiscoveryRequestSchema, { typeUrl: 'Dataplane', resourceNamesSubscribe: ['*'], node: { id: 'global' } }));
      for await (const r of until(responses, signal)) {
        rec.globalGotResponses.push(r);
        await send(create(DeltaDiscoveryRequestSchema, { typeUrl: r.typeUrl, responseNonce: r.nonce }));
      }
    },
  };
}

export function fakeZoneSync(rec: FakeSyncRecord, zone: string, opts: { padBytes?: number; configJson?: string } = {}): ZoneSyncHooks {
  return {
    async globalToZone(responses, send, signal) {
      await send(
        create(DeltaDiscoveryRequestSchema, {
          typeUrl: 'Mesh',
          resourceNamesSubscribe: ['*'],
          node: { id: zone, version: '0.1.0', controlPlaneId: `${zone}-cp-1`, configJson: opts.configJson ?? '{"mode":"zone"}' },
        }),
      );
      for await (const r of until(responses, signal)) {
        rec.zoneGotResponses.push(r);
        await send(create(DeltaDiscoveryRequestSchema, { typeUrl: r.typeUrl, responseNonce: r.nonce }));
      }
    },
    async zoneToGlobal(requests, send, signal) {
      for await (const r of until(requests, signal)) {
        rec.zoneGotRequests.push(r);
        if (r.responseNonce === '') {
          const pad = opts.padBytes ?? 0;
          const resources = pad > 0 ? [{ name: 'big.default', version: '1', resource: { name: 'big', mesh: 'default', labels: {}, specJson: 'x'.repeat(pad) } }] : [];
          await send(create(DeltaDiscoveryResponseSchema, { typeUrl: r.typeUrl, nonce: `z${++nonce}`, initial: true, systemVersionInfo: 'v1', resources }));
        }
      }
    },
  };
}
