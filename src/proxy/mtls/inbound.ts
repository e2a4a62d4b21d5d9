/**
 * An inbound listener of a Dataplane: listens on `address:port` and forwards to the application at
 * `serviceAddress:servicePort`. With mesh mTLS off it is a plain TCP forwarder. STRICT accepts only
 * mesh mTLS; PERMISSIVE tells plaintext, the application's own TLS and mesh mTLS apart by the first
 * bytes (a ClientHello offering ALPN `kuma` is mesh mTLS), as Envoy's tls_inspector does.
 *
 * Mesh mTLS: the client must present a certificate chaining to the mesh roots with a URI SAN
 * `spiffe://<mesh>/...`; then the permission hook decides. Only mesh mTLS connections are subject to
 * permissions (plaintext and passthrough have no identity, as in Kuma).
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { decide, denyAll, type AuthorizationDecision, type AuthorizationRequest, type Authorizer } from './authorization.js';
import { KUMA_ALPN } from './client-hello.js';
import type { ProxiedConnection } from './connection.js';
import { ProxyMtlsError } from './errors.js';
import { readFirstBytes } from './first-bytes.js';
import type { ProxyIdentity } from './identity.js';
import { ProxyListener } from './listener.js';
import { MeshTlsTerminator } from './mesh-tls-server.js';
import { describePeer } from './peer-identity.js';
import { splice } from './splice.js';

export type InboundMode = 'OFF' | 'STRICT' | 'PERMISSIVE';

export interface InboundConfig {
  /** Listen address (networking.address or the inbound's own address). */
  address: string;
  port: number;
  /** Where the application listens; default 127.0.0.1. */
  serviceAddress?: string;
  servicePort: number;
  /** OFF when the mesh has mTLS off. */
  mode: InboundMode;
  /** The compiled permission for this inbound; default deny all (mTLS on and no permission, as in Kuma). */
  authorize?: Authorizer;
  /** For logs and stats; default `inbound:<address>:<port>`. */
  name?: string;
  /** How long to wait for the first bytes before deciding (PERMISSIVE: then plaintext). Default 15 s, Envoy's listener filter timeout. */
  sniffTimeoutMs?: number;
  /** Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Dialling the application; default 5 s. */
  connectTimeoutMs?: number;
}

export interface InboundDependencies {
  /** Required unless the mode is OFF. */
  identity?: ProxyIdentity | undefined;
  logger?: Logger;
}

export type InboundUpdate = Partial<Pick<InboundConfig, 'mode' | 'serviceAddress' | 'servicePort' | 'authorize'>>;

export class InboundListener extends ProxyListener {
  private mode: InboundMode;
  private serviceAddress: string;
  private servicePort: number;
  private authorizer: Authorizer;
  private identity: ProxyIdentity | undefined;
  private meshTls: MeshTlsTerminator | undefined;
  private readonly sniffTimeoutMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  /** Binds and starts accepting. Throws ProxyMtlsError for a bad config, KumaError ERR_LISTEN when the port is taken. */
  static async start(config: InboundConfig, deps: InboundDependencies = {}): Promise<InboundListener> {
    const l = new InboundListener(config, deps);
    try {
      await l.listen();
    } catch (err) {
      l.meshTls?.close();
      throw err;
    }
    return l;
  }

  private constructor(c: InboundConfig, deps: InboundDependencies) {
    const name = c.name ?? `inbound:${c.address}:${c.port}`;
    super(name, c.address, c.port, `the inbound port (networking.inbound[].port ${c.port})`, `the Dataplane's networking.address, or the inbound's own address (${c.address})`, deps.logger);
    checkPort(c.servicePort, name, 'servicePort');
    this.mode = c.mode;
    this.serviceAddress = c.serviceAddress ?? '127.0.0.1';
    this.servicePort = c.servicePort;
    this.authorizer = c.authorize ?? denyAll;
    this.identity = deps.identity;
    this.sniffTimeoutMs = c.sniffTimeoutMs ?? 15_000;
    this.handshakeTimeoutMs = c.handshakeTimeoutMs ?? 10_000;
    this.connectTimeoutMs = c.connectTimeoutMs ?? 5_000;
    if (deps.identity) {
      this.meshTls = this.terminatorFor(deps.identity);
    } else if (c.mode !== 'OFF') {
      throw new ProxyMtlsError('ERR_PROXY_NO_IDENTITY', `${name}: mode ${c.mode} needs the mesh identity (certificate and trusted roots), but none was given; pass it, or use mode OFF when the mesh has mTLS off`);
    }
  }

