import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { arrAt, isObject, objAt, stringMapAt, strAt } from '../core/resources/json.js';
import type { Resource } from '../core/resources/resource.js';
import { ResourceValidationError, type Violation } from '../core/resources/validation.js';

// List filters of Kuma pkg/api-server/filters/filtering.go: `filter[labels.<k>]=<v>` (exact, ANDed)
// for every type; `tag=k:v` (fuzzy) and `gateway=` for Dataplanes.

export interface ListFilter {
  /** Exact label matches the store can apply itself. */
  labels: Record<string, string>;
  /** A predicate the store cannot apply (Dataplane tag/gateway); undefined when none. */
  predicate?: (r: Resource) => boolean;
}

type GatewayMode = '' | 'true' | 'false' | 'builtin' | 'delegated';

function gatewayPredicate(mode: GatewayMode): ((spec: Resource['spec']) => boolean) | undefined {
  const gw = (spec: Resource['spec']) => objAt(objAt(spec, 'networking'), 'gateway');
  switch (mode) {
    case 'true':
      return (s) => gw(s) !== undefined;
    case 'false':
      return (s) => gw(s) === undefined;
    case 'builtin':
      return (s) => gw(s) !== undefined && strAt(gw(s), 'type') === 'BUILTIN';
    case 'delegated':
      return (s) => gw(s) !== undefined && strAt(gw(s), 'type') !== 'BUILTIN';
    default:
      return undefined;
  }
}

/** `tag=k:v` values; the value is a substring match, `*` matches anything; malformed entries ignored. */
function parseTags(values: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf(':');
    if (i < 0) continue;
    tags[v.slice(0, i)] = v.slice(i + 1);
  }
  return tags;
}

function matchesFuzzy(selector: Record<string, string>, tags: Record<string, string>): boolean {
  for (const [k, want] of Object.entries(selector)) {
    const have = tags[k];
    if (have === undefined) return false;
    if (want !== '*' && !have.includes(want)) return false;
  }
  return true;
}

function dataplaneMatchesTags(spec: Resource['spec'], selector: Record<string, string>): boolean {
  if (Object.keys(selector).length === 0) return true;
  const networking = objAt(spec, 'networking');
  for (const inbound of arrAt(networking, 'inbound')) {
    if (isObject(inbound) && matchesFuzzy(selector, stringMapAt(inbound, 'tags'))) return true;
  }
  return matchesFuzzy(selector, stringMapAt(objAt(networking, 'gateway'), 'tags'));
}

/**
 * The filters of a list request. `routePath` is the route pattern (`/meshes/{mesh}/dataplanes`), the
 * field prefix Kuma uses in its errors. Throws ResourceValidationError for unsupported filters.
 */
export function listFilterOf(desc: ResourceTypeDescriptor, query: URLSearchParams, routePath: string): ListFilter {
  const violations: Violation[] = [];
  const labels: Record<string, string> = {};
  for (const key of new Set(query.keys())) {
    if (!key.startsWith('filter[')) continue;
    const field = `${routePath}.${key}`;
    if (!key.startsWith('filter[labels.')) {
      violations.push({ field, message: 'filters are only supported on labels' });
      continue;
    }
    const close = key.indexOf(']');
    if (close !== key.length - 1) {
      violations.push({ field, message: 'advanced filters are not supported' });
      continue;
    }
    const values = query.getAll(key);
    labels[key.slice('filter[labels.'.length, close)] = values[values.length - 1] ?? '';
  }
  if (violations.length > 0) throw new ResourceValidationError(violations);
  let predicate: ((r: Resource) => boolean) | undefined;
  if (desc.name === 'Dataplane') {
    const mode = (query.get('gateway') ?? '').toLowerCase();
    if (!['', 'true', 'false', 'builtin', 'delegated'].includes(mode)) {
      violations.push({ field: `${routePath}.gateway`, message: `shoud use \`true\`, \`false\`, 'builtin' or 'delegated' instead of ${mode}` });
    }
    const gateway = gatewayPredicate(mode as GatewayMode);
    const tags = parseTags(query.getAll('tag'));
    if (gateway !== undefined || Object.keys(tags).length > 0) {
      predicate = (r) => (gateway === undefined || gateway(r.spec)) && dataplaneMatchesTags(r.spec, tags);
    }
  }
  if (violations.length > 0) throw new ResourceValidationError(violations);
  return predicate === undefined ? { labels } : { labels, predicate };
}
