import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import type { Logger } from '../core/log.js';
import type { ResourceRegistry } from '../core/resources/registry.js';
import type { StaticAccess } from './access.js';
import type { AuditLog } from './audit.js';
import type { ApiResourceManager, ApiTokens, InstanceInfo } from './deps.js';
import type { User } from './identity.js';
import { problemBody, resolveProblem, type Problem } from './problem.js';
import type { ResponseCache, TypeGenerations } from './response-cache.js';
import type { CpFacts } from './write-rules.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticator on every request. */
    apiUser: User;
  }
}

/** Everything route handlers share, built once per app. */
export interface ApiContext {
  config: KumaCpConfig;
  resources: ApiResourceManager;
  tokens: ApiTokens;
  registry: ResourceRegistry;
  instance: InstanceInfo;
  log: Logger;
  access: StaticAccess;
  audit: AuditLog;
  cp: CpFacts;
  generations: TypeGenerations;
  cache: ResponseCache;
  /** `apiServer.basePath` normalised to start and end with `/`. */
  basePath: string;
}

/** An error together with the title Kuma gives the step that raised it. */
export class TitledError extends Error {
  constructor(
    readonly inner: unknown,
    readonly title: string,
  ) {
    super(title);
  }
}

/** Runs `fn`, labelling any failure with `title`. */
export async function step<T>(title: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof TitledError ? err : new TitledError(err, title);
  }
}

export const JSON_TYPE = 'application/json';

/** Bodies go out as bytes so the content type stays exactly `application/json`, as Kuma sends it. */
export function sendJson(reply: FastifyReply, status: number, body: string | Buffer): FastifyReply {
  return reply.code(status).header('content-type', JSON_TYPE).send(typeof body === 'string' ? Buffer.from(body) : body);
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return sendJson(reply, problem.status, problemBody(problem));
}

/** Answers a failed handler: its titled error, or a 500 for anything unexpected (logged, never shown). */
export function sendError(ctx: ApiContext, reply: FastifyReply, err: unknown, fallbackTitle = 'Internal Server Error'): FastifyReply {
  const problem = err instanceof TitledError ? resolveProblem(err.inner, err.title, ctx.log) : resolveProblem(err, fallbackTitle, ctx.log);
  return sendProblem(reply, problem);
}

export function isTls(req: FastifyRequest): boolean {
  return (req.raw.socket as Partial<TLSSocket>).encrypted === true;
}

export function remoteAddressOf(req: FastifyRequest): string {
  return req.raw.socket.remoteAddress ?? '';
}

/** The query string parsed with WHATWG rules (our querystringParser hands back URLSearchParams). */
export function queryOf(req: FastifyRequest): URLSearchParams {
  return req.query as URLSearchParams;
}

export function pathOf(req: FastifyRequest): string {
  const url = req.raw.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function rawQueryOf(req: FastifyRequest): string {
  const url = req.raw.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}
