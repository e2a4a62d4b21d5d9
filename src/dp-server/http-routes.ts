/**
 * Request routing on the DP server's single TLS port: `POST /bootstrap` (HTTP/1.1 and HTTP/2), the
 * gRPC config stream (HTTP/2 only), and a 404 with a hint for everything else (most often kumactl or
 * a browser pointed at 5678 instead of the API server).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { ConfigService } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { handleBootstrap, hostOfAuthority, type BootstrapContext } from './bootstrap.js';
import { noHttpMetrics, type DpHttpMetrics } from './http-metrics.js';
import { isGrpcContentType } from './grpc/request-headers.js';

export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

/** `/kuma.dp.v1.ConfigService/` */
export const CONFIG_SERVICE_PATH_PREFIX = `/${ConfigService.typeName}/`;

export interface RouteOptions {
  bootstrap: BootstrapContext;
  bodyLimitBytes: number;
  logger: Logger;
  /** Serves a gRPC call (an HTTP/2 POST with a gRPC content type). */
  grpc: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  /** Kuma's dp_server_http_* metrics of the plain HTTP requests. */
  metrics?: DpHttpMetrics;
}

/** Records the request in the HTTP metrics once its response is over (or the client went away). */
function observe(metrics: DpHttpMetrics, path: string, req: AnyRequest, res: AnyResponse): void {
  const end = metrics.begin(path, String(req.method ?? ''));
  const done = (): void => end(res.statusCode, Number(res.getHeader('content-length') ?? 0));
  res.once('finish', done);
  res.once('close', done);
}

function reply(res: AnyResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const buf = Buffer.from(body, 'utf8');
  const all: Record<string, string | number> = { ...headers, 'content-length': buf.length };
  if (body !== '' && headers['content-type'] === undefined) all['content-type'] = 'text/plain; charset=utf-8';
  (res as ServerResponse).writeHead(status, all);
  res.end(buf);
}

export function notFoundText(path: string): string {
  return (
    `404 page not found: ${JSON.stringify(path.slice(0, 200))} is not served here. This is the DP server of the Kuma control plane ` +
    '(dpServer.port, 5678 by default): it serves only POST /bootstrap and the kuma-dp config stream (gRPC). ' +
    'The REST API (/meshes, /tokens, ...) and kumactl talk to the API server (port 5681, or 5682 for HTTPS, by default).'
  );
}

export function createRequestListener(opts: RouteOptions): (req: AnyRequest, res: AnyResponse) => void {
  const metrics = opts.metrics ?? noHttpMetrics;
  return (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    const contentType = String(req.headers['content-type'] ?? '');
    if (!(req.httpVersionMajor >= 2 && isGrpcContentType(contentType))) observe(metrics, path, req, res);
    if (path === '/bootstrap') {
      void bootstrapRoute(opts, req, res);
      return;
    }
    if (path.startsWith(CONFIG_SERVICE_PATH_PREFIX)) {
      if (req.httpVersionMajor < 2) {
        reply(res, 505, `The config stream (${path.slice(0, 200)}) is gRPC: it needs HTTP/2 (negotiated with TLS ALPN "h2") and content-type application/grpc, but this request came over HTTP/${req.httpVersion}. Use a gRPC client.`, {
          connection: 'close',
        });
        return;
      }
      if (!isGrpcContentType(contentType)) {
        reply(res, 415, `The config stream (${path.slice(0, 200)}) speaks gRPC only: content-type must be application/grpc or application/grpc+proto, got ${JSON.stringify(contentType.slice(0, 100))}.`);
        return;
      }
    }
    if (req.httpVersionMajor >= 2 && isGrpcContentType(contentType)) {
      if (req.method !== 'POST') {
        reply(res, 405, `gRPC calls are HTTP/2 POST requests; got ${JSON.stringify(String(req.method).slice(0, 20))}.`, { allow: 'POST' });
        return;
      }
      // Unknown services and methods get gRPC's UNIMPLEMENTED there, which gRPC clients understand.
      opts.grpc(req as Http2ServerRequest, res as Http2ServerResponse);
      return;
    }
    reply(res, 404, notFoundText(path));
  };
}

async function bootstrapRoute(opts: RouteOptions, req: AnyRequest, res: AnyResponse): Promise<void> {
  try {
    if (req.method !== 'POST') {
      reply(res, 405, 'POST /bootstrap with the JSON body kuma-dp sends; other methods are not allowed.', { allow: 'POST' });
      return;
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > opts.bodyLimitBytes) return tooLarge(opts, req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > opts.bodyLimitBytes) return tooLarge(opts, req, res);
      chunks.push(chunk);
    }
    const authority = String(req.headers[':authority'] ?? req.headers.host ?? '');
    const result = await handleBootstrap(opts.bootstrap, Buffer.concat(chunks).toString('utf8'), hostOfAuthority(authority));
    if (result.status !== 200) opts.logger.info({ status: result.status, reason: result.body.slice(0, 300) }, 'bootstrap request refused');
    reply(res, result.status, result.body, result.body === '' ? {} : { 'content-type': result.contentType });
  } catch (err) {
    opts.logger.error({ reason: messageOf(err) }, 'could not generate a bootstrap configuration');
    reply(res, 500, 'internal error while generating the bootstrap configuration; see the control plane log');
  }
}

function tooLarge(opts: RouteOptions, req: AnyRequest, res: AnyResponse): void {
  reply(res, 413, `request body too large: /bootstrap accepts at most ${opts.bodyLimitBytes} bytes`, req.httpVersionMajor < 2 ? { connection: 'close' } : {});
  // Stop reading the rest; HTTP/1 closes the connection after the answer, HTTP/2 resets only this stream.
  res.once('finish', () => {
    if (req.httpVersionMajor < 2) req.socket.destroySoon?.();
    else (req as Http2ServerRequest).stream.close();
  });
}
