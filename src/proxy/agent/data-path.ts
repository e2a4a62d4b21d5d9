/**
 * The kuma-dp data path: turns what the control plane streams (Dataplane config, identity,
 * endpoints, permissions) into running mtls listeners, and keeps them in line as those change.
 *
 * - Inputs arrive in any order and concurrently. The async ones (Dataplane config, identity, stop)
 *   run one at a time; every input's latest value is kept, and a listener that starts later gets
 *   the latest identity, endpoints and permissions.
 * - Running listeners are updated in place (mode, application port, identity, permissions,
 *   endpoints): no rebind, open connections survive unless the change must close them (going
 *   STRICT closes plaintext; a newly denied client is closed at once).
 * - Mesh mTLS on and no identity yet: inbound and outbound ports are NOT opened (an inbound would
 *   expose the application without the mesh's protection, an outbound would have to send plaintext
 *   into an mTLS mesh). The application gets "connection refused" until the identity arrives,
 *   which is logged once as "waiting for the mesh identity".
 * - Permissions fail closed: until they arrive, for an inbound without an entry, and while they
 *   still describe mTLS off on an mTLS mesh, every mesh mTLS client is denied.
 */
import { messageOf } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { DataplaneConfig, EndpointsConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { InboundListener, OutboundListener, ProxyIdentity, type Endpoint, type IdentityMaterial, type InboundConfig, type OutboundConfig } from '../mtls/index.js';
import { desiredListenersOf, type DesiredListeners, type InboundSpec, type OutboundSpec } from './data-path-desired.js';
import { endpointsByService } from './data-path-endpoints.js';
import { authorizerOf, indexPermissions, parseDataplanePermissions, permissionSource, type PermissionsIndex } from './data-path-permissions.js';
import { identitySnapshot, inboundSnapshot, outboundSnapshot, type DataPathSnapshot, type InboundEntry, type OutboundEntry } from './data-path-snapshot.js';

export interface DataPathOptions {
  logger?: Logger;
  /** Listener timeouts (defaults are the listeners' own); mainly for tests. */
  inbound?: Pick<InboundConfig, 'sniffTimeoutMs' | 'handshakeTimeoutMs' | 'connectTimeoutMs'>;
  outbound?: Pick<OutboundConfig, 'connectTimeoutMs' | 'maxConnectAttempts' | 'failureBackoffMs'>;
  /** A listener that could not start (port taken, address missing) is tried again this often: 5 s. */
  listenerRetryMs?: number;
}

/** NACK texts are kept to 4 KiB (ErrorDetail.message). */
const MAX_PROBLEM_CHARS = 4096;
const STOPPED = 'the data path is stopped; nothing was applied';

function problemText(problems: readonly string[]): string | undefined {
  if (problems.length === 0) return undefined;
  const text = problems.join('; ');
  return text.length <= MAX_PROBLEM_CHARS ? text : `${text.slice(0, MAX_PROBLEM_CHARS - 3)}...`;
}

export class DataPath {
  private readonly logger: Logger;
  private desired: DesiredListeners | undefined;
  private identity: ProxyIdentity | undefined;
  private identityWithdrawn = false;
  private permissions: PermissionsIndex | undefined;
  private endpoints: Map<string, Endpoint[]> | undefined;
  private readonly inbounds = new Map<string, InboundEntry>();
  private readonly outbounds = new Map<string, OutboundEntry>();
  private waitingLogged = false;
  private chain: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DataPathOptions = {}) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'data-path' });
  }

  /** Reconciles the listeners with the Dataplane config. Resolves undefined, or the problem text to NACK with. */
  applyDataplane(config: DataplaneConfig): Promise<string | undefined> {
    return this.serialize('Dataplane config', async () => {
      const { desired, problems, warnings } = desiredListenersOf(config);
      for (const w of warnings) this.logger.warn({}, w);
      if (desired === undefined) return problemText(problems);
      this.desired = desired;
      if (!desired.mesh.enabled && this.identityWithdrawn) this.discardIdentity();
      problems.push(...(await this.reconcile()));
      const s = this.snapshot();
      const count = (l: readonly { state: string }[], state: string): number => l.filter((x) => x.state === state).length;
      this.logger.info(
        { mesh: desired.mesh.mesh, mtls: desired.mesh.inboundMode, inbounds: s.inbounds.length, outbounds: s.outbounds.length, failed: count([...s.inbounds, ...s.outbounds], 'failed'), waiting: count([...s.inbounds, ...s.outbounds], 'waiting-for-identity') },
        'data path applied the Dataplane config',
      );
      return problemText(problems);
    });
  }

  /**
   * The mesh identity. The first one creates the ProxyIdentity and starts the listeners that were
   * waiting for it; later ones update it in place (new connections use it, open ones survive: this
   * is how renewal and CA rotation happen). Bad material: the problem text, the current identity
   * kept. `undefined` (the control plane says mTLS is off): the identity is dropped once the
   * Dataplane config also says mTLS is off, so listeners never lose it mid-transition.
   */
  applyIdentity(material: IdentityMaterial | undefined): Promise<string | undefined> {
    return this.serialize('identity', async () => {
      if (material === undefined) {
        if (this.identity && !this.identityWithdrawn) this.logger.info({}, 'the control plane says mesh mTLS is off: the mesh identity is dropped once the Dataplane config says so too');
        this.identityWithdrawn = true;
        if (!this.desired?.mesh.enabled) this.discardIdentity();
        return undefined;
      }
      try {
        if (this.identity) this.identity.update(material);
        else {
          this.identity = new ProxyIdentity(material, { logger: this.logger });
          const s = this.identity.summary();
          this.logger.info({ mesh: s.mesh, spiffeIds: s.spiffeIds, notAfter: s.notAfter.toISOString(), trustedRoots: s.trustedRoots }, 'mesh identity received');
        }
      } catch (err) {
        const keep = this.identity ? 'the current identity stays in force' : 'mesh mTLS listeners keep waiting for a usable identity';
        this.logger.warn({ problem: messageOf(err) }, `mesh identity rejected; ${keep}`);
        return `${messageOf(err)}; ${keep}`;
      }
      this.identityWithdrawn = false;
      this.waitingLogged = false;
      // Listener problems found here belong to the Dataplane config, not to the identity: logged and in snapshot().
      const problems = await this.reconcile();
      if (problems.length > 0) this.logger.warn({ problems }, 'some listeners could not start with the mesh identity');
      return undefined;
    });
  }

  /** The endpoints of the outbounds' services; an outbound whose service is absent gets none (it then fails fast). */
  applyEndpoints(config: EndpointsConfig): string | undefined {
    if (this.stopping) return STOPPED;
    const { byService, problems } = endpointsByService(config);
    this.endpoints = byService;
    for (const e of this.outbounds.values()) e.listener?.setEndpoints(this.endpointsOf(e.spec.service));
    return problemText(problems);
  }

  /** The compiled MeshTrafficPermission JSON; open connections of newly denied clients are closed at once. */
  applyPermissions(json: string): string | undefined {
    if (this.stopping) return STOPPED;
    try {
      this.permissions = indexPermissions(parseDataplanePermissions(json));
    } catch (err) {
      this.logger.warn({ problem: messageOf(err) }, 'permissions rejected');
      return messageOf(err);
    }
    for (const e of this.inbounds.values()) this.authorize(e);
    return undefined;
  }

  /** Graceful drain of every listener: no new connections, open ones get up to `drainMs`. */
  stop(drainMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.stopped ??= this.serialize('stop', async () => {
      const entries = [...this.inbounds.values(), ...this.outbounds.values()];
      this.inbounds.clear();
      this.outbounds.clear();
      await Promise.all(entries.map((e) => e.listener?.stop(drainMs)));
      this.identity = undefined;
      return undefined;
    }).then(() => undefined);
    return this.stopped;
  }

  snapshot(): DataPathSnapshot {
    const mesh = this.desired?.mesh;
    return {
      mesh: mesh ? { ...mesh } : undefined,
      identity: identitySnapshot(this.identity, this.identityWithdrawn),
      permissions: this.permissions ? { received: true, mtlsEnabled: this.permissions.doc.mtlsEnabled, inbounds: this.permissions.doc.inbounds.length } : { received: false, inbounds: 0 },
      endpoints: { received: this.endpoints !== undefined, services: this.endpoints?.size ?? 0 },
      inbounds: [...this.inbounds.values()].map((e) => inboundSnapshot(e, mesh?.inboundMode ?? 'OFF')),
      outbounds: [...this.outbounds.values()].map((e) => outboundSnapshot(e, mesh?.enabled ?? false)),
    };
  }

  /** Runs `op` after the previous async operation; a bug in it becomes a problem text, never a rejection. */
  private serialize(what: string, op: () => Promise<string | undefined>): Promise<string | undefined> {
    const run = this.chain.then(async () => {
      if (this.stopping && what !== 'stop') return STOPPED;
      try {
        return await op();
      } catch (err) {
        this.logger.error({ error: messageOf(err) }, `unexpected error while applying the ${what}`);
        return `unexpected error while applying the ${what}: ${messageOf(err)}`;
      }
    });
    this.chain = run;
    return run;
  }

  private discardIdentity(): void {
    if (!this.identity) return;
    this.identity = undefined;
    this.logger.info({}, 'mesh mTLS is off: the mesh identity was dropped');
  }

  private endpointsOf(service: string): Endpoint[] {
    return this.endpoints?.get(service) ?? [];
  }

  /** Hands the inbound the authorizer of the latest permissions, when they changed for it. */
  private authorize(e: InboundEntry): void {
    const source = permissionSource(this.permissions, this.desired?.mesh, e.spec.key);
    if (!e.listener || e.authorizedBy === source) return;
    e.authorizedBy = source;
    e.listener.reauthorize(authorizerOf(source));
  }

  /** Brings the listeners in line with the desired state and the current identity; returns the problems. */
  private async reconcile(): Promise<string[]> {
    const d = this.desired;
    if (!d) return [];
    const blocked = d.mesh.enabled && !this.identity;
    const stops: Promise<void>[] = [];
    for (const [key, e] of this.inbounds) {
      if (!d.inbounds.has(key)) this.inbounds.delete(key);
      else if (!blocked) continue;
      if (e.listener) stops.push(e.listener.stop(0));
      e.listener = undefined;
    }
    for (const [key, e] of this.outbounds) {
      if (d.outbounds.get(key)?.service !== e.spec.service) this.outbounds.delete(key); // gone, or another service: a new listener
      else if (!blocked) continue;
      if (e.listener) stops.push(e.listener.stop(0));
      e.listener = undefined;
    }
    await Promise.all(stops);
    const work: Promise<string | undefined>[] = [];
    for (const spec of d.inbounds.values()) {
      const e = this.inbounds.get(spec.key) ?? { spec, listener: undefined, identity: undefined, authorizedBy: undefined, problem: undefined };
      this.inbounds.set(spec.key, e);
      if (blocked) e.spec = spec;
      else work.push(this.runInbound(e, spec));
    }
    for (const spec of d.outbounds.values()) {
      const e = this.outbounds.get(spec.key) ?? { spec, listener: undefined, identity: undefined, problem: undefined };
      this.outbounds.set(spec.key, e);
      if (blocked) e.spec = spec;
      else work.push(this.runOutbound(e, spec));
    }
    if (blocked && !this.waitingLogged && this.inbounds.size + this.outbounds.size > 0) {
      this.waitingLogged = true;
      this.logger.info({ inbounds: this.inbounds.size, outbounds: this.outbounds.size }, 'waiting for the mesh identity: mesh mTLS is on, so no inbound or outbound port is opened until the identity arrives');
    }
    if (blocked) for (const e of [...this.inbounds.values(), ...this.outbounds.values()]) e.problem = undefined;
    const problems = (await Promise.all(work)).filter((p): p is string => p !== undefined);
    this.scheduleRetry();
    return problems;
  }

  /**
   * A listener that failed to start (its port taken by a process that may go away, an address not
   * yet configured) is tried again on a timer, not only on the next config: the proxy heals itself.
   */
  private scheduleRetry(): void {
    if (this.stopping || this.retryTimer !== undefined) return;
    const failed = [...this.inbounds.values(), ...this.outbounds.values()].filter((e) => !e.listener && e.problem !== undefined);
    if (failed.length === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.serialize('listener retry', async () => {
        const problems = await this.reconcile();
        const recovered = failed.filter((e) => e.listener !== undefined).map((e) => e.spec.key);
        if (recovered.length > 0) this.logger.info({ listeners: recovered, stillFailing: problems.length }, 'listeners started on retry');
        return undefined;
      });
    }, this.options.listenerRetryMs ?? 5_000);
    this.retryTimer.unref();
  }

  private async runInbound(e: InboundEntry, spec: InboundSpec): Promise<string | undefined> {
    const mode = this.desired?.mesh.inboundMode ?? 'OFF';
    const identity = this.identity;
    try {
      if (e.listener) {
        if (identity && e.identity !== identity) {
          e.listener.setIdentity(identity);
          e.identity = identity;
        }
        if (e.spec.serviceAddress !== spec.serviceAddress || e.spec.servicePort !== spec.servicePort) {
          this.logger.info({ inbound: spec.key, application: `${spec.serviceAddress}:${spec.servicePort}` }, 'inbound now forwards to another application port; applies to new connections');
        }
        e.listener.update({ mode, serviceAddress: spec.serviceAddress, servicePort: spec.servicePort });
      } else {
        const source = permissionSource(this.permissions, this.desired?.mesh, spec.key);
        e.listener = await InboundListener.start(
          { ...this.options.inbound, address: spec.address, port: spec.port, serviceAddress: spec.serviceAddress, servicePort: spec.servicePort, mode, authorize: authorizerOf(source) },
          { identity, logger: this.logger },
        );
        e.authorizedBy = source;
        e.identity = identity;
      }
      e.spec = spec;
      e.problem = undefined;
      this.authorize(e); // permissions may have changed while the listener was starting
      return undefined;
    } catch (err) {
      e.problem = messageOf(err);
      return e.problem;
    }
  }

  private async runOutbound(e: OutboundEntry, spec: OutboundSpec): Promise<string | undefined> {
    const mtls = this.desired?.mesh.enabled ?? false;
    const identity = this.identity;
    try {
      if (e.listener) {
        if (identity && e.identity !== identity) {
          e.listener.setIdentity(identity);
          e.identity = identity;
        }
        e.listener.update({ mtls });
      } else {
        e.listener = await OutboundListener.start(
          { ...this.options.outbound, address: spec.address, port: spec.port, service: spec.service, mtls, endpoints: this.endpointsOf(spec.service) },
          { identity, logger: this.logger },
        );
        e.identity = identity;
      }
      e.spec = spec;
      e.problem = undefined;
      e.listener.setEndpoints(this.endpointsOf(spec.service)); // endpoints may have changed while the listener was starting
      return undefined;
    } catch (err) {
      e.problem = messageOf(err);
      return e.problem;
    }
  }
}
