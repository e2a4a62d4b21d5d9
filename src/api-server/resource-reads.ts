import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { toEnvelope } from '../core/resources/envelope.js';
import type { JsonObject } from '../core/resources/json.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';
import { ResourceValidationError } from '../core/resources/validation.js';
import { pageOf as pageItems } from '../store/list-query.js';
import type { ListOptions, ResourceList } from '../store/resource-store.js';
import { BadRequestError } from './problem.js';
import { type ApiContext, isTls, pathOf, queryOf, rawQueryOf, sendError, sendJson, step } from './context.js';
import { toJson } from './json-body.js';
import { listFilterOf } from './list-filters.js';
import { toOverviewEnvelope } from './overview.js';
import { nextLink, pageOf } from './pagination.js';

export const MESH_TYPE = 'Mesh';

/** Kuma's meshFromRequest: a mesh-scoped route's mesh must exist (404 "Failed to retrieve Mesh"). */
export async function ensureMesh(ctx: ApiContext, desc: ResourceTypeDescriptor, mesh: string | undefined): Promise<string> {
  if (desc.scope !== 'mesh' || mesh === undefined) return '';
  await step('Failed to retrieve Mesh', () => ctx.resources.get({ type: MESH_TYPE, mesh: '', name: mesh }));
  return mesh;
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ERR_RESOURCE_NOT_FOUND';
}

/** `format=`: only the universal rendering exists here. */
function checkFormat(query: URLSearchParams): void {
  const format = query.get('format') ?? '';
  if (format === '' || format === 'universal') return;
  if (format === 'k8s' || format === 'kubernetes') throw new BadRequestError(`format ${format} is not supported: kuma-ts serves resources in the universal format only`);
  throw new ResourceValidationError([{ field: '', message: '"format" must be one of ["k8s", "kubernetes", "universal"]' }]);
}

export interface ReadRoute {
  desc: ResourceTypeDescriptor;
  /** Route pattern in Kuma's notation, for filter error fields (`/meshes/{mesh}/dataplanes`). */
  routePath: string;
  /** The companion insight type when this is an overview route. */
  insightType?: string;
}

/** GET one resource (or its overview). */
export async function getResource(ctx: ApiContext, route: ReadRoute, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { desc } = route;
  const params = req.params as Record<string, string>;
  try {
    const mesh = await ensureMesh(ctx, desc, params['mesh']);
    await step('Access Denied', () => ctx.access.checkRead(req.apiUser, desc));
    const key: ResourceKey = { type: desc.name, mesh, name: params['name'] ?? '' };
    const resource = await step('Could not retrieve a resource', () => ctx.resources.get(key));
    let body: JsonObject;
    if (route.insightType !== undefined) {
      const insightType = route.insightType;
      const insight = await step('Could not retrieve insights', async () => {
        try {
          return await ctx.resources.get({ ...key, type: insightType });
        } catch (err) {
          if (isNotFound(err)) return null;
          throw err;
        }
      });
      body = toOverviewEnvelope(desc, resource, insightType, insight);
    } else {
      await step('Could not retrieve a resource', () => checkFormat(queryOf(req)));
      body = toEnvelope(desc, resource);
    }
    sendJson(reply, 200, toJson(body));
  } catch (err) {
    sendError(ctx, reply, err);
  }
}

/** Store listing plus, when needed, a predicate and paging done here. */
async function listItems(ctx: ApiContext, type: string, opts: ListOptions, predicate: ((r: Resource) => boolean) | undefined): Promise<ResourceList> {
  if (predicate === undefined) return ctx.resources.list(type, opts);
  const { pageSize, pageOffset, ...filters } = opts;
  const all = await ctx.resources.list(type, filters);
  const paging: ListOptions = {};
  if (pageSize !== undefined) paging.pageSize = pageSize;
  if (pageOffset !== undefined) paging.pageOffset = pageOffset;
  return pageItems(all.items.filter(predicate), paging);
}

/** GET a list (or overview list), with Kuma's checks in its order and a cached body per generation. */
export async function listResources(ctx: ApiContext, route: ReadRoute, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { desc } = route;
  const params = req.params as Record<string, string>;
  try {
    // Hot path first: access (per caller), then a cached body. Only successful lists are cached, so a
    // hit means the page, filters and mesh of this exact query were fine at this generation.
    // (Access before Kuma's parameter checks: a denied caller learns nothing, not even about meshes.)
    ctx.access.checkRead(req.apiUser, desc);
    const tls = isTls(req);
    const host = req.headers.host ?? '';
    const meshParam = params['mesh'];
    const types = route.insightType === undefined ? [desc.name, MESH_TYPE] : [desc.name, MESH_TYPE, route.insightType];
    const cacheKey = `${route.routePath}\u0000${meshParam ?? ''}\u0000${tls ? 's' : ''}\u0000${host}\u0000${rawQueryOf(req)}`;
    // Taken before reading: a change that lands while we read makes this entry stale at once.
    const stamp = ctx.generations.stamp(types);
    const cached = ctx.cache.get(cacheKey, stamp);
    if (cached !== undefined) {
      sendJson(reply, 200, cached);
      return;
    }
    const query = queryOf(req);
    const page = await step('Could not retrieve resources', () => pageOf(query));
    const filter = await step('Could not retrieve resources', () => listFilterOf(desc, query, route.routePath));
    const mesh = await ensureMesh(ctx, desc, meshParam);
    const opts: ListOptions = { pageSize: page.size, pageOffset: page.offset };
    if (mesh !== '') opts.mesh = mesh;
    const name = query.get('name') ?? '';
    if (name !== '') opts.nameContains = name;
    if (Object.keys(filter.labels).length > 0) opts.labels = filter.labels;
    const list = await step('Could not retrieve resources', () => listItems(ctx, desc.name, opts, filter.predicate));
    let items: JsonObject[];
    if (route.insightType !== undefined) {
      const insightType = route.insightType;
      const insights = await step('Could not retrieve resources', () => ctx.resources.list(insightType, mesh !== '' ? { mesh } : {}));
      const byKey = new Map(insights.items.map((i) => [`${i.meta.mesh}\u0000${i.meta.name}`, i]));
      items = list.items.map((r) => toOverviewEnvelope(desc, r, insightType, byKey.get(`${r.meta.mesh}\u0000${r.meta.name}`)));
    } else {
      items = list.items.map((r) => toEnvelope(desc, r));
    }
    const next = nextLink({ tls, host, path: pathOf(req), query }, list.next);
    const body = Buffer.from(toJson({ total: list.total, items, next }));
    ctx.cache.set(cacheKey, stamp, body);
    sendJson(reply, 200, body);
  } catch (err) {
    sendError(ctx, reply, err);
  }
}
