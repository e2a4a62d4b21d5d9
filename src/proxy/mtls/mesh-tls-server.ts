/**
 * Terminates mesh mTLS for one inbound: the client must present a certificate that chains to the
 * mesh roots (verified by OpenSSL) and carries a URI SAN `spiffe://<mesh>/...` (checked here, as
 * Envoy's SAN matcher does). It uses a tls.Server that never listens: the inbound hands it sockets
 * after sniffing (emit 'connection'), and its secure context follows the ProxyIdentity, so new
 * certificates and roots apply to new handshakes only.
 */
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { AuthorizationRequest } from './authorization.js';
import { KUMA_ALPN } from './client-hello.js';
import type { ProxiedConnection } from './connection.js';
import type { ProxyIdentity } from './identity.js';
import { describePeer, identityFromUris, isWorkloadOfMesh, uriSansOf } from './peer-identity.js';
import { explainHandshakeFailure } from './tls-failures.js';

export interface MeshTlsEvents {
  /** The client is an authenticated workload of the mesh; `conn.secure` is set and held. */
  authenticated(conn: ProxiedConnection, secure: TLSSocket, peer: AuthorizationRequest): void;
  /** The handshake or the identity check failed; the connection is already being closed. */
  failed(reason: string, remote: string | undefined, err: unknown): void;
}

const tupleOf = (s: Socket): string => `${s.localAddress}|${s.localPort}|${s.remoteAddress}|${s.remotePort}`;

export class MeshTlsTerminator {
  private readonly server: TlsServer;
  private readonly unsubscribe: () => void;
  /** Connections between handing the socket to TLS and the handshake's end, by 4-tuple. */
  private readonly handshaking = new Map<string, ProxiedConnection>();

  constructor(
    private readonly identity: ProxyIdentity,
    handshakeTimeoutMs: number,
    private readonly events: MeshTlsEvents,
    logger: Logger,
  ) {
    this.server = createTlsServer({
      ...identity.serverOptions(),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: [KUMA_ALPN],
      handshakeTimeout: handshakeTimeoutMs,
    });
    this.server.on('secureConnection', (s: TLSSocket) => this.onSecure(s));
    this.server.on('tlsClientError', (err: Error, s: TLSSocket) => this.onTlsError(err, s));
    this.unsubscribe = identity.onUpdate(() => {
      try {
        this.server.setSecureContext(identity.serverOptions());
      } catch (err) {
        logger.error({ error: messageOf(err) }, 'cannot apply the new mesh identity to this inbound; new connections keep the previous one');
      }
    });
  }

  /** Starts the TLS handshake on a raw socket whose first bytes (put back) are a ClientHello. */
  terminate(conn: ProxiedConnection): void {
    const key = tupleOf(conn.downstream);
    this.handshaking.set(key, conn);
    conn.downstream.once('close', () => this.handshaking.delete(key));
    this.server.emit('connection', conn.downstream);
  }

  close(): void {
    this.unsubscribe();
  }

  /**
   * A failed handshake. The TLS socket may already be destroyed here (Node destroys a socket whose
   * client certificate failed verification, then reports "socket hang up" with the real reason in
   * authorizationError), so this does not look the connection up: closing the TLS socket closes the
   * raw one, which finishes the connection.
   */
  private onTlsError(err: Error, s: TLSSocket): void {
    const remote = s.remoteAddress === undefined ? undefined : `${s.remoteAddress}:${s.remotePort}`;
    s.destroy();
    this.events.failed(explainHandshakeFailure(err, s.authorizationError), remote, err);
  }

  private onSecure(s: TLSSocket): void {
    const key = tupleOf(s);
    const conn = this.handshaking.get(key);
    this.handshaking.delete(key);
    if (!conn || conn.finished) {
      s.destroy();
      return;
    }
    conn.secure = s;
    conn.hold(s);
    const identity = identityFromUris(uriSansOf(s.getPeerX509Certificate() ?? new Uint8Array()));
    const mesh = this.identity.mesh;
    if (!isWorkloadOfMesh(identity, mesh)) {
      const remote = s.remoteAddress === undefined ? undefined : `${s.remoteAddress}:${s.remotePort}`;
      conn.destroy();
      this.events.failed(`the client certificate (${describePeer(identity)}) has no URI SAN spiffe://${mesh}/...: it is not a workload of mesh "${mesh}"`, remote, undefined);
      return;
    }
    const servername = (s as TLSSocket & { servername?: unknown }).servername; // the SNI the client sent, false when none
    this.events.authenticated(conn, s, { ...identity, sni: typeof servername === 'string' && servername !== '' ? servername : undefined });
  }
}
