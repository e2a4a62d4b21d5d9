/**
 * An outbound listener of a Dataplane: listens on `127.0.0.1:<port>` (or the configured address) and
 * sends each connection to one endpoint of the target service, round robin, skipping endpoints that
 * failed recently. With mesh mTLS it dials with our identity certificate and ALPN `kuma`, verifies
 * the server's chain against the mesh roots and requires the exact URI SAN `spiffe://<mesh>/<service>`
 * (there is no host name to check: workload certificates have only URI SANs). A connection attempt
 * that fails before anything was forwarded is retried on another endpoint.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import type { Logger } from '../../core/log.js';
import type { ProxiedConnection } from './connection.js';
import { EndpointPicker, type Endpoint } from './endpoints.js';
import { ProxyMtlsError } from './errors.js';
import type { ProxyIdentity } from './identity.js';
import { KUMA_ALPN } from './client-hello.js';
import { ProxyListener } from './listener.js';
import { uriSansOf } from './peer-identity.js';
import { splice } from './splice.js';
import { explainUpstreamFailure } from './tls-failures.js';

export interface OutboundConfig {
  /** Default 127.0.0.1. */
  address?: string;
  port: number;
  /** The target's `kuma.io/service`. */
  service: string;
  /** Mesh mTLS towards the service (both meshes have mTLS on, and in PERMISSIVE the service is TLS-ready). */
  mtls: boolean;
  /** URI SANs accepted from the server (any one suffices); default `spiffe://<mesh>/<service>`. */
  expectedSpiffeIds?: readonly string[];
  /** SNI sent to the server; default Kuma's `<service>{mesh=<mesh>}`. */
  sni?: string;
  endpoints?: readonly Endpoint[];
  /** For logs and stats; default `outbound:<address>:<port>`. */
  name?: string;
  /** TCP connect plus TLS handshake, per attempt; default 5 s. */
  connectTimeoutMs?: number;
  /** Endpoints tried per connection before giving up; default 3. */
  maxConnectAttempts?: number;
  /** How long a failed endpoint is skipped; default 5 s. */
  failureBackoffMs?: number;
}

export interface OutboundDependencies {
  /** Required when mtls is true. */
  identity?: ProxyIdentity | undefined;
  logger?: Logger;
}

export type OutboundUpdate = Partial<Pick<OutboundConfig, 'mtls' | 'expectedSpiffeIds' | 'sni' | 'endpoints'>>;

/** Kuma's legacy SNI for a service: `<service>{k=v,...}` with the mesh among the tags, sorted by name. */
export function legacySni(service: string, mesh: string, tags: Readonly<Record<string, string>> = {}): string {
  const all: Record<string, string> = { ...tags, mesh };
  delete all['kuma.io/service'];
  const pairs = Object.keys(all)
    .sort()
    .map((k) => `${k}=${all[k]}`);
  return `${service}{${pairs.join(',')}}`;
}

export class OutboundListener extends ProxyListener {
  private readonly service: string;
  private mtls: boolean;
  private expected: readonly string[] | undefined;
  private sni: string | undefined;
  private readonly picker: EndpointPicker;
  private identity: ProxyIdentity | undefined;
  private readonly connectTimeoutMs: number;
  private readonly maxAttempts: number;

  static async start(config: OutboundConfig, deps: OutboundDependencies = {}): Promise<OutboundListener> {
    const l = new OutboundListener(config, deps);
    await l.listen();
    return l;
  }

  private constructor(c: OutboundConfig, deps: OutboundDependencies) {
    const address = c.address ?? '127.0.0.1';
    const name = c.name ?? `outbound:${address}:${c.port}`;
    super(name, address, c.port, `the outbound port (networking.outbound[].port ${c.port})`, `the outbound's address (networking.outbound[].address ${address})`, deps.logger);
    if (typeof c.service !== 'string' || c.service === '') throw new ProxyMtlsError('ERR_PROXY_CONFIG', `${name}: no target service given (the outbound's kuma.io/service tag)`);
    if (c.mtls && !deps.identity) {
      throw new ProxyMtlsError('ERR_PROXY_NO_IDENTITY', `${name}: mesh mTLS towards "${c.service}" needs the mesh identity (certificate and trusted roots), but none was given`);
    }
    this.service = c.service;
    this.mtls = c.mtls;
    this.expected = c.expectedSpiffeIds;
    this.sni = c.sni;
    this.identity = deps.identity;
    this.picker = new EndpointPicker(c.failureBackoffMs ?? 5_000);
    this.picker.set(c.endpoints ?? []);
    this.connectTimeoutMs = c.connectTimeoutMs ?? 5_000;
    this.maxAttempts = Math.max(1, c.maxConnectAttempts ?? 3);
  }

