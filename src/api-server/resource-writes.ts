import type { FastifyReply, FastifyRequest } from 'fastify';
import { enabledBackendName, mtlsWithoutPermissionWarning } from '../managers/mesh-ca/index.js';
import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { computeLabels } from '../core/resources/labels.js';
import { dns1035LabelErrors } from '../core/resources/meta-rules.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';
import { deprecationsOf } from '../core/resources/validate.js';
import { ResourceValidationError } from '../core/resources/validation.js';
import type { AuditOutcome } from './audit.js';
import { type ApiContext, TitledError, remoteAddressOf, sendError, sendJson, sendProblem, step } from './context.js';
import { toJson } from './json-body.js';
import { BadRequestError } from './problem.js';
import { parseResourceBody, type ResourceBody } from './resource-body.js';
import { ensureMesh } from './resource-reads.js';
import { isReadOnlyType, labelContextOf, readOnlyMessage, validateImmutableLabels, validateOriginForWrite, validateResourceRequest } from './write-rules.js';

const WORKLOAD_LABEL = 'kuma.io/workload';

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ERR_RESOURCE_NOT_FOUND';
}

function outcomeOf(status: number): AuditOutcome {
  if (status < 300) return 'success';
  return status === 401 || status === 403 || status === 405 ? 'denied' : 'failed';
}

/** Runs a write handler and records its audit line from the status it answered with. */
async function audited(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, action: 'put' | 'delete', desc: ResourceTypeDescriptor, run: (setAction: (a: string) => void) => Promise<void>): Promise<void> {
  const params = req.params as Record<string, string>;
  let finalAction: string = action;
  try {
    await run((a) => {
      finalAction = a;
    });
  } finally {
    const status = reply.statusCode;
    ctx.audit.record({
      user: req.apiUser,
      action: finalAction,
      resourceType: desc.name,
      ...(params['mesh'] !== undefined ? { mesh: params['mesh'] } : {}),
      name: params['name'] ?? '',
      remoteAddress: remoteAddressOf(req),
      outcome: outcomeOf(status),
      status,
    });
  }
}

function readOnlyAnswer(ctx: ApiContext, reply: FastifyReply): void {
  sendProblem(reply, { status: 405, title: 'Method not allowed', detail: readOnlyMessage(ctx.cp) });
}

/** Kuma: a universal Dataplane may carry `kuma.io/workload` only on a zone CP and only as a DNS-1035 label. */
function checkWorkloadLabel(ctx: ApiContext, desc: ResourceTypeDescriptor, labels: Record<string, string>): void {
  if (desc.name !== 'Dataplane') return;
  const workload = labels[WORKLOAD_LABEL];
  if (workload === undefined || workload === '') return;
  if (ctx.cp.mode === 'global') throw new BadRequestError(`labels["${WORKLOAD_LABEL}"]: not allowed on Global control plane`);
  const errs = dns1035LabelErrors(workload);
  if (errs.length > 0) {
    throw new BadRequestError(`labels["${WORKLOAD_LABEL}"]: must be a valid DNS-1035 label (at most 63 characters, matching regex [a-z]([-a-z0-9]*[a-z0-9])?): ${errs.join('; ')}`);
  }
}

async function successBody(ctx: ApiContext, desc: ResourceTypeDescriptor, name: string, body: ResourceBody): Promise<string> {
  const warnings = deprecationsOf(desc, { name, spec: body.spec });
  // Ours: mTLS on with no MeshTrafficPermission denies all traffic (as in Kuma); say so.
  if (desc.name === 'Mesh' && enabledBackendName(body.spec) !== '') {
    const mtps = await ctx.resources.list('MeshTrafficPermission', { mesh: name, pageSize: 1 });
    if (mtps.total === 0) warnings.push(mtlsWithoutPermissionWarning(name));
  }
  return toJson(warnings.length > 0 ? { warnings } : {});
}

