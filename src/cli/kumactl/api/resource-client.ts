import type { JsonObject } from '../../../core/resources/json.js';
import { isObject } from '../../../core/resources/json.js';
import type { ResourceTypeDescriptor } from '../../../core/resources/descriptor.js';
import type { ApiClient, ApiResponse } from './api-client.js';
import { ApiError, parseStdError } from './api-errors.js';

const seg = encodeURIComponent;

/** `/meshes/{mesh}/{plural}/{name}` for mesh-scoped types, `/{plural}/{name}` for global ones. */
export function itemPath(desc: ResourceTypeDescriptor, mesh: string, name: string): string {
  return desc.scope === 'mesh' ? `/meshes/${seg(mesh)}/${desc.wsPath}/${seg(name)}` : `/${desc.wsPath}/${seg(name)}`;
}

/** The list path; a mesh-scoped type with mesh '' lists across all meshes. */
export function listPath(desc: ResourceTypeDescriptor, mesh: string): string {
  return desc.scope === 'mesh' && mesh !== '' ? `/meshes/${seg(mesh)}/${desc.wsPath}` : `/${desc.wsPath}`;
}

export interface ResourceList {
  /** The list body as the server sent it (`{total, items, next}`). */
  body: JsonObject;
  items: JsonObject[];
  total: number;
  /** The `offset` of the next page (from the `next` URL), '' on the last page. */
  nextOffset: string;
}

function errorOf(res: ApiResponse): Error {
  const std = parseStdError(res.body);
  if (std) return new ApiError(res.status, res.body, std);
  if (res.status === 405) return new Error(res.body); // Kuma shows the read-only explanation as is
  return new ApiError(res.status, res.body, undefined);
}

function jsonBody(res: ApiResponse): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(res.body);
  } catch {
    throw new Error(`the control plane answered with something that is not JSON: ${res.body.slice(0, 200)}`);
  }
  if (!isObject(v)) throw new Error('the control plane answered with JSON that is not an object');
  return v;
}

/** Kuma's "remote store": resource CRUD over the REST API. */
export class ResourceClient {
  constructor(readonly client: ApiClient) {}

  /** The resource envelope, or undefined when the API answers 404. */
  async get(desc: ResourceTypeDescriptor, mesh: string, name: string): Promise<JsonObject | undefined> {
    const res = await this.client.request('GET', itemPath(desc, mesh, name));
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw errorOf(res);
    return jsonBody(res);
  }

  async list(desc: ResourceTypeDescriptor, mesh: string, page: { size?: number; offset?: string } = {}): Promise<ResourceList> {
    const query: Record<string, string> = {};
    if (page.offset) query['offset'] = page.offset;
    if (page.size) query['size'] = String(page.size);
    const res = await this.client.request('GET', listPath(desc, mesh), { query });
    if (res.status !== 200) throw errorOf(res);
    const body = jsonBody(res);
    const items = Array.isArray(body['items']) ? body['items'].filter(isObject) : [];
    const next = typeof body['next'] === 'string' ? body['next'] : '';
    let nextOffset = '';
    if (next !== '') {
      try {
        nextOffset = new URL(next, 'http://localhost').searchParams.get('offset') ?? '';
      } catch {
        nextOffset = '';
      }
    }
    return { body, items, total: typeof body['total'] === 'number' ? body['total'] : items.length, nextOffset };
  }

  /** PUT (create or update); the server's deprecation warnings. */
  async put(desc: ResourceTypeDescriptor, mesh: string, name: string, envelope: JsonObject): Promise<string[]> {
    const res = await this.client.request('PUT', itemPath(desc, mesh, name), { body: envelope });
    if (res.status !== 200 && res.status !== 201) throw errorOf(res);
    if (res.body.trim() === '') return [];
    const warnings = jsonBody(res)['warnings'];
    return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : [];
  }

  /** False when there was nothing to delete (404). */
  async delete(desc: ResourceTypeDescriptor, mesh: string, name: string): Promise<boolean> {
    const res = await this.client.request('DELETE', itemPath(desc, mesh, name));
    if (res.status === 404) return false;
    if (res.status !== 200) throw errorOf(res);
    return true;
  }
}
