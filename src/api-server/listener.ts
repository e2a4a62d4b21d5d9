import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from '../core/log.js';
import type { ReloadingServerCredentials } from '../tls/server-credentials.js';
import { closeServer, listen } from '../net/listen.js';
import type { RequestHandler } from './app.js';

export interface ListenerOptions {
  /** Component name: `api-server-http` / `api-server-https`. */
  name: string;
  interface: string;
  port: number;
  /** The env var to change when the port is taken (named in the error). */
  portSetting: string;
  handler: RequestHandler;
  /** HTTPS when given; certificate hot reload follows it. */
  tls?: ReloadingServerCredentials;
  timeouts: { readHeaderMs: number; readMs: number; idleMs: number };
  log: Logger;
  /** Called after a successful start, and after stopping a started listener. */
  onStarted?: () => void;
  onStopped?: () => void;
}

/** One API listener: a Node HTTP or HTTPS server on its port, handing requests to the shared app. */
export class ApiListener {
  readonly name: string;
  private server: Server | undefined;
  private boundPort = 0;
  private detachTls: (() => void) | undefined;

  constructor(private readonly opts: ListenerOptions) {
    this.name = opts.name;
  }

  /** The port actually bound (useful with port 0); 0 before start. */
  get port(): number {
    return this.boundPort;
  }

  get isTls(): boolean {
    return this.opts.tls !== undefined;
  }

  async start(_signal?: AbortSignal): Promise<void> {
    const { tls, handler, timeouts } = this.opts;
    const server = tls ? createHttpsServer(tls.serverOptions(), handler) : createHttpServer(handler);
    // Kuma's readHeaderTimeout / readTimeout / idleTimeout; Node needs headersTimeout <= requestTimeout.
    server.requestTimeout = timeouts.readMs;
    server.headersTimeout = timeouts.readMs > 0 && timeouts.readHeaderMs > timeouts.readMs ? timeouts.readMs : timeouts.readHeaderMs;
    server.keepAliveTimeout = timeouts.idleMs;
    if (tls) this.detachTls = tls.applyTo(server as unknown as import('node:tls').Server);
    this.server = server;
    this.boundPort = await listen(server, {
      port: this.opts.port,
      host: this.opts.interface,
      name: 'API server',
      portSetting: this.opts.portSetting,
      interfaceSetting: this.opts.portSetting.replace(/_PORT$/, '_INTERFACE'),
    });
    this.opts.log.info({ interface: this.opts.interface, port: this.boundPort, tls: tls !== undefined }, `API server listening on ${tls ? 'HTTPS' : 'HTTP'}`);
    this.opts.onStarted?.();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    this.detachTls?.();
    await closeServer(server);
    this.opts.onStopped?.();
  }
}
