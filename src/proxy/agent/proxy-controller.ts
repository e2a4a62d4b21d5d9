/**
 * What kuma-dp does with the config stream: the Dataplane config reshapes the listeners, the
 * endpoints and permissions go to them, and the mesh identity is kept fresh. The identity is
 * requested with a CSR for a key made here (identity-keys.ts) as soon as the mesh has mTLS on,
 * again when the Dataplane's identity changes (its tags), and renewed at the `renew_at` the control
 * plane sets (80 % of the lifetime); a refusal is logged and retried with backoff while the current
 * certificate stays in use. Every new certificate and root set applies to new connections only, so
 * renewal and CA rotation never drop a live connection.
 */
import { X509Certificate } from 'node:crypto';
import { messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { ResourceKind, type DataplaneConfig, type DiscoveryResponse, type EndpointsConfig, type IdentityConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { spkiOf } from '../../pki/index.js';
import type { IdentityMaterial } from '../mtls/index.js';
import type { ConfigHandler, StreamRequest } from './config-stream-client.js';
import { identityUrisOf, newIdentityKey, type IdentityKey } from './identity-keys.js';

/** The listeners side (DataPath): each call returns a problem text to NACK, or undefined. */
export interface DataPathPort {
  applyDataplane(config: DataplaneConfig): Promise<string | undefined>;
  applyIdentity(material: IdentityMaterial | undefined): Promise<string | undefined>;
  applyEndpoints(config: EndpointsConfig): string | undefined;
  applyPermissions(json: string): string | undefined;
}

export interface ProxyControllerOptions {
  /** First delay before asking again after a refused identity request; doubles up to `identityRetryMaxMs`. */
  identityRetryMs?: number;
  identityRetryMaxMs?: number;
  /** Called once the first Dataplane config is applied. */
  onFirstConfig?: () => void;
}

/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ProxyController implements ConfigHandler {
  /** The latest applied Dataplane config. */
  config: DataplaneConfig | undefined;
  /** The latest applied identity answer (undefined before the first, or with mTLS off). */
  identity: IdentityConfig | undefined;
  /** The key of the certificate in use, and the key whose request is not answered yet. */
  private key: IdentityKey | undefined;
  private pending: IdentityKey | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private send: (request: StreamRequest) => boolean = () => false;
  private stopped = false;

  constructor(
    private readonly dataPath: DataPathPort,
    private readonly logger: Logger,
    private readonly opts: ProxyControllerOptions = {},
  ) {
    this.retryMs = opts.identityRetryMs ?? 2_000;
  }

  /** Where identity requests go (the stream client's send). */
  attach(send: (request: StreamRequest) => boolean): void {
    this.send = send;
  }

  subscriptions(): StreamRequest[] {
    const subs: StreamRequest[] = [{ kind: ResourceKind.ENDPOINTS }, { kind: ResourceKind.PERMISSIONS }];
    const csr = (this.pending ?? this.key)?.csrPem;
    if (csr !== undefined) subs.push({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem: csr } });
    return subs;
  }

  async apply(r: DiscoveryResponse): Promise<string | undefined> {
    try {
      switch (r.payload.case) {
        case 'dataplane':
          return await this.applyDataplane(r.payload.value);
        case 'identity':
          return await this.applyIdentity(r.payload.value);
        case 'endpoints':
          return this.dataPath.applyEndpoints(r.payload.value);
        case 'permissions':
          return this.dataPath.applyPermissions(r.payload.value.permissionsJson);
        default:
          return `response of kind ${r.kind} carries no payload this proxy understands`;
      }
    } catch (err) {
      this.logger.error({ kind: ResourceKind[r.kind], reason: messageOf(err) }, 'could not apply a config response');
      return `could not apply the response: ${messageOf(err)}`;
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.retryTimer);
  }

  private async applyDataplane(config: DataplaneConfig): Promise<string | undefined> {
    const invalid = checkConfig(config);
    if (invalid !== undefined) return invalid;
    // A listener that cannot start (its port is taken) is NACKed, but the rest of the config is in
    // force, as Envoy does with a listener it cannot bind: the proxy is live and retries it later.
    const problem = await this.dataPath.applyDataplane(config);
    const first = this.config === undefined;
    this.config = config;
    if (first) this.opts.onFirstConfig?.();
    if (config.mesh?.mtlsEnabled === true) await this.requestIdentityIfChanged(config);
    return problem;
  }

  /** Asks for a certificate when there is none for the Dataplane's current identity (first time, or its tags changed). */
  private async requestIdentityIfChanged(config: DataplaneConfig): Promise<void> {
    let uris: string[];
    try {
      uris = identityUrisOf(config.dataplaneJson);
    } catch (err) {
      this.logger.error({ reason: messageOf(err) }, 'this Dataplane has no mesh identity, so its proxy cannot take part in mesh mTLS');
      return;
    }
    const current = (this.pending ?? this.key)?.uris;
    if (current !== undefined && current.join('\n') === uris.join('\n')) return;
    await this.requestIdentity(uris, current === undefined ? 'first identity request' : 'the Dataplane identity changed');
  }

  private async requestIdentity(uris: readonly string[], why: string): Promise<void> {
    if (this.stopped) return;
    this.pending = await newIdentityKey(uris);
    this.logger.info({ uris, why }, 'requesting a mesh identity certificate (new key, CSR)');
    this.send({ kind: ResourceKind.IDENTITY, identityRequest: { csrPem: this.pending.csrPem } });
  }

  private async applyIdentity(id: IdentityConfig): Promise<string | undefined> {
    if (!id.mtlsEnabled) {
      clearTimeout(this.renewTimer);
      clearTimeout(this.retryTimer);
      this.key = this.pending = undefined;
      this.identity = undefined;
      return this.dataPath.applyIdentity(undefined);
    }
    if (id.error !== undefined) {
      this.logger.warn({ code: id.errorCode, reason: id.error.message, retryInMs: this.retryMs }, 'the control plane refused to issue the mesh identity; keeping the current certificate and asking again');
      this.scheduleRetry();
      return undefined;
    }
    let spki: Buffer;
    try {
      spki = spkiOf(new X509Certificate(id.certPem).publicKey);
    } catch (err) {
      return `the identity certificate cannot be read: ${messageOf(err)}`;
    }
    const key = [this.pending, this.key].find((k) => k !== undefined && k.spki.equals(spki));
    if (key === undefined) return 'the identity certificate is for a key this proxy did not request';
    const mesh = this.config?.mesh?.name ?? '';
    const roots = Object.values(id.rootsByBackend);
    const problem = await this.dataPath.applyIdentity({
      mesh,
      certChainPem: id.chainPem === '' ? id.certPem : id.chainPem,
      privateKey: key.privateKey,
      trustedRootsPem: roots.length > 0 ? roots : [id.rootsPem],
    });
    if (problem !== undefined) return problem;
    if (key === this.pending) this.pending = undefined;
    this.key = key;
    this.identity = id;
    this.retryMs = this.opts.identityRetryMs ?? 2_000;
    clearTimeout(this.retryTimer);
    this.logger.info({ backend: id.issuedBackend, supportedBackends: id.supportedBackends, expiresAt: id.expiresAt, renewAt: id.renewAt }, 'mesh identity certificate applied');
    this.scheduleRenewal(key, Date.parse(id.renewAt));
    return undefined;
  }

  private scheduleRenewal(key: IdentityKey, at: number): void {
    clearTimeout(this.renewTimer);
    if (this.stopped || Number.isNaN(at)) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now()));
    this.renewTimer = setTimeout(() => {
      if (wait === MAX_TIMER_MS) return this.scheduleRenewal(key, at);
      void this.requestIdentity(key.uris, 'renewal').catch((err: unknown) => this.logger.error({ reason: messageOf(err) }, 'could not renew the mesh identity'));
    }, wait);
    this.renewTimer.unref();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.opts.identityRetryMaxMs ?? 60_000);
    this.retryTimer = setTimeout(() => {
      // Ask again with a fresh key for the Dataplane's current identity (its tags may have changed meanwhile).
      const uris = this.config ? safeUris(this.config) : undefined;
      if (uris !== undefined) void this.requestIdentity(uris, 'retry after a refusal').catch(() => {});
    }, wait);
    this.retryTimer.unref();
  }
}

function safeUris(config: DataplaneConfig): string[] | undefined {
  try {
    return identityUrisOf(config.dataplaneJson);
  } catch {
    return undefined;
  }
}

/** What this proxy cannot apply: a Dataplane JSON it cannot read, or no inbound/outbound port. */
function checkConfig(c: DataplaneConfig): string | undefined {
  try {
    JSON.parse(c.dataplaneJson);
  } catch {
    return 'dataplaneJson is not valid JSON';
  }
  const bad = [...(c.desired?.inbounds ?? []), ...(c.desired?.outbounds ?? [])].find((x) => x.port === 0 || x.port > 65535);
  return bad === undefined ? undefined : `port ${bad.port} is not a valid listener port`;
}
