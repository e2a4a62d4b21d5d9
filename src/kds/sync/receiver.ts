import { create } from '@bufbuild/protobuf';
import { messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Resource } from '../../core/resources/resource.js';
import {
  DeltaDiscoveryRequestSchema,
  StatusSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type Node,
} from '../../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceManager } from '../../managers/resource-manager.js';
import type { KdsReceiverEvent } from './events.js';
import { formatNackDetail } from './nack.js';
import { TypeReconciler, type FromWire, type ReconcileContext } from './reconcile.js';
import { aborted, untilStopped } from './stream-util.js';

// The resource-receiving role of a KDS stream (zone on GlobalToZoneSync, global on ZoneToGlobalSync).
// Subscribes to its types in order, then applies every response in arrival order and answers it: an
// ACK, or a NACK listing exactly the resources it refused (the valid rest is applied).

/** INVALID_ARGUMENT: the code of a NACK's error_detail. */
const NACK_CODE = 3;

export interface KdsReceiverOptions {
  /** Local store, through the manager (validation). */
  target: ResourceManager;
  /** Subscribed, in this order (e.g. Mesh before policies). */
  types: readonly string[];
  /** Sent on the first request. */
  node: Node;
  fromWire: FromWire;
  /** Local resources this stream may update/delete when reconciling. */
  owns(r: Resource): boolean;
  /**
   * A local resource that `owns` rejects but an incoming resource of the same key may replace (it
   * then becomes owned); never consulted for deletes. Optional.
   */
  adopt?(local: Resource): boolean | Promise<boolean>;
  /** Exact label matches that `owns` implies; narrows the store lists of a full reconcile (optional). */
  ownedLabels?: Record<string, string>;
  log: Logger;
  onEvent?: (e: KdsReceiverEvent) => void;
}

/**
 * Run the receiving role until the peer's responses end or `signal` aborts. Rejects when `send`
 * fails or the local store fails in a way that is not about one resource (the caller reconnects,
 * and the initial sets of the new stream reconcile everything again).
 */
export async function runKdsReceiver(
  opts: KdsReceiverOptions,
  responses: AsyncIterable<DeltaDiscoveryResponse>,
  send: (r: DeltaDiscoveryRequest) => void | Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const log = opts.log.child({ component: 'kds-receiver' });
  const emit = (e: KdsReceiverEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch (err) {
      log.error({ err: messageOf(err) }, 'KDS event listener failed');
    }
  };
  const reconcilers = new Map<string, TypeReconciler>();
  for (const type of opts.types) {
    const ctx: ReconcileContext = { target: opts.target, fromWire: opts.fromWire, owns: opts.owns, log: log.child({ type }) };
    if (opts.adopt) ctx.adopt = opts.adopt;
    if (opts.ownedLabels) ctx.ownedLabels = opts.ownedLabels;
    reconcilers.set(type, new TypeReconciler(type, ctx));
  }

  let first = true;
  for (const type of opts.types) {
    const req = create(DeltaDiscoveryRequestSchema, { typeUrl: type, resourceNamesSubscribe: ['*'], responseNonce: '' });
    if (first) req.node = opts.node;
    first = false;
    await send(req);
  }

  for await (const resp of untilStopped(responses, aborted(signal))) {
    if (signal.aborted) break;
    const type = resp.typeUrl;
    emit({ kind: 'response-received', type, nonce: resp.nonce, resources: resp.resources.length, removed: resp.removedResources.length, initial: resp.initial });
    const reconciler = reconcilers.get(type);
    let message: string | undefined;
    if (!reconciler) {
      message = `resource type ${JSON.stringify(type)} was not subscribed on this stream`;
      log.warn({ type }, 'received a response for a type this stream did not subscribe to; rejecting it');
    } else {
      const started = Date.now();
      const s = await reconciler.apply(resp);
      if (signal.aborted) break;
      if (s.created + s.updated + s.deleted + s.rejections.length > 0) {
        log.info(
          { type, nonce: resp.nonce, initial: resp.initial, created: s.created, updated: s.updated, deleted: s.deleted, rejected: s.rejections.length, ms: Date.now() - started },
          'applied resources from upstream',
        );
      }
      if (s.rejections.length > 0) {
        message = formatNackDetail(type, s.rejections);
        log.warn({ type, nonce: resp.nonce, detail: message.slice(0, 4000) }, 'rejected resources from upstream; sending NACK');
      }
    }
    const answer = create(DeltaDiscoveryRequestSchema, { typeUrl: type, responseNonce: resp.nonce });
    if (message !== undefined) answer.errorDetail = create(StatusSchema, { code: NACK_CODE, message });
    await send(answer);
    emit(message === undefined ? { kind: 'ack-sent', type, nonce: resp.nonce } : { kind: 'nack-sent', type, nonce: resp.nonce, message });
  }
}