  /** The service's endpoints as the control plane last sent them; applies to new connections. */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.picker.set(endpoints);
  }

  endpoints(): readonly Endpoint[] {
    return this.picker.list();
  }

  /** Gives a running listener the mesh identity (or another ProxyIdentity object); new dials use it. */
  setIdentity(identity: ProxyIdentity): void {
    this.identity = identity;
  }

  update(u: OutboundUpdate): void {
    if (u.mtls === true && !this.identity) throw new ProxyMtlsError('ERR_PROXY_NO_IDENTITY', `${this.name}: mesh mTLS needs the mesh identity; give it with setIdentity first`);
    if (u.mtls !== undefined) this.mtls = u.mtls;
    if (u.expectedSpiffeIds !== undefined) this.expected = u.expectedSpiffeIds;
    if (u.sni !== undefined) this.sni = u.sni;
    if (u.endpoints !== undefined) this.picker.set(u.endpoints);
  }

  protected handle(conn: ProxiedConnection): void {
    conn.countPayloadOn(conn.downstream, true);
    if (this.picker.size === 0) {
      this.count('noEndpoints');
      this.limiter.log('warn', 'no-endpoints', { service: this.service }, `no endpoint for service "${this.service}": connection closed at once (the control plane has sent no endpoint for it; is the service running and in this mesh?)`);
      conn.downstream.destroy();
      return;
    }
    this.dial(conn, new Set(), 0);
  }

  private expectedIds(): readonly string[] {
    return this.expected ?? [`spiffe://${(this.identity as ProxyIdentity).mesh}/${this.service}`];
  }

  private checkServer(cert: PeerCertificate, expected: readonly string[], at: string): Error | undefined {
    const uris = uriSansOf(cert.raw);
    if (uris.some((u) => expected.includes(u))) return undefined;
    return new ProxyMtlsError(
      'ERR_PROXY_PEER_IDENTITY',
      `the server at ${at} presents [${uris.join(', ')}] but ${expected.length === 1 ? `${expected[0]} is` : `one of [${expected.join(', ')}] is`} required: it is not an instance of service "${this.service}"`,
    );
  }

  /** One connection attempt; on failure before anything was forwarded, the next endpoint is tried. */
  private dial(conn: ProxiedConnection, tried: Set<string>, attempt: number): void {
    const ep = this.picker.pick(tried);
    if (!ep || conn.finished) {
      if (!conn.finished) this.limiter.log('warn', 'exhausted', { service: this.service, tried: [...tried] }, `no endpoint of service "${this.service}" could be reached; connection closed`);
      conn.destroy();
      return;
    }
    const at = EndpointPicker.key(ep);
    tried.add(at);
    const mtls = this.mtls;
    const expected = mtls ? this.expectedIds() : [];
    // No happy eyeballs: it may swap the socket's handle after TLS has wrapped it.
    const tcp = netConnect({ host: ep.address, port: ep.port, allowHalfOpen: true, noDelay: true, autoSelectFamily: false });
    const upstream: Socket = mtls
      ? tlsConnect({
          socket: tcp,
          secureContext: (this.identity as ProxyIdentity).clientContext(),
          ALPNProtocols: [KUMA_ALPN],
          servername: this.sni ?? legacySni(this.service, (this.identity as ProxyIdentity).mesh),
          rejectUnauthorized: true,
          checkServerIdentity: (_host: string, cert: PeerCertificate) => this.checkServer(cert, expected, at),
        })
      : tcp;
    let settled = false;
    const timer = setTimeout(() => fail(Object.assign(new Error(`no connection within ${this.connectTimeoutMs} ms`), { code: 'ERR_PROXY_CONNECT_TIMEOUT' })), this.connectTimeoutMs);
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      upstream.destroy();
      tcp.destroy();
      this.picker.failed(ep);
      const tlsProblem = mtls && !(err as { syscall?: unknown }).syscall && (err as { code?: unknown }).code !== 'ERR_PROXY_CONNECT_TIMEOUT';
      this.count(tlsProblem ? 'handshakeFailures' : 'upstreamFailures');
      this.limiter.log('warn', 'upstream', { service: this.service, endpoint: at, attempt: attempt + 1, reason: explainUpstreamFailure(err) }, 'cannot connect to an endpoint of the service');
      if (attempt + 1 < this.maxAttempts) this.dial(conn, tried, attempt + 1);
      else conn.destroy();
    };
    const ready = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.picker.succeeded(ep);
      if (!conn.attachUpstream(upstream)) return;
      if (upstream !== tcp) conn.hold(tcp);
      splice(conn.downstream, upstream);
    };
    tcp.on('error', fail);
    if (upstream !== tcp) upstream.on('error', fail);
    upstream.once(mtls ? 'secureConnect' : 'connect', ready);
  }
}
