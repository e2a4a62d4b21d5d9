/**
 * One config stream (the server side of ConfigService.Stream): the first request identifies,
 * authenticates and (from a template) registers the proxy; then, per subscribed kind, the current
 * state is sent with a content-hash version and a nonce, ACKs/NACKs are counted, and changes in the
 * store are pushed. The stream re-checks its token whenever what the token depends on changes, and
 * ends with a gRPC status that says why (see proto/kuma/dp/v1/config_stream.proto).
 *
 * Push-based: the transport hands in requests (`receive`) and the session hands responses to a sink,
 * so a push is build, serialize, write, with no async-iterator layer per message.
 */
import { create } from '@bufbuild/protobuf';
import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { DataplaneType, type Resource } from '../core/resources/index.js';
import { DiscoveryResponseSchema, ResourceKind, type DiscoveryRequest } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { dataplanePartOf, unsavedDataplane, type DataplanePart } from './dataplane-config.js';
import { SERVED_KINDS as SERVED_KIND_LIST } from './kinds/config-kinds.js';
import type { StreamIdentity } from './kinds/identity.js';
import { templateOfNode } from './dataplane-template.js';
import { Code } from './grpc/codes.js';
import type { InsightTracker } from './insight-sink.js';
import { InsightSubscription } from './insight-subscription.js';
import { parseNodeId, type NodeId } from './node-id.js';
import { liveRejection, StreamError, streamErrors } from './stream-errors.js';
import { StreamFlow } from './stream-flow.js';
import type { LiveStream } from './stream-registry.js';
import type { Credential, ResponseSink, StreamServices } from './stream-services.js';
import { tokenExpiryMs, whenExpired } from './token-expiry.js';

export type { Credential, ResponseSink, StreamServices } from './stream-services.js';

const SERVED_KINDS: ReadonlySet<ResourceKind> = new Set(SERVED_KIND_LIST);
const NACK_LOG_LIMIT = 4096;

export class ConfigStreamSession implements LiveStream {
  nodeId: NodeId = { mesh: '', name: '' };
  private nodeIdText = '';
  private initialized = false;
  private active = false;
  private connected = false;
  /** initialize() is inside lifecycle.register(): it, not cleanup(), reports the disconnect then. */
  private registering = false;
  private closedWith: StreamError | undefined;
  /** The stream's end was decided (status sent or transport gone): nothing more goes out. */
  private finished = false;
  private readonly subscribed = new Set<ResourceKind>();
  private readonly lastSent = new Map<ResourceKind, string>();
  /** The stored Dataplane and what is built from it, on every re-read (its changes come through recheck). */
  private dataplane: Resource | undefined;
  private dpPart: DataplanePart | undefined;
  private readonly identity: StreamIdentity;
  private lastMtlsInsight = '';
  private nonceSeq = 0;
  private readonly sub: InsightSubscription;
  private tracker: InsightTracker | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  /** Re-checks the token when it expires (the validator then ends the stream). */
  private cancelExpiry: (() => void) | undefined;
  private work: Promise<void> = Promise.resolve();
  /** Tasks queued on `work` and not finished. */
  private pendingTasks = 0;
  private readonly flow: StreamFlow;
  private cleanedUp = false;
  private resolveClosed!: () => void;
  /** Resolves once the stream is over and everything it held is released (registry, insight, lifecycle). */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private firstRequestTimer: NodeJS.Timeout | undefined;
  private readonly warnedKinds = new Set<number>();
  private log: Logger;

  constructor(
    private readonly svc: StreamServices,
    private readonly credential: Credential,
    peer: string,
    private readonly sink: ResponseSink,
  ) {
    this.flow = new StreamFlow(sink);
    this.sub = new InsightSubscription(svc.controlPlaneInstanceId);
    this.identity = svc.kinds.newStreamIdentity();
    this.log = svc.logger.child({ peer, streamId: this.sub.id });
  }

  /** Starts the first-request clock (call once the transport is ready). */
  start(): void {
    this.firstRequestTimer = setTimeout(
      () => this.close(streamErrors.noFirstRequest(this.svc.firstRequestTimeoutMs)),
      this.svc.firstRequestTimeoutMs,
    );
    this.firstRequestTimer.unref();
  }

  /** A request from the proxy, handled after the ones before it. */
  receive(req: DiscoveryRequest): void {
    if (this.finished) return;
    if (this.pendingTasks === 0 && this.initialized && req.responseNonce !== '' && SERVED_KINDS.has(req.kind) && req.identityRequest === undefined && (req.nodeId === '' || req.nodeId === this.nodeIdText)) {
      // The common case, an ACK while nothing else is in flight: handled at once, no promise.
      this.onAnswer(req);
      this.tracker?.changed();
      return;
    }
    this.flow.requestQueued();
    this.serialized(async () => {
      try {
        if (!this.finished) await this.handle(req);
      } finally {
        this.flow.requestHandled();
      }
    });
  }

  /** The proxy half-closed: answer what it sent, then end with OK. */
  halfClosed(): void {
    this.serialized(async () => this.finish());
  }

