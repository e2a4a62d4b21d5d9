import type { JsonObject } from '../../../core/resources/json.js';
import { isObject, objAt, strAt, uintAt } from '../../../core/resources/json.js';
import { builtinRegistry, type ResourceRegistry } from '../../../core/resources/registry.js';
import type { ApiClient } from '../api/api-client.js';
import { renderTable } from '../output/table.js';
import { dataplaneStatus } from './dataplane-status.js';
import { answerError, listAllPages, listDataplaneOverviews, parseJsonObject } from './overview-client.js';

// `kumactl inspect meshes` prints Kuma's MeshInsight resources (GET /mesh-insights, computed by a
// control-plane component). kuma-ts's control plane does not keep MeshInsights, so when the server
// answers 404 kumactl builds the same summary itself from the meshes, their dataplane overviews and
// policy counts; against a Kuma server the stored insights are used as they are.

/** The legacy policy columns of Kuma's table, in order: [header, policy type]. */
export const MESH_INSIGHT_POLICY_COLUMNS: readonly (readonly [string, string])[] = [
  ['TRAFFIC PERMISSIONS', 'TrafficPermission'],
  ['TRAFFIC ROUTES', 'TrafficRoute'],
  ['CIRCUIT BREAKERS', 'CircuitBreaker'],
  ['HEALTH CHECKS', 'HealthCheck'],
  ['FAULT INJECTIONS', 'FaultInjection'],
  ['EXTERNAL SERVICES', 'ExternalService'],
  ['TRAFFIC TRACES', 'TrafficTrace'],
  ['TRAFFIC LOGS', 'TrafficLog'],
  ['PROXY TEMPLATES', 'ProxyTemplate'],
  ['RATE LIMITS', 'RateLimit'],
];

export function meshInsightsTable(items: readonly JsonObject[]): string {
  const rows = items.map((insight) => {
    const dps = objAt(insight, 'dataplanes');
    const policies = objAt(insight, 'policies');
    return [
      strAt(insight, 'name'),
      `${uintAt(dps, 'online')}/${uintAt(dps, 'total')}`,
      ...MESH_INSIGHT_POLICY_COLUMNS.map(([, type]) => String(uintAt(objAt(policies, type), 'total'))),
    ];
  });
  return renderTable({ headers: ['MESH', 'DATAPLANES', ...MESH_INSIGHT_POLICY_COLUMNS.map(([h]) => h)], rows });
}

/** protojson leaves zero counters out. */
function counters(c: Record<string, number>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(c)) if (v !== 0) out[k] = v;
  return out;
}

async function computeMeshInsight(client: ApiClient, mesh: JsonObject, registry: ResourceRegistry): Promise<JsonObject> {
  const name = strAt(mesh, 'name');
  const overviews = await listDataplaneOverviews(client, name);
  const stat = { total: overviews.items.length, online: 0, offline: 0, partiallyDegraded: 0 };
  for (const o of overviews.items) {
    const { status } = dataplaneStatus(objAt(o, 'dataplane'), objAt(o, 'dataplaneInsight'));
    if (status === 'Online') stat.online++;
    else if (status === 'Partially degraded') stat.partiallyDegraded++;
    else stat.offline++;
  }
  const policies: JsonObject = {};
  for (const desc of registry.all().filter((d) => d.isPolicy && d.scope === 'mesh')) {
    const res = await client.request('GET', `/meshes/${encodeURIComponent(name)}/${desc.wsPath}`, { query: { size: '1' } });
    if (res.status === 404) continue; // a type this server does not serve
    if (res.status !== 200) throw answerError(res);
    const total = parseJsonObject(res)['total'];
    if (typeof total === 'number' && total > 0) policies[desc.name] = { total };
  }
  const out: JsonObject = { type: 'MeshInsight', name };
  for (const k of ['creationTime', 'modificationTime']) if (mesh[k] !== undefined) out[k] = mesh[k] as string;
  out['dataplanes'] = counters(stat);
  out['policies'] = policies;
  return out;
}

/** The MeshInsight list (`{total, items, next}`): the server's, or computed when it has none. */
export async function listMeshInsights(client: ApiClient, registry: ResourceRegistry = builtinRegistry): Promise<{ body: JsonObject; items: JsonObject[] }> {
  const res = await client.request('GET', '/mesh-insights');
  if (res.status === 200) {
    const body = parseJsonObject(res);
    return { body, items: Array.isArray(body['items']) ? body['items'].filter(isObject) : [] };
  }
  if (res.status !== 404) throw answerError(res);
  const meshes = await listAllPages(client, '/meshes', {});
  const items: JsonObject[] = [];
  for (const mesh of meshes.items) items.push(await computeMeshInsight(client, mesh, registry));
  return { body: { total: items.length, items, next: null }, items };
}
