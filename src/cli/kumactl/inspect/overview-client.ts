import type { JsonObject } from '../../../core/resources/json.js';
import { isObject } from '../../../core/resources/json.js';
import { CliError } from '../../program.js';
import type { ApiClient, ApiResponse } from '../api/api-client.js';
import { ApiError, parseStdError } from '../api/api-errors.js';

export interface OverviewFilter {
  /** `--tag k=v` → `tag=k:v` (the server matches the value as a substring, `*` for any). */
  tags?: Record<string, string>;
  gateway?: boolean;
  /** Sent as Kuma's kumactl does; servers ignore it. */
  ingress?: boolean;
}

/** A list body as one page: `{total, items, next: null}` with every page's items. */
export interface OverviewList {
  body: JsonObject;
  items: JsonObject[];
}

/** Std-errors bodies render as `Title (detail)` lines; others as Kuma does: `(status): body`. */
export function answerError(res: ApiResponse): Error {
  const std = parseStdError(res.body);
  if (std) return new ApiError(res.status, res.body, std);
  return new CliError(`(${res.status}): ${res.body}`);
}

export function parseJsonObject(res: ApiResponse): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(res.body);
  } catch {
    throw new CliError(`the control plane answered with something that is not JSON: ${res.body.slice(0, 200)}`);
  }
  if (!isObject(v)) throw new CliError('the control plane answered with JSON that is not an object');
  return v;
}

const MAX_PAGES = 1000;

/**
 * Every item of a list endpoint, following `next` (Kuma's kumactl reads only the first page, so a
 * mesh with more than 100 proxies looked smaller than it is).
 */
export async function listAllPages(client: ApiClient, path: string, query: Record<string, string[]>): Promise<OverviewList> {
  const items: JsonObject[] = [];
  let total = 0;
  let offset = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await client.request('GET', path, { query: offset === '' ? query : { ...query, offset: [offset] } });
    if (res.status !== 200) throw answerError(res);
    const body = parseJsonObject(res);
    const pageItems = Array.isArray(body['items']) ? body['items'].filter(isObject) : [];
    items.push(...pageItems);
    total = typeof body['total'] === 'number' ? body['total'] : items.length;
    const next = typeof body['next'] === 'string' ? body['next'] : '';
    offset = next === '' ? '' : (new URL(next, 'http://localhost').searchParams.get('offset') ?? '');
    if (offset === '' || pageItems.length === 0) break;
  }
  return { body: { total, items, next: null }, items };
}

/** `GET /meshes/{mesh}/dataplanes/_overview` with the filters of `kumactl inspect dataplanes`. */
export function listDataplaneOverviews(client: ApiClient, mesh: string, filter: OverviewFilter = {}): Promise<OverviewList> {
  const query: Record<string, string[]> = {};
  if (filter.gateway) query['gateway'] = ['true'];
  if (filter.ingress) query['ingress'] = ['true'];
  const tags = Object.entries(filter.tags ?? {});
  if (tags.length > 0) query['tag'] = tags.map(([k, v]) => `${k}:${v}`);
  return listAllPages(client, `/meshes/${encodeURIComponent(mesh)}/dataplanes/_overview`, query);
}
