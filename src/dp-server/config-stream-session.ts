/**
 * One config stream (the server side of ConfigService.Stream): the first request identifies,
 * authenticates and (from a template) registers the proxy; then, per subscribed kind, the current
 * state is sent with a content-hash version and a nonce, ACKs/NACKs are counted, and changes in the
 * store are pushed. The stream re-checks its token whenever what the token depends on changes, and
 * ends with a gRPC status that says why (see proto/kuma/dp/v1/config_stream.proto).
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { DataplaneType, type Resource } from '../core/resources/index.js';
import { DiscoveryResponseSchema, ResourceKind, type DiscoveryRequest, type DiscoveryResponse } from '../gen/kuma/dp/v1/config_stream_pb.js';
import type { ResourceManager } from '../managers/index.js';
import type { DataplaneAuthenticator } from './dataplane-auth.js';
import { dataplaneConfigOf, dataplanePartOf, unsavedDataplane, type DataplanePart } from './dataplane-config.js';
import type { DataplaneLifecycle } from './dataplane-lifecycle.js';
import { DataplaneTemplateError, parseDataplaneTemplate, type DataplaneTemplate } from './dataplane-template.js';
import type { DataplaneInsightSink, InsightTracker } from './insight-sink.js';
import { InsightSubscription } from './insight-subscription.js';
import type { MeshParts } from './mesh-parts.js';
import { parseNodeId, type NodeId } from './node-id.js';
import { OutChannel } from './out-channel.js';
import { liveRejection, StreamError, streamErrors } from './stream-errors.js';
import type { LiveStream, StreamRegistry } from './stream-registry.js';

export interface StreamServices {
  resources: ResourceManager;
  /** The Mesh part of configs, shared by the streams of a mesh. */
  meshParts: MeshParts;
  authenticator: DataplaneAuthenticator;
  lifecycle: DataplaneLifecycle;
  registry: StreamRegistry;
  insights: DataplaneInsightSink;
  controlPlaneInstanceId: string;
  logger: Logger;
  /** Coalesces bursts of store events before a re-check (also lets the token caches see them first). */
  recheckDelayMs: number;
  /** A stream whose first request does not arrive in time is closed (it holds resources unauthenticated). */
  firstRequestTimeoutMs: number;
  isStopping(): boolean;
}

/** The `authorization` metadata as received: how many values, and the value when there is one. */
export interface Credential {
  count: number;
  value: string;
}

const SERVED_KINDS: ReadonlySet<ResourceKind> = new Set([ResourceKind.DATAPLANE]);
const NACK_LOG_LIMIT = 4096;

export class ConfigStreamSession implements LiveStream {
  nodeId: NodeId = { mesh: '', name: '' };
  private nodeIdText = '';
  private initialized = false;
  private active = false;
  private connected = false;
  private closedWith: StreamError | undefined;
  private readonly out = new OutChannel<DiscoveryResponse>();
  private readonly subscribed = new Set<ResourceKind>();
  private readonly lastSent = new Map<ResourceKind, string>();
  /** Built from the stored Dataplane on every re-read (its changes come through recheck). */
  private dpPart: DataplanePart | undefined;
  private nonceSeq = 0;
  private readonly sub: InsightSubscription;
  private tracker: InsightTracker | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private work: Promise<void> = Promise.resolve();
  private cleanedUp = false;
  private firstRequestTimer: NodeJS.Timeout | undefined;
  private readonly warnedKinds = new Set<number>();
  private log: Logger;

  constructor(
    private readonly svc: StreamServices,
    private readonly credential: Credential,
    peer: string,
  ) {
    this.sub = new InsightSubscription(svc.controlPlaneInstanceId);
    this.log = svc.logger.child({ peer, streamId: this.sub.id });
  }

  /** The RPC body: responses until the stream ends. */
  async *run(requests: AsyncIterable<DiscoveryRequest>): AsyncGenerator<DiscoveryResponse> {
    this.firstRequestTimer = setTimeout(
      () => this.close(new StreamError(Code.DeadlineExceeded, `no first request within ${this.svc.firstRequestTimeoutMs} ms; send the node id and a subscription right after opening the stream`)),
      this.svc.firstRequestTimeoutMs,
    );
    this.firstRequestTimer.unref();
    void this.readLoop(requests);
    try {
      yield* this.out.drain();
    } finally {
      await this.cleanup();
    }
  }

  close(err: StreamError): void {
    if (this.closedWith || this.out.finished) return;
    this.closedWith = err;
    this.log.info({ code: Code[err.grpcCode], reason: err.message }, 'closing config stream');
    this.out.finish(err);
  }

  refresh(): void {
    if (!this.initialized || this.out.finished) return;
    this.serialized(async () => {
      // Only the Mesh changed: the Dataplane part stays (a Dataplane change arrives as recheck()).
      for (const kind of this.subscribed) await this.push(kind, false, false);
    });
  }

