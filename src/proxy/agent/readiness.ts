/**
 * The readiness endpoint (`GET /ready` on KUMA_READINESS_PORT): 200 READY once the proxy holds an
 * ACKed config, 503 NOT_READY before, 503 TERMINATING while draining (Kuma's texts).
 */
import { createServer, type Server } from 'node:http';
import { closeServer, listen } from '../../net/listen.js';

export type Readiness = 'NOT_READY' | 'READY' | 'TERMINATING';

export class ReadinessServer {
  state: Readiness = 'NOT_READY';
  private server: Server | undefined;

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url !== '/ready' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(this.state === 'READY' ? 200 : 503, { 'content-type': 'text/plain' }).end(this.state);
    });
    this.server = server;
    return listen(server, { port, host, name: 'kuma-dp readiness server', portSetting: 'KUMA_READINESS_PORT' });
  }

  async close(): Promise<void> {
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    await closeServer(s);
  }
}
