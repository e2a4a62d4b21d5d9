import { create } from '@bufbuild/protobuf';
import { messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Resource } from '../../core/resources/resource.js';
import { DeltaDiscoveryResponseSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type KumaResource } from '../../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceChangedEvent } from '../../store/resource-store.js';
import type { KdsSenderEvent } from './events.js';
import { rejectedNames } from './nack.js';
import { wireName } from './naming.js';
import { nextChunk, PeerState, type WireEntry } from './sender-diff.js';
import { SenderTypeView } from './sender-view.js';
import type { KdsSenderOptions } from './sender.js';
import { contentVersion, estimateResourceBytes } from './wire.js';

// The state machine behind runKdsSender (see sender.ts for the protocol): per-type peer state, flow
// control, debounce, NACK backoff and the single pump that sends responses in subscription order.

interface Inflight {
  nonce: string;
  upserted: string[];
  removed: string[];
}

interface TypeState {
  readonly type: string;
  phase: 'initial' | 'live';
  /** What the peer holds: wire name -> version ('' = unknown, resend). */
  readonly peer: PeerState;
  dirty: boolean;
  /** When the first change of the pending burst was seen (0 = send without debounce). */
  dirtySince: number;
  outstanding: Inflight | undefined;
  backoffUntil: number;
  consecutiveNacks: number;
  /** What the peer should hold, kept current from change events (listed once, then read per change). */
  readonly view: SenderTypeView;
  /** Wire names that may differ between the view and the peer; 'all' = compare everything. */
  suspects: Set<string> | 'all';
}

const MiB = 1024 * 1024;

/** One stream's sending side. */
export class SenderSession {
  private readonly states = new Map<string, TypeState>();
  private readonly order: TypeState[] = [];
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly nackBackoffMs: number;
  private readonly nackBackoffMaxMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxMessageBytes: number;
  private readonly warned = new Set<string>();
  private nonceSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  stopped = false;
  failure: unknown;
  private readonly failed: () => void;
  /** Settles when sending failed (the stream is broken). */
  readonly failedPromise: Promise<void>;

  constructor(
    private readonly opts: KdsSenderOptions,
    private readonly send: (r: DeltaDiscoveryResponse) => void | Promise<void>,
  ) {
    this.log = opts.log.child({ component: 'kds-sender' });
    this.debounceMs = opts.debounceMs ?? 100;
    this.nackBackoffMs = opts.nackBackoffMs ?? 5000;
    this.nackBackoffMaxMs = Math.max(opts.nackBackoffMaxMs ?? 60_000, this.nackBackoffMs);
    this.maxResponseBytes = opts.maxResponseBytes ?? 4 * MiB;
    this.maxMessageBytes = opts.maxMessageBytes ?? 10 * MiB;
    let resolveFailed = (): void => undefined;
    this.failedPromise = new Promise<void>((resolve) => (resolveFailed = resolve));
    this.failed = resolveFailed;
  }

  private emit(e: KdsSenderEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch (err) {
      this.log.error({ err: messageOf(err) }, 'KDS event listener failed');
    }
  }

  private warnOnce(key: string, fields: Record<string, unknown>, msg: string): void {
    if (this.warned.has(key)) return;
    if (this.warned.size >= 10_000) this.warned.clear(); // bounded on a long-lived stream
    this.warned.add(key);
    this.log.warn(fields, msg);
  }

  onRequest(req: DeltaDiscoveryRequest): void {
    const type = req.typeUrl;
    if (!this.opts.types.includes(type)) {
      this.warnOnce(`type:${type}`, { type }, 'the peer asked for a resource type this stream does not provide; ignoring it');
      return;
    }
    let st = this.states.get(type);
    if (req.responseNonce === '') {
      if (!st) {
        const view = new SenderTypeView(type, this.opts.source, (r) => this.wireEntryOf(type, r), this.opts.wireCache);
        st = { type, phase: 'initial', peer: new PeerState(), dirty: false, dirtySince: 0, outstanding: undefined, backoffUntil: 0, consecutiveNacks: 0, view, suspects: 'all' };
        this.states.set(type, st);
        this.order.push(st);
        this.log.debug({ type }, 'peer subscribed');
      } else {
        // A second subscription means the peer lost its state: start the type over.
        this.log.info({ type }, 'peer subscribed again; sending the complete set');
        st.phase = 'initial';
        st.peer.clear();
        st.suspects = 'all';
      }
      this.kick();
      return;
    }
    if (!st || st.outstanding?.nonce !== req.responseNonce) {
      this.log.debug({ type, nonce: req.responseNonce }, 'answer to a response that is not pending; ignoring it');
      return;
    }
    const inflight = st.outstanding;
    st.outstanding = undefined;
    if (req.errorDetail) this.onNack(st, inflight, req.errorDetail.message);
    else {
      st.consecutiveNacks = 0;
      this.emit({ kind: 'ack-received', type, nonce: inflight.nonce });
    }
    this.kick();
  }

  private onNack(st: TypeState, inflight: Inflight, message: string): void {
    st.consecutiveNacks += 1;
    // Forget the versions of what was rejected, so it is sent again (after the backoff) or, if it is
    // gone meanwhile, its removal is.
    const names = rejectedNames(message) ?? [...inflight.upserted, ...inflight.removed];
    for (const n of names) {
      st.peer.set(n, '');
      if (st.suspects !== 'all') st.suspects.add(n);
    }
    const wait = Math.min(this.nackBackoffMs * 2 ** Math.min(st.consecutiveNacks - 1, 20), this.nackBackoffMaxMs);
    st.backoffUntil = Date.now() + wait;
    st.dirty = true;
    st.dirtySince = 0;
    this.log.warn(
      { type: st.type, nonce: inflight.nonce, consecutiveNacks: st.consecutiveNacks, backoffMs: wait, detail: message.slice(0, 4000) },
      'the peer rejected resources (NACK); resending them after the backoff',
    );
    this.emit({ kind: 'nack-received', type: st.type, nonce: inflight.nonce, message });
  }