  /** The transport took its queued responses. */
  drained(): void {
    if (this.flow.drained()) this.refresh();
  }

  /** The transport is gone or its status is out: release everything. */
  transportClosed(): void {
    this.finished = true;
    void this.cleanup();
  }

  close(err: StreamError): void {
    if (this.closedWith || this.finished) return;
    this.closedWith = err;
    this.log.info({ code: Code[err.grpcCode], reason: err.message }, 'closing config stream');
    this.finish(err);
  }

  refresh(kinds?: readonly ResourceKind[]): void {
    if (!this.initialized || this.finished) return;
    // Mesh-wide changes reach every stream of the mesh; most subscribe to few kinds.
    if (kinds !== undefined && !kinds.some((k) => this.subscribed.has(k))) return;
    this.serialized(async () => {
      // Something shared changed (the Mesh, policies, endpoints): the Dataplane part stays (a
      // Dataplane change arrives as recheck()).
      for (const kind of this.subscribed) if (kinds === undefined || kinds.includes(kind)) await this.push(kind, false, false);
    });
  }

  recheck(): void {
    if (!this.initialized || this.finished || this.recheckTimer) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      this.serialized(() => this.recheckNow());
    }, this.svc.recheckDelayMs);
    this.recheckTimer.unref();
  }

  private finish(err?: StreamError): void {
    if (this.finished) return;
    this.finished = true;
    this.sink.end(err);
    void this.cleanup();
  }

  /** Runs `task` after the ones before it; a failure ends the stream. */
  private serialized(task: () => Promise<void>): void {
    this.pendingTasks += 1;
    this.work = this.work
      .then(task)
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.pendingTasks -= 1;
      });
  }

  private fail(err: unknown): void {
    if (err instanceof StreamError) return this.close(err);
    if (hasCode(err, 'ERR_STORE_UNAVAILABLE')) {
      // The database is away: a live proxy keeps the config it has (the store's resync after the
      // reconnect re-checks and re-pushes every stream); a proxy still connecting retries.
      if (this.initialized) {
        this.log.warn({ reason: messageOf(err) }, 'resource store unavailable; the proxy keeps its current config until the store is back');
        return;
      }
      return this.close(new StreamError(Code.Unavailable, 'the control plane cannot reach its resource store right now; retry later'));
    }
    this.log.error({ reason: messageOf(err) }, 'config stream failed');
    this.close(streamErrors.internal());
  }

  private async handle(req: DiscoveryRequest): Promise<void> {
    if (!this.initialized) {
      clearTimeout(this.firstRequestTimer);
      await this.initialize(req);
      if (this.cleanedUp) return;
      this.initialized = true;
    } else if (req.nodeId !== '' && req.nodeId !== this.nodeIdText) {
      throw streamErrors.nodeIdChanged(this.nodeIdText, req.nodeId);
    }
    if (!SERVED_KINDS.has(req.kind)) {
      if (!this.warnedKinds.has(req.kind)) {
        this.warnedKinds.add(req.kind);
        this.log.warn({ kind: req.kind }, 'request for a resource kind this control plane does not serve; ignored');
      }
      return;
    }
    const csr = req.kind === ResourceKind.IDENTITY ? req.identityRequest?.csrPem : undefined;
    if (csr !== undefined) this.identity.request(csr);
    if (req.responseNonce === '') {
      this.subscribed.add(req.kind);
      await this.push(req.kind, true);
    } else {
      this.onAnswer(req);
      if (csr !== undefined && this.subscribed.has(req.kind)) await this.push(req.kind, false);
    }
    this.tracker?.changed();
  }

  private onAnswer(req: DiscoveryRequest): void {
    const n = Number(req.responseNonce);
    if (!/^[1-9][0-9]*$/.test(req.responseNonce) || n > this.nonceSeq) {
      this.log.debug({ nonce: req.responseNonce.slice(0, 64) }, 'answer to a nonce this stream never sent; ignored');
      return;
    }
    if (req.errorDetail !== undefined) {
      this.sub.rejected(req.kind);
      this.log.warn(
        { kind: ResourceKind[req.kind], nonce: req.responseNonce, acceptedVersion: req.versionInfo, reason: req.errorDetail.message.slice(0, NACK_LOG_LIMIT) },
        'proxy rejected the config (NACK)',
      );
    } else {
      this.sub.acknowledged(req.kind);
    }
  }

  private async initialize(req: DiscoveryRequest): Promise<void> {
    const parsed = parseNodeId(req.nodeId);
    if ('problem' in parsed) throw streamErrors.invalidNodeId(parsed.problem);
    this.nodeId = parsed;
    this.nodeIdText = req.nodeId;
    this.log = this.log.child({ mesh: parsed.mesh, name: parsed.name });
    const proxyType = req.node?.proxyType ?? '';
    if (proxyType !== '' && proxyType !== 'dataplane') throw streamErrors.unsupportedProxyType(proxyType);
    const template = templateOfNode(req.node?.dataplaneJson ?? '', this.nodeId, this.nodeIdText);
    const dataplane = template ? unsavedDataplane(template) : await this.storedDataplane(streamErrors.notFound(req.nodeId));
    if (this.credential.count > 1) throw streamErrors.credentialCount(this.credential.count);
    await this.svc.authenticator.authenticate(this.credential.value, dataplane);
    this.armExpiry();
    // The proxy may vanish during any await: cleanup() has run then, and this stream must not
    // register itself anywhere afterwards.
    if (this.cleanedUp) return;
    this.svc.lifecycle.connecting(parsed);
    this.connected = true;
    this.registering = true;
    try {
      if (template) await this.svc.lifecycle.register(template, this.credential.value);
    } finally {
      this.registering = false;
      // cleanup() left the disconnect to us: only after register() can it schedule the deregistration.
      if (this.cleanedUp && this.connected) {
        this.svc.lifecycle.disconnected(parsed);
        this.connected = false;
      }
    }
    if (this.cleanedUp) return;
    if (this.svc.isStopping()) throw streamErrors.shuttingDown();
    if (this.finished) return;
    this.active = true;
    this.svc.registry.activate(this)?.close(streamErrors.replaced());
    this.sub.version = req.node?.version?.kumaDp;
    this.tracker = this.svc.insights.track(parsed, this.sub, () => this.identity.insight);
    await this.tracker.flushNow();
    this.log.info({ registered: template !== undefined }, 'proxy connected');
  }

  private async storedDataplane(missing: StreamError): Promise<Resource> {
    try {
      return await this.svc.resources.get({ type: DataplaneType.name, mesh: this.nodeId.mesh, name: this.nodeId.name });
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw missing;
      throw err;
    }
  }

  private deletedError(): StreamError {
    return streamErrors.dataplaneDeleted(this.nodeIdText);
  }

  private async rereadDataplane(): Promise<void> {
    const dataplane = await this.storedDataplane(this.deletedError());
    this.dataplane = dataplane;
    this.dpPart = dataplanePartOf(dataplane);
  }

  private async push(kind: ResourceKind, force: boolean, rereadDataplane = true): Promise<void> {
    if (this.finished) return;
    if (rereadDataplane || this.dpPart === undefined) await this.rereadDataplane();
    const mesh = await this.svc.kinds.meshParts.get(this.nodeId.mesh);
    if (mesh === undefined) throw this.deletedError();
    const built = await this.svc.kinds.build(kind, { mesh, dataplane: this.dataplane as Resource, dpPart: this.dpPart as DataplanePart, identity: this.identity });
    if (built === undefined) return;
    const { payload, version } = built;
    if (kind === ResourceKind.IDENTITY) this.noteMtlsInsight();
    if (!force && this.lastSent.get(kind) === version) return;
    if (this.finished || (!force && this.flow.holdBack())) return;
    const nonce = String(++this.nonceSeq);
    this.flow.sent(this.sink.send(create(DiscoveryResponseSchema, { kind, versionInfo: version, nonce, payload })));
    this.lastSent.set(kind, version);
    this.sub.responseSent(kind);
    this.tracker?.changed();
  }

  /** A new identity certificate (or mTLS turned off) is written to the DataplaneInsight at once, as Kuma does. */
  private noteMtlsInsight(): void {
    const text = JSON.stringify(this.identity.insight ?? null);
    if (text === this.lastMtlsInsight) return;
    this.lastMtlsInsight = text;
    void this.tracker?.flushNow();
  }

  private async recheckNow(): Promise<void> {
    if (this.finished) return;
    const dataplane = await this.storedDataplane(this.deletedError());
    try {
      await this.svc.authenticator.authenticate(this.credential.value, dataplane);
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      if (err.grpcCode === Code.Unavailable) {
        this.log.warn({ reason: err.message }, 'could not re-check the token of a live stream; will check again on the next change');
        return;
      }
      return this.close(liveRejection(err));
    }
    this.dataplane = dataplane;
    this.dpPart = dataplanePartOf(dataplane);
    for (const kind of this.subscribed) await this.push(kind, false, false);
  }

  private armExpiry(): void {
    if (this.cancelExpiry !== undefined || this.svc.authenticator.type === 'none') return;
    const expiresAt = tokenExpiryMs(this.credential.value);
    if (expiresAt === undefined) return;
    this.cancelExpiry = whenExpired(expiresAt, () => {
      this.cancelExpiry = undefined;
      if (this.finished) return;
      this.log.info({}, 'the dataplane token of this stream expired; re-checking it');
      this.serialized(() => this.recheckNow());
    });
  }

  private async cleanup(): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.finished = true;
    this.flow.stop();
    clearTimeout(this.firstRequestTimer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.cancelExpiry?.();
    try {
      if (this.active) this.svc.registry.remove(this);
      if (this.tracker) await this.tracker.close();
      if (this.connected && !this.registering) {
        this.svc.lifecycle.disconnected(this.nodeId);
        this.connected = false;
      }
      if (this.initialized) this.log.info({ reason: this.closedWith?.message ?? 'stream ended' }, 'proxy disconnected');
    } finally {
      this.resolveClosed();
    }
  }
}
