import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Logger } from '../../../core/log.js';
import { silentLogger } from '../../../core/log.js';
import { AsyncQueue } from '../../../core/async-queue.js';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  NodeSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type Node,
} from '../../../gen/kuma/kds/v1/kds_pb.js';
import { ResourceManager } from '../../../managers/resource-manager.js';
import { MemoryResourceStore } from '../../../store/memory/memory-store.js';
import { StrictResourceStore } from '../../../store/strict-store.js';
import { newSigningKeyPem } from '../../../tokens/index.js';
import { runKdsReceiver, type KdsReceiverOptions } from '../receiver.js';
import { runKdsSender, type KdsSenderOptions } from '../sender.js';

// Transport-free wiring for KDS sync tests: two control planes (memory stores behind managers) and a
// sender/receiver pair joined by in-memory queues; every message goes through protobuf encoding.

let signingKey: Promise<Uint8Array> | undefined;
/** One RSA key for every Mesh of every test (key generation is slow and irrelevant here). */
export const testSigningKey = (): Promise<Uint8Array> => (signingKey ??= newSigningKeyPem());

export interface ControlPlane {
  /** The backend without validation: lets tests store what an API would refuse. */
  raw: MemoryResourceStore;
  manager: ResourceManager;
}

export function controlPlane(): ControlPlane {
  const raw = new MemoryResourceStore();
  return { raw, manager: new ResourceManager(new StrictResourceStore(raw), { newSigningKey: testSigningKey }) };
}

export function testNode(id: string): Node {
  return create(NodeSchema, { id, version: '0.1.0', controlPlaneId: `${id}-0001`, features: ['hash-suffix'] });
}

export interface Link {
  /** Every response the sender sent, decoded from its wire bytes, with the byte size. */
  responses: { msg: DeltaDiscoveryResponse; bytes: number }[];
  requests: DeltaDiscoveryRequest[];
  sender: Promise<void>;
  receiver: Promise<void>;
  stop(): Promise<void>;
}

/** Start a sender and a receiver talking to each other. */
export function link(senderOpts: KdsSenderOptions, receiverOpts: KdsReceiverOptions): Link {
  const toSender = new AsyncQueue<DeltaDiscoveryRequest>();
  const toReceiver = new AsyncQueue<DeltaDiscoveryResponse>();
  const ac = new AbortController();
  const responses: Link['responses'] = [];
  const requests: DeltaDiscoveryRequest[] = [];
  const sender = runKdsSender(
    senderOpts,
    toSender,
    (r) => {
      const bytes = toBinary(DeltaDiscoveryResponseSchema, r);
      const msg = fromBinary(DeltaDiscoveryResponseSchema, bytes);
      responses.push({ msg, bytes: bytes.length });
      toReceiver.push(msg);
    },
    ac.signal,
  );
  const receiver = runKdsReceiver(
    receiverOpts,
    toReceiver,
    (r) => {
      const msg = fromBinary(DeltaDiscoveryRequestSchema, toBinary(DeltaDiscoveryRequestSchema, r));
      requests.push(msg);
      toSender.push(msg);
    },
    ac.signal,
  );
  return {
    responses,
    requests,
    sender,
    receiver,
    async stop() {
      ac.abort();
      toSender.end();
      toReceiver.end();
      await Promise.all([sender, receiver]);
    },
  };
}

/** Poll until `cond` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const quiet: Logger = silentLogger;

/** Names (sorted) of `type` in a store, optionally in one mesh. */
export async function names(cp: ControlPlane, type: string, mesh?: string): Promise<string[]> {
  const { items } = await cp.manager.list(type, mesh ? { mesh } : {});
  return items.map((r) => r.meta.name).sort();
}
