import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import type { ApiContext } from './context.js';
import { getResource, listResources, type ReadRoute } from './resource-reads.js';
import { deleteResource, putResource } from './resource-writes.js';

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Kuma's legacy overview paths (typeToLegacyOverviewPath). */
const LEGACY_OVERVIEW: Record<string, string> = { Dataplane: 'dataplanes+insights', Zone: 'zones+insights' };

/**
 * The REST paths of every registered type: mesh-scoped under /meshes/{mesh}/<path> (and the list
 * across meshes at /<path>), global-scoped at /<path>; the alternative path too; overviews for types
 * with insights. `add` receives Kuma-notation patterns (`{mesh}`), converted to fastify's `:mesh`.
 */
export function registerResourceRoutes(ctx: ApiContext, add: (method: 'GET' | 'PUT' | 'DELETE', kumaPath: string, handler: Handler) => void): void {
  const base = ctx.basePath;
  for (const desc of ctx.registry.all()) {
    const insightType = desc.insightType !== undefined && ctx.registry.find(desc.insightType) ? desc.insightType : undefined;
    for (const path of [desc.wsPath, desc.alternativeWsPath].filter((p): p is string => p !== undefined && p !== '')) {
      const prefixes = desc.scope === 'mesh' ? [`${base}meshes/{mesh}/${path}`, `${base}${path}`] : [`${base}${path}`];
      for (const prefix of prefixes) addTypeRoutes(ctx, add, desc, prefix, prefix.includes('{mesh}') || desc.scope === 'global', insightType, path);
    }
  }
}

function addTypeRoutes(
  ctx: ApiContext,
  add: (method: 'GET' | 'PUT' | 'DELETE', kumaPath: string, handler: Handler) => void,
  desc: ResourceTypeDescriptor,
  prefix: string,
  withItems: boolean,
  insightType: string | undefined,
  path: string,
): void {
  const routePath = prefix;
  const list: ReadRoute = { desc, routePath };
  add('GET', prefix, (req, reply) => listResources(ctx, list, req, reply));
  if (withItems) {
    const item: ReadRoute = { desc, routePath: `${routePath}/{name}` };
    add('GET', `${prefix}/{name}`, (req, reply) => getResource(ctx, item, req, reply));
    add('PUT', `${prefix}/{name}`, (req, reply) => putResource(ctx, desc, req, reply));
    add('DELETE', `${prefix}/{name}`, (req, reply) => deleteResource(ctx, desc, req, reply));
  }
  if (insightType === undefined) return;
  const overviewList: ReadRoute = { desc, routePath: `${routePath}/_overview`, insightType };
  add('GET', `${prefix}/_overview`, (req, reply) => listResources(ctx, overviewList, req, reply));
  if (withItems) {
    const overviewItem: ReadRoute = { desc, routePath: `${routePath}/{name}/_overview`, insightType };
    add('GET', `${prefix}/{name}/_overview`, (req, reply) => getResource(ctx, overviewItem, req, reply));
  }
  const legacy = LEGACY_OVERVIEW[desc.name];
  if (legacy !== undefined && path === desc.wsPath) {
    const legacyPrefix = prefix.slice(0, prefix.length - path.length) + legacy;
    const legacyRoute = legacyPrefix;
    add('GET', legacyPrefix, (req, reply) => listResources(ctx, { desc, routePath: legacyRoute, insightType }, req, reply));
    if (withItems) add('GET', `${legacyPrefix}/{name}`, (req, reply) => getResource(ctx, { desc, routePath: `${legacyRoute}/{name}`, insightType }, req, reply));
  }
}

/** `{mesh}` → `:mesh` for fastify. */
export function toFastifyPath(kumaPath: string): string {
  return kumaPath.replace(/\{(\w+)\}/g, ':$1');
}

/** Registers `handlers` on `path` and answers every other method with 405 (as go-restful does). */
export function methodTable(app: FastifyInstance, onMethodNotAllowed: (allow: string) => Handler) {
  const table = new Map<string, Map<string, Handler>>();
  return {
    add(method: string, kumaPath: string, handler: Handler): void {
      let m = table.get(kumaPath);
      if (!m) {
        m = new Map();
        table.set(kumaPath, m);
      }
      m.set(method, handler);
    },
    install(): void {
      const all = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'];
      for (const [kumaPath, methods] of table) {
        const url = toFastifyPath(kumaPath);
        const allow = [...methods.keys()].join(', ');
        for (const [method, handler] of methods) app.route({ method, url, handler });
        const others = all.filter((m) => !methods.has(m));
        if (others.length > 0) app.route({ method: others, url, handler: onMethodNotAllowed(allow) });
      }
    },
  };
}