  onChange(e: ResourceChangedEvent): void {
    if (e.op === 'resync') {
      for (const st of this.order) {
        st.view.resync();
        this.markDirty(st);
      }
      return;
    }
    const st = this.states.get(e.type);
    if (!st) return;
    st.view.changed(e.mesh, e.name);
    this.markDirty(st);
  }

  private markDirty(st: TypeState): void {
    if (st.dirty) return;
    st.dirty = true;
    st.dirtySince = Date.now();
    this.schedule(st.dirtySince + this.debounceMs);
  }

  private kick(): void {
    this.schedule(Date.now());
  }

  private schedule(at: number): void {
    if (this.stopped || at >= this.timerDue) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerDue = Infinity;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.pumpLoop()
      .catch((err: unknown) => this.fail(err))
      .finally(() => (this.pumping = undefined));
  }

  private async pumpLoop(): Promise<void> {
    do {
      this.pumpAgain = false;
      let blocked = false;
      for (const st of this.order) {
        if (this.stopped) return;
        if (st.outstanding) {
          blocked = true;
          continue;
        }
        if (blocked) continue;
        const now = Date.now();
        if (now < st.backoffUntil) {
          this.schedule(st.backoffUntil);
          if (st.phase === 'initial') blocked = true;
          continue;
        }
        if (st.phase === 'live') {
          if (!st.dirty) continue;
          const due = st.dirtySince === 0 ? 0 : st.dirtySince + this.debounceMs;
          if (now < due) {
            this.schedule(due);
            continue;
          }
        }
        if ((await this.sendNext(st)) || st.phase === 'initial') blocked = true;
      }
    } while (this.pumpAgain && !this.stopped);
  }

  /** Compute and send the next response of a type; false when there was nothing to send. */
  private async sendNext(st: TypeState): Promise<boolean> {
    const initial = st.phase === 'initial';
    if (!initial) st.dirty = false;
    let current: ReadonlyMap<string, WireEntry>;
    try {
      current = await st.view.current();
    } catch (err) {
      this.log.error({ type: st.type, err: messageOf(err), retryInMs: this.nackBackoffMs }, 'could not list resources to send; retrying');
      st.backoffUntil = Date.now() + this.nackBackoffMs;
      st.dirty = true;
      this.schedule(st.backoffUntil);
      return false;
    }
    if (this.stopped) return false;
    const changed = st.view.drainChanges();
    if (changed === 'all') st.suspects = 'all';
    else if (st.suspects !== 'all') for (const n of changed) st.suspects.add(n);
    const candidates = st.suspects === 'all' ? {} : { candidates: st.suspects };
    const chunk = nextChunk(current, st.peer.versions, { includeRemovals: !initial, maxBytes: this.maxResponseBytes, ...candidates });
    // Once nothing more is owed the view and the peer agree, so nothing is suspect until the next
    // change. Not after an initial set: it leaves removals owed (it never carries any).
    if (!chunk.more && !initial) st.suspects = new Set();
    if (!initial && chunk.upserts.length === 0 && chunk.removed.length === 0) return false;
    for (const e of chunk.upserts) st.peer.set(e.name, e.version);
    for (const n of chunk.removed) st.peer.delete(n);
    const nonce = String(++this.nonceSeq);
    const lastOfInitial = initial && !chunk.more;
    const response = create(DeltaDiscoveryResponseSchema, {
      typeUrl: st.type,
      nonce,
      initial,
      // Empty only on the chunks of an initial set that more chunks follow.
      systemVersionInfo: initial && chunk.more ? '' : st.peer.version(),
      resources: chunk.upserts.map((e) => ({ name: e.name, version: e.version, resource: e.wire })),
      removedResources: chunk.removed,
    });
    st.outstanding = { nonce, upserted: chunk.upserts.map((e) => e.name), removed: chunk.removed };
    if (lastOfInitial) st.phase = 'live';
    if (!initial && chunk.more) {
      st.dirty = true;
      st.dirtySince = 0;
    }
    this.log.debug({ type: st.type, nonce, resources: chunk.upserts.length, removed: chunk.removed.length, initial, more: chunk.more }, 'sending response');
    await this.send(response);
    this.emit({ kind: 'response-sent', type: st.type, nonce, resources: chunk.upserts.length, removed: chunk.removed.length, initial });
    return true;
  }

  /** The wire entry of one resource for this peer; undefined when it is not sent (filtered, unconvertible, too big). */
  private wireEntryOf(type: string, r: Resource): WireEntry | undefined {
    let w: KumaResource | undefined;
    try {
      w = this.opts.toWire(r);
    } catch (err) {
      this.warnOnce(`wire:${type}:${r.meta.mesh}:${r.meta.name}:${r.meta.version}`, { type, name: r.meta.name, mesh: r.meta.mesh, err: messageOf(err) }, 'resource cannot be converted for the peer; not sending it');
      return undefined;
    }
    if (!w) return undefined;
    const name = wireName(w.name, w.mesh);
    const version = contentVersion(w);
    const bytes = estimateResourceBytes(name, version, w);
    if (bytes > this.maxMessageBytes - 1024) {
      this.warnOnce(`size:${type}:${name}:${version}`, { type, name, bytes, limit: this.maxMessageBytes }, 'resource is larger than a KDS message may be; not sending it');
      return undefined;
    }
    return { name, version, wire: w, bytes };
  }

  fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err ?? new Error('KDS sender failed');
    this.failed();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pumping;
    for (const st of this.order) st.view.close();
  }
}

