import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import type { Logger } from '../../core/log.js';
import type { Component } from '../component.js';
import { closeServer, listen } from '../../net/listen.js';
import type { Metrics } from './metrics.js';

export interface DiagnosticsTls {
  secureContextOptions(): SecureContextOptions;
  applyTo(server: TlsServer): void;
}

export interface DiagnosticsOptions {
  port: number;
  /** Undefined serves plain HTTP (Kuma's default: diagnostics.tlsEnabled=false). */
  tls?: DiagnosticsTls;
  isReady: () => boolean;
  metrics: Metrics;
  /** Who leads, for `GET /leader` (several instances on one Postgres). */
  leadership?: { instanceId: string; isLeader(): boolean; currentLeader(): Promise<string | undefined> };
  log: Logger;
}

/**
 * Kuma's diagnostics server (5680): /ready (200 once every component runs, else 503), /healthy
 * (200 while the process serves), /metrics (Prometheus text); and ours: /leader (JSON: this instance's
 * id, whether it leads, and the id of the instance that does).
 */
export class DiagnosticsServer implements Component {
  readonly name = 'diagnostics';
  private server: Server | undefined;
  private boundPort = 0;

  constructor(private readonly opts: DiagnosticsOptions) {}

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      void this.handle(req, res);
    };
    const { tls } = this.opts;
    let server: Server;
    if (tls) {
      const httpsServer = createHttpsServer(tls.secureContextOptions(), handler);
      tls.applyTo(httpsServer);
      server = httpsServer;
    } else {
      server = createHttpServer(handler);
    }
    server.headersTimeout = 5_000;
    server.requestTimeout = 10_000;
    this.server = server;
    this.boundPort = await listen(server, { port: this.opts.port, name: 'diagnostics server', portSetting: 'KUMA_DIAGNOSTICS_SERVER_PORT' });
    this.opts.log.info({ port: this.boundPort, tls: tls !== undefined }, 'diagnostics server listening');
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/ready':
        res.writeHead(this.opts.isReady() ? 200 : 503).end();
        return;
      case '/healthy':
        res.writeHead(200).end();
        return;
      case '/metrics':
        try {
          const { registry } = this.opts.metrics;
          const body = await registry.metrics();
          res.writeHead(200, { 'content-type': registry.contentType }).end(body);
        } catch (err) {
          this.opts.log.error({ err: String(err) }, 'could not collect metrics');
          res.writeHead(500).end();
        }
        return;
      case '/leader': {
        const l = this.opts.leadership;
        if (!l) {
          res.writeHead(404).end();
          return;
        }
        let leader: string | null = null;
        try {
          leader = (await l.currentLeader()) ?? null;
        } catch (err) {
          this.opts.log.warn({ err: String(err) }, 'could not read the current leader');
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ instanceId: l.instanceId, isLeader: l.isLeader(), leader }));
        return;
      }
      default:
        res.writeHead(404).end();
    }
  }
}