/** PUT: create (201) or update (200), Kuma's createOrUpdateResource with access checked first. */
export function putResource(ctx: ApiContext, desc: ResourceTypeDescriptor, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  return audited(ctx, req, reply, 'put', desc, async (setAction) => {
    if (isReadOnlyType(ctx.cp, desc)) {
      readOnlyAnswer(ctx, reply);
      return;
    }
    const params = req.params as Record<string, string>;
    const name = params['name'] ?? '';
    try {
      const mesh = await ensureMesh(ctx, desc, params['mesh']);
      await step('Access Denied', () => ctx.access.checkWrite(req.apiUser, desc));
      const text = typeof req.body === 'string' ? req.body : '';
      const body = await step('Could not process a resource', () => parseResourceBody(ctx.registry, desc, text));
      const key: ResourceKey = { type: desc.name, mesh, name };
      const existing = await step('Failed to find a resource', async () => {
        try {
          return await ctx.resources.get(key);
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      });
      const violations = validateResourceRequest(ctx.cp, desc, name, mesh, body.meta);
      if (violations.length > 0) throw new TitledError(new ResourceValidationError(violations), 'Could not process a resource');
      const labelCtx = labelContextOf(ctx.cp);
      if (existing === undefined) {
        setAction('create');
        await step('Invalid workload label', () => checkWorkloadLabel(ctx, desc, body.meta.labels));
        const labels = computeLabels(desc, body.spec, body.meta.labels, mesh, labelCtx);
        await step('Failed to create a resource', () =>
          ctx.resources.create({ type: desc.name, meta: { name, mesh, labels }, spec: body.spec, ...(desc.hasStatus && body.status !== undefined ? { status: body.status } : {}) }),
        );
        ctx.generations.bump(desc.name);
        sendJson(reply, 201, await successBody(ctx, desc, name, body));
        return;
      }
      setAction('update');
      const currentLabels = computeLabels(desc, existing.spec, existing.meta.labels, mesh, labelCtx);
      const labels = computeLabels(desc, body.spec, body.meta.labels, mesh, labelCtx);
      const immutable = validateImmutableLabels(currentLabels, labels);
      if (immutable.length > 0) throw new TitledError(new ResourceValidationError(immutable), 'Could not update a resource');
      const next: Resource = { ...existing, meta: { ...existing.meta, labels }, spec: body.spec };
      if (desc.hasStatus && body.status !== undefined) next.status = body.status;
      // Optimistic: the version read above; a concurrent writer in between makes this a 409.
      await step('Failed to update a resource', () => ctx.resources.update(next));
      ctx.generations.bump(desc.name);
      sendJson(reply, 200, await successBody(ctx, desc, name, body));
    } catch (err) {
      sendError(ctx, reply, err);
    }
  });
}

/** DELETE: 200 `{}`; the access check comes before the lookup so a denied caller cannot probe names. */
export function deleteResource(ctx: ApiContext, desc: ResourceTypeDescriptor, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  return audited(ctx, req, reply, 'delete', desc, async () => {
    if (isReadOnlyType(ctx.cp, desc)) {
      readOnlyAnswer(ctx, reply);
      return;
    }
    const params = req.params as Record<string, string>;
    try {
      const mesh = await ensureMesh(ctx, desc, params['mesh']);
      await step('Access Denied', () => ctx.access.checkWrite(req.apiUser, desc));
      const key: ResourceKey = { type: desc.name, mesh, name: params['name'] ?? '' };
      const existing = await step('Could not delete a resource', () => ctx.resources.get(key));
      const origin = validateOriginForWrite(ctx.cp, desc, existing.meta.labels);
      if (origin.length > 0) throw new TitledError(new ResourceValidationError(origin), 'Could not delete a resource');
      try {
        await step('Could not delete a resource', () => ctx.resources.delete(key));
      } finally {
        ctx.generations.bump(desc.name);
      }
      sendJson(reply, 200, '{}');
    } catch (err) {
      sendError(ctx, reply, err);
    }
  });
}
