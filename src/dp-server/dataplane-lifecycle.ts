/**
 * Registration and deregistration of Dataplanes that proxies bring along (Kuma's DataplaneLifecycle,
 * universal): the first stream request registers the template (create, or update when the stream's
 * token also authenticates for the Dataplane already stored: a token must not let one proxy take
 * over another's Dataplane); when the last stream of a registered Dataplane ends, it is deleted
 * after `deregistrationDelayMs` unless the proxy came back to this instance, moved to another
 * instance (its insight's newest subscription names another control plane), or this instance is
 * shutting down. Pre-created Dataplanes (`kumactl apply`) are never deleted here.
 */
import { Code } from './grpc/codes.js';
import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { DataplaneInsightType, DataplaneType, isObject, type Resource } from '../core/resources/index.js';
import type { ResourceManager } from '../managers/index.js';
import type { DataplaneAuthenticator } from './dataplane-auth.js';
import type { DataplaneTemplate } from './dataplane-template.js';
import { dataplaneKeyString, type NodeId } from './node-id.js';
import { StreamError } from './stream-errors.js';

export interface LifecycleOptions {
  deregistrationDelayMs: number;
  controlPlaneInstanceId: string;
  logger: Logger;
}

interface ProxyState {
  id: NodeId;
  /** Registered through a stream on this instance (so ours to deregister). */
  registered: boolean;
  /** Streams of this Dataplane on this instance that are being set up or are live. */
  live: number;
  timer?: NodeJS.Timeout;
  /** A deregistration in progress; a new registration waits for it. */
  deleting?: Promise<void>;
}

const REGISTER_PREFIX = 'could not register proxy passed in kuma-dp run';
const MAX_ATTEMPTS = 5;

export class DataplaneLifecycle {
  private readonly states = new Map<string, ProxyState>();
  private stopping = false;

  constructor(
    private readonly resources: ResourceManager,
    private readonly authenticator: DataplaneAuthenticator,
    private readonly opts: LifecycleOptions,
  ) {}

  private state(id: NodeId): ProxyState {
    const key = dataplaneKeyString(id);
    let s = this.states.get(key);
    if (!s) this.states.set(key, (s = { id, registered: false, live: 0 }));
    return s;
  }

  /** A stream of this Dataplane starts (before registration, so a pending deregistration cannot win). */
  connecting(id: NodeId): void {
    const s = this.state(id);
    s.live += 1;
    if (s.timer) clearTimeout(s.timer);
    delete s.timer;
  }

  /** Creates or updates the Dataplane from the template; returns it as stored. Throws StreamError. */
  async register(template: DataplaneTemplate, credential: string): Promise<Resource> {
    const id = { mesh: template.mesh, name: template.name };
    const s = this.state(id);
    await s.deleting;
    const key = { type: DataplaneType.name, mesh: id.mesh, name: id.name };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let existing: Resource | undefined;
      try {
        existing = await this.resources.get(key);
      } catch (err) {
        if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw err;
      }
      try {
        let stored: Resource;
        if (existing && Object.keys(existing.spec).length > 0) {
          await this.mayOverride(existing, credential);
          if (sameContent(existing, template)) {
            stored = existing;
          } else {
            stored = await this.resources.update({ ...existing, meta: { ...existing.meta, labels: template.labels }, spec: template.spec });
          }
        } else {
          stored = await this.resources.create({ type: DataplaneType.name, meta: { mesh: id.mesh, name: id.name, labels: template.labels }, spec: template.spec });
        }
        s.registered = true;
        this.opts.logger.info({ mesh: id.mesh, name: id.name, created: existing === undefined }, 'registered proxy passed in kuma-dp run');
        return stored;
      } catch (err) {
        if (err instanceof StreamError) throw err;
        if (hasCode(err, 'ERR_RESOURCE_CONFLICT') || hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) continue;
        if (hasCode(err, 'ERR_MESH_NOT_FOUND')) throw new StreamError(Code.NotFound, `${REGISTER_PREFIX}: ${messageOf(err)}`);
        if (hasCode(err, 'ERR_RESOURCE_INVALID')) throw new StreamError(Code.InvalidArgument, `${REGISTER_PREFIX}: ${messageOf(err)}`);
        throw err;
      }
    }
    throw new StreamError(Code.Aborted, `${REGISTER_PREFIX}: the Dataplane kept changing concurrently; retry`);
  }

  /** Kuma's validateUpsert: the credential must also authenticate for the Dataplane being replaced. */
  private async mayOverride(existing: Resource, credential: string): Promise<void> {
    try {
      await this.authenticator.authenticate(credential, existing);
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      const reason = err.message.replace(/^authentication failed: /, '');
      throw new StreamError(
        Code.PermissionDenied,
        `${REGISTER_PREFIX}: you are trying to override existing proxy to which you don't have an access.: ${reason}`,
        err.causeCode,
      );
    }
  }

  /** A stream of this Dataplane ended (or failed to start). */
  disconnected(id: NodeId): void {
    const s = this.state(id);
    s.live = Math.max(0, s.live - 1);
    if (s.live > 0) return;
    if (!s.registered || this.stopping) {
      if (!s.deleting) this.states.delete(dataplaneKeyString(id));
      return;
    }
    if (s.timer) clearTimeout(s.timer);
    this.opts.logger.info({ mesh: id.mesh, name: id.name, waitForMs: this.opts.deregistrationDelayMs }, 'waiting to deregister proxy');
    s.timer = setTimeout(() => {
      delete s.timer;
      s.deleting = this.deregister(s).finally(() => {
        delete s.deleting;
        if (s.live === 0 && !s.timer) this.states.delete(dataplaneKeyString(id));
      });
    }, this.opts.deregistrationDelayMs);
    s.timer.unref();
  }

  private async deregister(s: ProxyState): Promise<void> {
    const { id } = s;
    if (s.live > 0 || this.stopping) return;
    try {
      if (await this.connectedElsewhere(id)) {
        this.opts.logger.info({ mesh: id.mesh, name: id.name }, 'no need to deregister proxy: it is connected to another control plane instance');
        s.registered = false;
        return;
      }
      await this.resources.delete({ type: DataplaneType.name, mesh: id.mesh, name: id.name });
      this.opts.logger.info({ mesh: id.mesh, name: id.name }, 'deregistered proxy');
    } catch (err) {
      if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) this.opts.logger.error({ mesh: id.mesh, name: id.name, reason: messageOf(err) }, 'could not deregister proxy');
    }
    s.registered = false;
  }

  private async connectedElsewhere(id: NodeId): Promise<boolean> {
    let insight: Resource;
    try {
      insight = await this.resources.get({ type: DataplaneInsightType.name, mesh: id.mesh, name: id.name });
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return false;
      throw err;
    }
    const subs = insight.spec['subscriptions'];
    const last = Array.isArray(subs) ? subs[subs.length - 1] : undefined;
    return isObject(last) && last['controlPlaneInstanceId'] !== this.opts.controlPlaneInstanceId;
  }

  /** The control plane stops: keep every Dataplane (the proxies reconnect elsewhere), cancel timers. */
  shutdown(): void {
    this.stopping = true;
    for (const s of this.states.values()) if (s.timer) clearTimeout(s.timer);
  }

  /** Deregistrations waiting or running (tests). */
  get pending(): number {
    let n = 0;
    for (const s of this.states.values()) if (s.timer || s.deleting) n++;
    return n;
  }
}

function sameContent(existing: Resource, template: DataplaneTemplate): boolean {
  return JSON.stringify(existing.spec) === JSON.stringify(template.spec) && JSON.stringify(existing.meta.labels) === JSON.stringify(template.labels);
}
