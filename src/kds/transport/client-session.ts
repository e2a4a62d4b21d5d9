/**
 * The zone's ONE HTTP/2 connection to the global for one connection attempt, given to connect's gRPC
 * transport as its session manager: both KDS streams share it, nothing reconnects behind our back
 * (the client's loop does, with backoff and a diagnosis), and closing it ends both streams. Owning
 * the session also means an error event always has a listener (connect-node's own manager can drop
 * its listener while a failing session is still closing, which crashes the process).
 */
import { connect, type ClientHttp2Session, type ClientHttp2Stream, type ClientSessionRequestOptions, type OutgoingHttpHeaders, type SecureClientSessionOptions } from 'node:http2';
import type { GrpcTransportOptions } from '@connectrpc/connect-node';
import { KdsError } from './kds-errors.js';
import { keepSessionAlive, type KeepaliveOptions } from '../../net/http2-keepalive.js';

/** connect-node's session-manager shape (not exported by name). */
type SessionManager = NonNullable<GrpcTransportOptions['sessionManager']>;

export interface ClientSessionOptions {
  /** `https://host:port` or `http://host:port`. */
  baseUrl: string;
  /** TLS options (CA, client certificate, ...); undefined for plaintext. */
  tls: SecureClientSessionOptions | undefined;
  keepalive: KeepaliveOptions;
  connectTimeoutMs: number;
}

export class KdsClientSession implements SessionManager {
  readonly authority: string;
  private session: ClientHttp2Session | undefined;
  /** The first error of the session (what broke it). */
  private failure: unknown;

  private constructor(private readonly opts: ClientSessionOptions) {
    this.authority = new URL(opts.baseUrl).origin;
  }

  /** Connects (TCP, TLS, HTTP/2 settings); rejects with the Node error (TLS, refused) or a timeout. */
  static open(opts: ClientSessionOptions): Promise<KdsClientSession> {
    const s = new KdsClientSession(opts);
    return s.connect().then(() => s);
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const session = connect(this.opts.baseUrl, { ...(this.opts.tls ?? {}) });
      this.session = session;
      const timer = setTimeout(() => {
        const err = new KdsError('ERR_KDS_CONNECT_TIMEOUT', `no connection within ${this.opts.connectTimeoutMs} ms`);
        this.failure ??= err;
        session.destroy();
        reject(err);
      }, this.opts.connectTimeoutMs);
      // Kept for the life of the session: an 'error' event without a listener would crash the process.
      session.on('error', (err) => {
        this.failure ??= err;
        clearTimeout(timer);
        reject(err);
      });
      session.once('connect', () => {
        clearTimeout(timer);
        keepSessionAlive(session, this.opts.keepalive);
        resolve();
      });
    });
  }

  get closed(): boolean {
    return this.session === undefined || this.session.closed || this.session.destroyed;
  }

  /** What broke the session, if it broke. */
  get error(): unknown {
    return this.failure;
  }

  request(method: string, path: string, headers: OutgoingHttpHeaders, options: Omit<ClientSessionRequestOptions, 'signal'>): Promise<ClientHttp2Stream> {
    const session = this.session;
    if (session === undefined || session.closed || session.destroyed) {
      return Promise.reject(this.failure ?? new KdsError('ERR_KDS_STREAM_CLOSED', 'the connection to the global control plane is closed'));
    }
    try {
      return Promise.resolve(session.request({ ...headers, ':method': method, ':path': path }, options));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  notifyResponseByteRead(): void {}

  /** Ends the connection and every stream on it. */
  close(): void {
    const session = this.session;
    if (session !== undefined && !session.destroyed) session.destroy();
  }
}
