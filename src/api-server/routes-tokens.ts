import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseDataplaneTokenRequest, parseUserTokenRequest, parseZoneTokenRequest, type TokenRequestResult } from '../tokens/index.js';
import { ResourceValidationError } from '../core/resources/validation.js';
import type { AuditOutcome } from './audit.js';
import { type ApiContext, TitledError, remoteAddressOf, sendError, step } from './context.js';
import { MalformedJsonError, parseJsonBody } from './json-body.js';
import { BadRequestError } from './problem.js';

// POST /tokens/user (always at the root, as in Kuma), {basePath}tokens/dataplane and
// {basePath}tokens/zone (spec security §5.5). Success: 200 text/plain with the token.

type Add = (method: 'POST', path: string, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<void>) => void;

/**
 * The body as a JSON value. Kuma answers an unreadable body with a bare 400; here the 400 says why.
 */
function readBody(req: FastifyRequest): unknown {
  const text = typeof req.body === 'string' ? req.body : '';
  try {
    return parseJsonBody(text);
  } catch (err) {
    if (err instanceof MalformedJsonError) throw new BadRequestError(`could not read the request body: ${err.reason}`);
    throw err;
  }
}

/** ok → value; malformed → 400 Bad Request; invalid → 400 "Invalid request" with the violations. */
function accept<T>(result: TokenRequestResult<T>): { value: T; validForMs: number } {
  if (result.kind === 'malformed') throw new BadRequestError(`could not read the request body: ${result.reason}`);
  if (result.kind === 'invalid') throw new TitledError(new ResourceValidationError(result.violations), 'Invalid request');
  return { value: result.value, validForMs: result.validForMs };
}

function outcomeOf(status: number): AuditOutcome {
  if (status < 300) return 'success';
  return status === 401 || status === 403 ? 'denied' : 'failed';
}

export function registerTokenRoutes(ctx: ApiContext, add: Add): void {
  const sendToken = (reply: FastifyReply, token: string): void => {
    reply.code(200).header('content-type', 'text/plain').send(token);
  };
  const audited = async (req: FastifyRequest, reply: FastifyReply, action: string, run: (details: Record<string, unknown>) => Promise<void>): Promise<void> => {
    const details: Record<string, unknown> = {};
    try {
      await run(details);
    } catch (err) {
      sendError(ctx, reply, err, 'Could not issue a token');
    } finally {
      ctx.audit.record({ user: req.apiUser, action, remoteAddress: remoteAddressOf(req), outcome: outcomeOf(reply.statusCode), status: reply.statusCode, details });
    }
  };

  add('POST', '/tokens/user', (req, reply) =>
    audited(req, reply, 'issue-user-token', async (details) => {
      // Kuma checks access before it reads the body.
      await step('Could not issue a token', () => ctx.access.checkGenerateUserToken(req.apiUser));
      const { value, validForMs } = accept(parseUserTokenRequest(readBody(req)));
      Object.assign(details, { subject: value.name, subjectGroups: value.groups, validForMs });
      const token = await step('Could not issue a token', () => ctx.tokens.userIssuer.issue(value, validForMs));
      sendToken(reply, token);
    }),
  );

  add('POST', `${ctx.basePath}tokens/dataplane`, (req, reply) =>
    audited(req, reply, 'issue-dataplane-token', async (details) => {
      // Kuma validates the body first, then checks access.
      const { value, validForMs } = accept(parseDataplaneTokenRequest(readBody(req)));
      Object.assign(details, { mesh: value.mesh, subject: value.name, tags: value.tags, type: value.type, workload: value.workload, validForMs });
      await step('Could not issue a token', () => ctx.access.checkGenerateDataplaneToken(req.apiUser));
      const token = await step('Could not issue a token', () => ctx.tokens.dataplaneIssuer.issue(value, validForMs));
      sendToken(reply, token);
    }),
  );

  const zoneIssuer = ctx.tokens.zoneIssuer;
  if (zoneIssuer === undefined) return;
  add('POST', `${ctx.basePath}tokens/zone`, (req, reply) =>
    audited(req, reply, 'issue-zone-token', async (details) => {
      const body = readBody(req);
      const zone = typeof body === 'object' && body !== null && typeof (body as Record<string, unknown>)['zone'] === 'string' ? ((body as Record<string, unknown>)['zone'] as string) : '';
      // Kuma checks access first (its reason names the zone), then the body.
      await step('Could not issue a token', () => ctx.access.checkGenerateZoneToken(req.apiUser, zone));
      const { value, validForMs } = accept(parseZoneTokenRequest(body));
      if (value.scope === null) throw new TitledError(new ResourceValidationError([{ field: 'scope', message: 'cannot be empty' }]), 'Invalid request');
      Object.assign(details, { zone: value.zone, scope: value.scope, validForMs });
      const token = await step('Could not issue a token', () => zoneIssuer.issue(value, validForMs));
      sendToken(reply, token);
    }),
  );
}
