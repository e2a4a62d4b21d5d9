import { hasCode } from '../core/errors.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';
import { secretBytes } from '../core/resources/system-types.js';

// tokens sits beside core and may not import store or managers, so it names the few operations it
// needs here. ResourceStore and ResourceManager both satisfy these shapes structurally.

export interface SecretChange {
  /** `resync`: anything may have changed (type, mesh and name are ''). */
  op: 'create' | 'update' | 'delete' | 'resync';
  type: string;
  mesh: string;
  name: string;
}

/** Read access to Secrets/GlobalSecrets, with change notifications for cache invalidation. */
export interface SecretSource {
  /** Rejects with an error whose code is ERR_RESOURCE_NOT_FOUND when missing. */
  get(key: ResourceKey): Promise<Resource>;
  list(type: string, opts?: { mesh?: string }): Promise<{ items: Resource[] }>;
  watch(listener: (change: SecretChange) => void): () => void;
}

export const SECRET_TYPE = 'Secret';
export const GLOBAL_SECRET_TYPE = 'GlobalSecret';

export function isNotFound(err: unknown): boolean {
  return hasCode(err, 'ERR_RESOURCE_NOT_FOUND');
}

/** The bytes a Secret/GlobalSecret holds (empty when it has no data). */
export function dataOf(r: Resource): Uint8Array {
  return secretBytes(r.spec) ?? new Uint8Array();
}
