import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/log.js';
import { sendProblem } from './context.js';

/**
 * `apiServer.corsAllowedDomains`: each entry is an origin (compared case-insensitively) or a regular
 * expression. Unlike go-restful, a regular expression must match the whole origin, so
 * `https://app\.example\.com` does not also admit `https://app.example.com.evil.net`.
 */
export function corsOriginMatcher(domains: readonly string[], log: Logger): (origin: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const d of domains) {
    exact.add(d.toLowerCase());
    if (/[\\^$*+?()[\]{}|]/.test(d)) {
      try {
        patterns.push(new RegExp(`^(?:${d})$`, 'i'));
      } catch (err) {
        log.warn({ domain: d, err: String(err) }, 'apiServer.corsAllowedDomains entry is not a valid regular expression; using it as a plain origin');
      }
    }
  }
  return (origin) => exact.has(origin.toLowerCase()) || patterns.some((p) => p.test(origin));
}

const ALLOWED_METHODS = 'GET, PUT, POST, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type';

/** onRequest hook: CORS headers for allowed origins and answers to their preflight requests. */
export function createCorsHook(domains: readonly string[], log: Logger) {
  const allowed = corsOriginMatcher(domains, log);
  return function cors(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (origin === undefined || origin === '') {
      done();
      return;
    }
    reply.header('vary', 'Origin');
    if (!allowed(origin)) {
      if (preflight) {
        sendProblem(reply, { status: 403, title: 'Access Denied', detail: 'origin is not allowed by apiServer.corsAllowedDomains' });
        return;
      }
      done();
      return;
    }
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-expose-headers', 'Access-Control-Allow-Origin');
    if (preflight) {
      reply
        .code(200)
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600')
        .send();
      return;
    }
    done();
  };
}