  recheck(): void {
    if (!this.initialized || this.out.finished || this.recheckTimer) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      this.serialized(() => this.recheckNow());
    }, this.svc.recheckDelayMs);
    this.recheckTimer.unref();
  }

  /** Runs `task` after the ones before it; a failure ends the stream. */
  private serialized(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((err: unknown) => this.fail(err));
  }

  private async readLoop(requests: AsyncIterable<DiscoveryRequest>): Promise<void> {
    try {
      for await (const req of requests) {
        if (this.out.finished) break;
        const done = this.work.then(() => this.handle(req));
        this.work = done.catch(() => undefined);
        await done;
      }
      // The proxy half-closed: nothing more to answer.
      this.out.finish();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (err instanceof StreamError) return this.close(err);
    if (err instanceof ConnectError) {
      // Reading failed because the proxy went away (or sent garbage the framework refused).
      this.log.debug({ reason: err.message }, 'config stream read ended');
      return this.out.finish();
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
    if (req.responseNonce === '') {
      this.subscribed.add(req.kind);
      await this.push(req.kind, true);
    } else {
      this.onAnswer(req);
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
    const template = this.templateOf(req);
    const dataplane = template ? unsavedDataplane(template) : await this.storedDataplane(streamErrors.notFound(req.nodeId));
    if (this.credential.count > 1) throw streamErrors.credentialCount(this.credential.count);
    await this.svc.authenticator.authenticate(this.credential.value, dataplane);
    // The proxy may vanish during any await: cleanup() has run then, and this stream must not
    // register itself anywhere afterwards.
    if (this.cleanedUp) return;
    this.svc.lifecycle.connecting(parsed);
    this.connected = true;
    if (template) await this.svc.lifecycle.register(template, this.credential.value);
    if (this.cleanedUp) {
      this.svc.lifecycle.disconnected(parsed);
      this.connected = false;
      return;
    }
    if (this.svc.isStopping()) throw streamErrors.shuttingDown();
    if (this.out.finished) return;
    this.active = true;
    this.svc.registry.activate(this)?.close(streamErrors.replaced());
    this.sub.version = req.node?.version?.kumaDp;
    this.tracker = this.svc.insights.track(parsed, this.sub);
    await this.tracker.flushNow();
    this.log.info({ registered: template !== undefined }, 'proxy connected');
  }

  private templateOf(req: DiscoveryRequest): DataplaneTemplate | undefined {
    const text = req.node?.dataplaneJson ?? '';
    if (text === '') return undefined;
    let t: DataplaneTemplate;
    try {
      t = parseDataplaneTemplate(text);
    } catch (err) {
      if (err instanceof DataplaneTemplateError) throw new StreamError(Code.InvalidArgument, `invalid Dataplane in the node metadata: ${err.message}`);
      throw err;
    }
    if (t.mesh !== this.nodeId.mesh || t.name !== this.nodeId.name) {
      throw new StreamError(Code.InvalidArgument, `proxyId ${this.nodeIdText} does not match proxy resource mesh ${JSON.stringify(t.mesh)} name ${JSON.stringify(t.name)}`);
    }
    return t;
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
    return new StreamError(
      Code.NotFound,
      `dataplane deleted: the Dataplane ${JSON.stringify(this.nodeIdText)} was removed from the control plane while its proxy was connected`,
    );
  }

  private async push(kind: ResourceKind, force: boolean, rereadDataplane = true): Promise<void> {
    if (this.out.finished) return;
    if (rereadDataplane || this.dpPart === undefined) this.dpPart = dataplanePartOf(await this.storedDataplane(this.deletedError()));
    const dpPart = this.dpPart;
    const mesh = await this.svc.meshParts.get(this.nodeId.mesh);
    if (mesh === undefined) throw this.deletedError();
    const { config, version } = dataplaneConfigOf(dpPart, mesh);
    if (!force && this.lastSent.get(kind) === version) return;
    const nonce = String(++this.nonceSeq);
    this.out.push(create(DiscoveryResponseSchema, { kind, versionInfo: version, nonce, payload: { case: 'dataplane', value: config } }));
    this.lastSent.set(kind, version);
    this.sub.responseSent(kind);
    this.tracker?.changed();
  }

  private async recheckNow(): Promise<void> {
    if (this.out.finished) return;
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
    for (const kind of this.subscribed) await this.push(kind, false);
  }

  private async cleanup(): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.out.finish();
    clearTimeout(this.firstRequestTimer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    if (this.active) this.svc.registry.remove(this);
    if (this.tracker) await this.tracker.close();
    if (this.connected) this.svc.lifecycle.disconnected(this.nodeId);
    this.connected = false;
    if (this.initialized) this.log.info({ reason: this.closedWith?.message ?? 'stream ended' }, 'proxy disconnected');
  }
}
