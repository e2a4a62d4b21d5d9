import { KumaError, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Violation } from '../core/resources/validation.js';
import { toJson } from './json-body.js';

// Kuma's error body (`/std-errors`) and the one table that maps every error code the API can meet to
// a status, title and detail (pkg/core/rest/errors/error_handler.go, first match wins).

export interface InvalidParameter {
  field: string;
  reason: string;
}

export interface Problem {
  status: number;
  title: string;
  detail: string;
  invalidParameters?: readonly InvalidParameter[];
}

/** An error that already is an HTTP answer. */
export class ApiProblemError extends KumaError {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super('ERR_API_PROBLEM', problem.detail);
    this.problem = problem;
  }
}

/** Kuma's BadRequest: 400 "Bad Request" with the text as detail. */
export class BadRequestError extends KumaError {
  constructor(message: string) {
    super('ERR_API_BAD_REQUEST', message);
  }
}

/** `size` that is not a page size (Kuma InvalidPageSizeError). */
export class InvalidPageSizeError extends KumaError {
  readonly reason: string;
  constructor(reason: string) {
    super('ERR_API_INVALID_PAGE_SIZE', reason);
    this.reason = reason;
  }
}

function params(violations: readonly Violation[]): InvalidParameter[] {
  return violations.map((v) => ({ field: v.field, reason: v.message }));
}

function field<T>(err: unknown, name: string): T | undefined {
  return typeof err === 'object' && err !== null ? ((err as Record<string, unknown>)[name] as T | undefined) : undefined;
}

/**
 * The answer for `err` raised while doing `title`. Unknown errors become a 500 without internals;
 * `internal` tells the caller to log the error.
 */
export function problemFor(err: unknown, title: string): { problem: Problem; internal: boolean } {
  const code = field<string>(err, 'code');
  const text = messageOf(err);
  switch (code) {
    case 'ERR_API_PROBLEM':
      return { problem: (err as ApiProblemError).problem, internal: false };
    case 'ERR_RESOURCE_NOT_FOUND':
      return { problem: { status: 404, title, detail: 'Not found' }, internal: false };
    case 'ERR_RESOURCE_MALFORMED':
    case 'ERR_RESOURCE_UNKNOWN_TYPE':
    case 'ERR_API_BAD_REQUEST':
      return { problem: { status: 400, title: 'Bad Request', detail: text }, internal: false };
    case 'ERR_MESH_NOT_FOUND':
      return {
        problem: { status: 400, title, detail: 'Mesh is not found', invalidParameters: [{ field: 'mesh', reason: text }] },
        internal: false,
      };
    case 'ERR_RESOURCE_INVALID':
      return { problem: { status: 400, title, detail: 'Resource is not valid', invalidParameters: params(field<Violation[]>(err, 'violations') ?? []) }, internal: false };
    case 'ERR_STORE_INVALID':
      return { problem: { status: 400, title, detail: text }, internal: false };
    case 'ERR_API_INVALID_PAGE_SIZE':
      return { problem: { status: 400, title, detail: 'Invalid page size', invalidParameters: [{ field: 'size', reason: text }] }, internal: false };
    case 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND':
      return { problem: { status: 404, title: 'Signing Key not found', detail: text }, internal: false };
    case 'ERR_RESOURCE_ALREADY_EXISTS':
    case 'ERR_RESOURCE_CONFLICT':
      return { problem: { status: 409, title: 'Conflict', detail: text }, internal: false };
    case 'ERR_ACCESS_DENIED':
      return { problem: { status: 403, title: 'Access Denied', detail: field<string>(err, 'reason') ?? text }, internal: false };
    case 'ERR_STORE_UNAVAILABLE':
      // Logged (internal) for the operator; the client learns only that nothing was applied.
      return {
        problem: { status: 503, title, detail: 'Service Unavailable: the control plane cannot reach its resource store right now; the request may not have been applied, check and retry later' },
        internal: true,
      };
    case 'ERR_TOKEN_ISSUER_DISABLED':
      return { problem: { status: 400, title, detail: text }, internal: false };
    default:
      return { problem: { status: 500, title, detail: 'Internal Server Error' }, internal: true };
  }
}

/** The `/std-errors` JSON in Kuma's field order, with the deprecated `details` and `causes`. */
export function problemBody(p: Problem): string {
  const body: Record<string, unknown> = { type: '/std-errors', status: p.status, title: p.title, detail: p.detail };
  const ip = p.invalidParameters ?? [];
  if (ip.length > 0) body['invalid_parameters'] = ip.map((x) => ({ field: x.field, reason: x.reason }));
  body['details'] = p.detail;
  if (ip.length > 0) body['causes'] = ip.map((x) => ({ field: x.field, message: x.reason }));
  return toJson(body);
}

/** problemFor + logging of internal errors (the detail the client sees never carries internals). */
export function resolveProblem(err: unknown, title: string, log: Logger): Problem {
  const { problem, internal } = problemFor(err, title);
  if (internal) log.error({ err: messageOf(err), code: field<string>(err, 'code'), title }, 'API request failed');
  return problem;
}
