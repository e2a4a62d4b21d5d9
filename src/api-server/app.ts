import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { builtinRegistry } from '../core/resources/registry.js';
import { StaticAccess } from './access.js';
import { AuditLog } from './audit.js';
import { createAuthenticator } from './authn.js';
import { type ApiContext, sendProblem } from './context.js';
import { createCorsHook } from './cors.js';
import type { ApiServerDeps } from './deps.js';
import { ANONYMOUS, type User } from './identity.js';
import { ResponseCache, TypeGenerations } from './response-cache.js';
import { registerMetaRoutes } from './routes-meta.js';
import { methodTable, registerResourceRoutes } from './routes-resources.js';
import { registerTokenRoutes } from './routes-tokens.js';
import { cpFactsOf } from './write-rules.js';

/** Request bodies above this are refused with 413 (resources are small; this is plenty). */
export const MAX_BODY_BYTES = 1024 * 1024;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ApiApp {
  /** The fastify instance; `inject()` works on it once `ready()` resolved. */
  readonly app: FastifyInstance;
  /** The Node request handler both listeners (HTTP and HTTPS) share. */
  readonly handler: RequestHandler;
  readonly context: ApiContext;
  close(): Promise<void>;
}

function normaliseBasePath(p: string): string {
  let out = p.startsWith('/') ? p : `/${p}`;
  if (!out.endsWith('/')) out += '/';
  return out;
}

/** Statuses of fastify's own errors, worded for API clients. */
function frameworkProblem(err: FastifyError): { status: number; title: string; detail: string } | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, title: 'Payload Too Large', detail: `the request body is larger than ${MAX_BODY_BYTES} bytes, the most the API accepts` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, title: 'Unsupported Media Type', detail: 'the request body must be JSON: send it with Content-Type: application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, title: 'Bad Request', detail: 'the Content-Length header does not match the body' };
    default:
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        return { status: err.statusCode, title: 'Bad Request', detail: 'the request could not be read' };
      }
      return undefined;
  }
}

/**
 * The API as one fastify app, not bound to any port: both listeners (createApiServer) hand their
 * requests to `handler`. Hooks: CORS (when configured), then authentication; routes: meta, resources,
 * tokens; every other path and method gets a `/std-errors` body.
 */
export async function buildApiApp(deps: ApiServerDeps): Promise<ApiApp> {
  const cfg = deps.config;
  const log = deps.logger.child({ component: 'api-server' });
  let handler: RequestHandler | undefined;
  const app = Fastify({
    // Our listeners call `handler` themselves; this server is never bound.
    serverFactory: (h) => {
      handler = h as RequestHandler;
      return createServer(h);
    },
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: {
      // Resource names may be 253 characters long.
      maxParamLength: 1024,
      // Kuma's query parameters follow Go's url.Values; URLSearchParams keeps order and repeats.
      querystringParser: (s: string) => new URLSearchParams(s) as unknown as Record<string, unknown>,
    },
    // Paths with broken %-encoding.
    frameworkErrors: (_err, req, reply) => {
      sendProblem(reply, { status: 400, title: 'Bad Request', detail: `the path ${JSON.stringify((req.raw.url ?? '').split('?')[0])} is not valid URL encoding` });
    },
    logger: false,
    disableRequestLogging: true,
    return503OnClosing: false,
  });
  const generations = new TypeGenerations(deps.resources);
  const ctx: ApiContext = {
    config: cfg,
    resources: deps.resources,
    tokens: deps.tokens,
    registry: deps.registry ?? builtinRegistry,
    instance: deps.instance,
    log,
    access: new StaticAccess(cfg.access.static),
    audit: new AuditLog(deps.logger),
    cp: cpFactsOf(cfg),
    generations,
    cache: new ResponseCache(),
    basePath: normaliseBasePath(cfg.apiServer.basePath),
  };

  app.decorateRequest('apiUser', null as unknown as User);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    done(null, typeof body === 'string' ? body : body.toString('utf8'));
  });

  if (cfg.apiServer.corsAllowedDomains.length > 0) app.addHook('onRequest', createCorsHook(cfg.apiServer.corsAllowedDomains, log));
  const guiPrefix = '/gui';
  const indexPath = ctx.basePath;
  app.addHook(
    'onRequest',
    createAuthenticator({
      localhostIsAdmin: cfg.apiServer.authn.localhostIsAdmin,
      validator: deps.tokens.userValidator,
      skipAuth: (url) => url.startsWith(guiPrefix) || url.split('?')[0] === indexPath,
      log,
      audit: ctx.audit,
      secretsGeneration: () => generations.get('GlobalSecret'),
    }),
  );

  const table = methodTable(app, (allow) => async (_req: FastifyRequest, reply: FastifyReply) => {
    sendProblem(reply.header('allow', allow), { status: 405, title: 'Method not Allowed', detail: `this path only accepts ${allow}` });
  });
  registerMetaRoutes(ctx, (m, p, h) => table.add(m, p, h));
  registerResourceRoutes(ctx, (m, p, h) => table.add(m, p, h));
  registerTokenRoutes(ctx, (m, p, h) => table.add(m, p, h));
  table.install();

  app.setNotFoundHandler((req, reply) => {
    req.apiUser ??= ANONYMOUS;
    sendProblem(reply, { status: 404, title: 'Not Found', detail: `there is no API endpoint ${req.method} ${(req.raw.url ?? '/').split('?')[0]}` });
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const known = frameworkProblem(err);
    if (known === undefined) log.error({ err: err.message, code: err.code }, 'API request failed');
    sendProblem(reply, known ?? { status: 500, title: 'Internal Server Error', detail: 'Internal Server Error' });
  });

  await app.ready();
  if (handler === undefined) throw new Error('fastify did not call serverFactory');
  const h = handler;
  return {
    app,
    handler: h,
    context: ctx,
    async close() {
      generations.close();
      ctx.cache.clear();
      await app.close();
    },
  };
}
