/**
 * One proxied connection: the downstream socket that was accepted, the upstream socket once dialled
 * (and, inbound, the TLS socket that terminates mesh mTLS). It is finished when every socket it
 * holds has closed; its payload byte counts then move into the listener's totals.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { AuthorizationDecision, AuthorizationRequest } from './authorization.js';

const noop = (): void => {};

/** How an inbound connection was handled once its first bytes were seen. */
export type ConnectionKind = 'pending' | 'plaintext' | 'passthrough' | 'mtls';

export class ProxiedConnection {
  kind: ConnectionKind = 'pending';
  upstream: Socket | undefined;
  /** Inbound mesh mTLS: the terminating TLS socket, the peer and the decision that let it in. */
  secure: TLSSocket | undefined;
  peer: AuthorizationRequest | undefined;
  decision: AuthorizationDecision | undefined;
  private openSockets = 0;
  private finishedFlag = false;
  private readonly onFinish: (c: ProxiedConnection) => void;
  /** Which socket carries the plaintext payload, and whether its reads are the client's bytes. */
  private payload: { socket: Socket; readIsReceived: boolean } | undefined;

  constructor(
    readonly downstream: Socket,
    onFinish: (c: ProxiedConnection) => void,
  ) {
    this.onFinish = onFinish;
    this.hold(downstream);
  }

  get finished(): boolean {
    return this.finishedFlag;
  }

  /** Keeps the connection open until `socket` closes. Every socket gets an error listener: errors surface as 'close'. */
  hold(socket: Socket): void {
    socket.on('error', noop);
    this.openSockets++;
    socket.once('close', () => {
      if (--this.openSockets === 0 && !this.finishedFlag) {
        this.finishedFlag = true;
        this.onFinish(this);
      }
    });
  }

  /** Attaches the upstream; false (and the socket destroyed) when the client is already gone. */
  attachUpstream(socket: Socket): boolean {
    if (this.finishedFlag || this.downstream.destroyed) {
      socket.on('error', noop);
      socket.destroy();
      return false;
    }
    this.upstream = socket;
    this.hold(socket);
    return true;
  }

  /** Counts payload on this socket: reads are bytes received from the client when `readIsReceived`. */
  countPayloadOn(socket: Socket, readIsReceived: boolean): void {
    this.payload = { socket, readIsReceived };
  }

  bytes(): { received: number; sent: number } {
    const p = this.payload;
    if (!p) return { received: 0, sent: 0 };
    const read = p.socket.bytesRead;
    const written = p.socket.bytesWritten;
    return p.readIsReceived ? { received: read, sent: written } : { received: written, sent: read };
  }

  destroy(): void {
    this.secure?.destroy();
    this.upstream?.destroy();
    this.downstream.destroy();
  }
}