  private terminatorFor(identity: ProxyIdentity): MeshTlsTerminator {
    return new MeshTlsTerminator(
      identity,
      this.handshakeTimeoutMs,
      { authenticated: (conn, secure, peer) => this.onAuthenticated(conn, secure, peer), failed: (reason, remote, err) => this.onHandshakeFailed(reason, remote, err) },
      this.logger,
    );
  }

  /**
   * Gives a running listener the mesh identity (or another ProxyIdentity object), so a listener
   * started with mTLS off can go STRICT or PERMISSIVE without a rebind. New handshakes use it;
   * handshakes already under way finish with the previous one.
   */
  setIdentity(identity: ProxyIdentity): void {
    if (identity === this.identity) return;
    const previous = this.meshTls;
    this.meshTls = this.terminatorFor(identity);
    this.identity = identity;
    previous?.close();
  }

  /** Applies to new connections; a new `authorize` is also applied to open ones (see reauthorize). */
  update(u: InboundUpdate): void {
    if (u.mode !== undefined && u.mode !== 'OFF' && !this.identity) {
      throw new ProxyMtlsError('ERR_PROXY_NO_IDENTITY', `${this.name}: mode ${u.mode} needs the mesh identity; give it with setIdentity first`);
    }
    if (u.servicePort !== undefined) checkPort(u.servicePort, this.name, 'servicePort');
    if (u.mode !== undefined && u.mode !== this.mode) {
      this.logger.info({ from: this.mode, to: u.mode }, 'inbound mTLS mode changed; applies to new connections');
      this.mode = u.mode;
      if (u.mode === 'STRICT') this.closeNonMesh();
    }
    if (u.serviceAddress !== undefined) this.serviceAddress = u.serviceAddress;
    if (u.servicePort !== undefined) this.servicePort = u.servicePort;
    if (u.authorize !== undefined) this.reauthorize(u.authorize);
  }

  /**
   * Replaces the permission and re-evaluates every open mesh mTLS connection: the newly denied are
   * closed at once. Returns how many were checked and closed.
   */
  reauthorize(authorize: Authorizer): { checked: number; closed: number } {
    this.authorizer = authorize;
    let checked = 0;
    let closed = 0;
    for (const conn of this.open) {
      if (!conn.peer || conn.finished) continue;
      checked++;
      const d = decide(authorize, conn.peer);
      if (d.action === 'deny') {
        closed++;
        this.count('denied');
        this.logDecision(conn, d, 'open connection closed: the traffic permission now denies it');
        conn.destroy();
        continue;
      }
      if (d.shadowDeny && !conn.decision?.shadowDeny) {
        this.count('shadowDenied');
        this.logDecision(conn, d, 'open connection would now be denied (shadow deny, kept open)');
      }
      conn.decision = d;
    }
    if (closed > 0) this.logger.info({ checked, closed }, 'permissions re-evaluated on open connections');
    return { checked, closed };
  }

  /** Going STRICT: connections without mesh mTLS (plaintext, passthrough) must not outlive the change. */
  private closeNonMesh(): void {
    let closed = 0;
    for (const conn of this.open) {
      if (conn.kind === 'plaintext' || conn.kind === 'passthrough') {
        closed++;
        conn.destroy();
      }
    }
    if (closed > 0) this.logger.info({ closed }, 'closed open connections without mesh mTLS: the inbound is now STRICT');
  }

  override stop(drainMs = 0): Promise<void> {
    this.meshTls?.close();
    return super.stop(drainMs);
  }

  protected handle(conn: ProxiedConnection): void {
    if (this.mode === 'OFF') {
      this.forwardPlain(conn, 'plaintext');
      return;
    }
    this.sniff(conn, this.mode);
  }

  /**
   * Dispatches on the first bytes. STRICT waits for the whole ClientHello too: a truncated or forged
   * one is closed here, at once, instead of holding a TLS handshake open until its timeout.
   */
  private sniff(conn: ProxiedConnection, mode: 'STRICT' | 'PERMISSIVE'): void {
    readFirstBytes(conn.downstream, this.sniffTimeoutMs, (r) => {
      switch (r.kind) {
        case 'closed':
          conn.destroy();
          return;
        case 'bad-tls':
          this.handshakeFailed(conn, r.reason);
          return;
        case 'tls':
          if (mode === 'STRICT' || r.alpn.includes(KUMA_ALPN)) this.terminate(conn);
          else this.forwardPlain(conn, 'passthrough');
          return;
        case 'silent':
          // PERMISSIVE: a server-speaks-first protocol (SMTP, MySQL...); no ClientHello will come.
          if (mode === 'STRICT') this.handshakeFailed(conn, `the client sent nothing for ${this.sniffTimeoutMs} ms`);
          else this.forwardPlain(conn, 'plaintext');
          return;
        case 'not-tls':
          if (mode === 'STRICT') this.refusePlaintext(conn);
          else this.forwardPlain(conn, 'plaintext');
      }
    });
  }

