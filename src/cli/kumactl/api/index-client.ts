import { messageOf } from '../../../core/errors.js';
import { PRODUCT, VERSION } from '../../../core/version.js';
import type { CliIo } from '../../io.js';
import type { ApiClient } from './api-client.js';
import { ApiError } from './api-errors.js';

/** `GET /` of the API server (fields kumactl reads). */
export interface IndexResponse {
  product: string;
  version: string;
  hostname: string;
  instanceId: string;
}

/** `GET /who-am-i`. */
export interface WhoAmI {
  name: string;
  groups: string[];
}

const str = (o: Record<string, unknown>, k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');

function jsonObject(body: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (err) {
    throw new Error(`the answer to ${what} is not JSON: ${messageOf(err)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`the answer to ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

export async function fetchIndex(client: ApiClient): Promise<IndexResponse> {
  const res = await client.request('GET', '/');
  if (res.status !== 200) throw new ApiError(res.status, res.body, undefined);
  const o = jsonObject(res.body, 'GET /');
  return { product: str(o, 'product'), version: str(o, 'version'), hostname: str(o, 'hostname'), instanceId: str(o, 'instanceId') };
}

export async function fetchWhoAmI(client: ApiClient, headers: Record<string, string> = {}): Promise<WhoAmI> {
  const res = await client.expect('GET', '/who-am-i', [200], { headers });
  const o = jsonObject(res.body, 'GET /who-am-i');
  const groups = Array.isArray(o['groups']) ? o['groups'].filter((g): g is string => typeof g === 'string') : [];
  return { name: str(o, 'name'), groups };
}

/** Kuma's preview builds match any CLI. */
export function isPreviewVersion(version: string): boolean {
  return version.includes('preview');
}

/**
 * Before apply/get/delete Kuma warns (never fails) when the server is another version or product.
 * Our message names kumactl's version/product and then the server's, in that order (Kuma swaps the
 * server's two).
 */
export async function warnIfIncompatible(client: ApiClient, io: CliIo): Promise<void> {
  let index: IndexResponse;
  try {
    index = await fetchIndex(client);
  } catch (err) {
    io.err(`WARNING: Failed to retrieve server version, can't check compatibility: Unable to retrieve server version: ${err instanceof ApiError ? err.inline : messageOf(err)}\n`);
    return;
  }
  if (isPreviewVersion(index.version)) return;
  if (index.version !== VERSION || index.product !== PRODUCT) {
    io.err(`WARNING: You are using kumactl version ${VERSION} for ${PRODUCT}, but the server returned version: ${index.version} for ${index.product}\n`);
  }
}