  /** Plaintext or the application's own TLS: bytes go to the application untouched, no identity, no permission. */
  private forwardPlain(conn: ProxiedConnection, kind: 'plaintext' | 'passthrough'): void {
    this.count(kind);
    conn.kind = kind;
    this.forward(conn, conn.downstream);
  }

  private refusePlaintext(conn: ProxiedConnection): void {
    this.count('plaintextRefused');
    this.limiter.log('info', 'plaintext', { remote: remoteOf(conn.downstream) }, 'plaintext connection refused: this inbound is STRICT and accepts only mesh mTLS');
    conn.downstream.destroy();
  }

  private handshakeFailed(conn: ProxiedConnection, reason: string): void {
    this.count('handshakeFailures');
    this.limiter.log('info', 'handshake', { remote: remoteOf(conn.downstream), reason }, 'mesh mTLS handshake failed; connection closed');
    conn.destroy();
  }

  private terminate(conn: ProxiedConnection): void {
    this.count('mtls');
    conn.kind = 'mtls';
    (this.meshTls as MeshTlsTerminator).terminate(conn);
  }

  private onHandshakeFailed(reason: string, remote: string | undefined, err: unknown): void {
    if (this.stopping && (err as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET') return; // closed by the drain
    this.count('handshakeFailures');
    this.limiter.log('info', 'handshake', { remote, reason }, 'mesh mTLS handshake failed; connection closed');
  }

  /** Permission check at handshake time: deny closes, shadow deny is logged and counted only. */
  private onAuthenticated(conn: ProxiedConnection, secure: TLSSocket, peer: AuthorizationRequest): void {
    conn.peer = peer;
    const d = decide(this.authorizer, peer);
    conn.decision = d;
    if (d.action === 'deny') {
      this.count('denied');
      this.logDecision(conn, d, 'connection denied by traffic permission');
      conn.destroy();
      return;
    }
    if (d.shadowDeny) {
      this.count('shadowDenied');
      this.logDecision(conn, d, 'connection allowed, but a shadow deny matches (AllowWithShadowDeny)');
    }
    this.forward(conn, secure);
  }

  private logDecision(conn: ProxiedConnection, d: AuthorizationDecision & { error?: unknown }, msg: string): void {
    const peer = conn.peer;
    const fields: Record<string, unknown> = {
      peer: peer ? describePeer(peer) : undefined,
      sni: peer?.sni,
      rule: d.rule,
      remote: remoteOf(conn.downstream),
    };
    if (d.error !== undefined) fields['error'] = messageOf(d.error);
    this.limiter.log('info', 'decision', fields, msg);
  }

  /** Dials the application and joins it with `client` (the raw socket, or the TLS socket for mesh mTLS). */
  private forward(conn: ProxiedConnection, client: Socket): void {
    const app = netConnect({ host: this.serviceAddress, port: this.servicePort, allowHalfOpen: true, noDelay: true });
    if (!conn.attachUpstream(app)) return;
    conn.countPayloadOn(app, false);
    const target = `${this.serviceAddress}:${this.servicePort}`;
    app.setTimeout(this.connectTimeoutMs, () => app.destroy(new Error(`no answer within ${this.connectTimeoutMs} ms`)));
    app.once('connect', () => app.setTimeout(0));
    app.once('error', (err: NodeJS.ErrnoException) => {
      if (app.connecting || app.bytesRead + app.bytesWritten === 0) {
        this.count('upstreamFailures');
        const why = err.code === 'ECONNREFUSED' ? 'connection refused: is the application running and listening there?' : messageOf(err);
        this.limiter.log('warn', 'upstream', { application: target, reason: why }, 'cannot reach the application behind this inbound; connection closed');
      }
    });
    splice(client, app);
  }
}

function checkPort(port: number, name: string, field: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ProxyMtlsError('ERR_PROXY_CONFIG', `${name}: ${field} ${port} is not a port; use a number from 1 to 65535`);
  }
}

const remoteOf = (s: Socket): string | undefined => (s.remoteAddress === undefined ? undefined : `${s.remoteAddress}:${s.remotePort}`);
