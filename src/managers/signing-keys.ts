import { hasCode } from '../core/errors.js';
import type { Resource } from '../core/resources/resource.js';
import { secretData } from '../core/resources/system-types.js';
import type { NewResource, ResourceList } from '../store/resource-store.js';
import { DEFAULT_KEY_ID, GLOBAL_SECRET_TYPE, SECRET_TYPE, dataplaneSigningKeyPrefix, latestSigningKeyName, newSigningKeyPem, signingKeyName } from '../tokens/index.js';

/** Makes the bytes of a new signing key; tests pass a factory that reuses one pre-generated key. */
export type SigningKeyFactory = () => Promise<Uint8Array>;

export const defaultSigningKeyFactory: SigningKeyFactory = newSigningKeyPem;

/** What creating keys needs from the manager (structural, so tests can pass a bare store too). */
export interface SigningKeyWriter {
  list(type: string, opts?: { mesh?: string }): Promise<ResourceList>;
  create(resource: NewResource): Promise<Resource>;
}

/**
 * Create `<prefix>-1` unless a signing key of that prefix already exists (Kuma's
 * EnsureDefaultSigningKeyExist). Global keys are GlobalSecrets; with `mesh`, a Secret in that mesh
 * (the manager makes the Mesh its owner, so it is deleted with the Mesh). Losing a creation race to
 * another instance counts as success. Returns whether this call created the key.
 */
export async function ensureSigningKey(manager: SigningKeyWriter, prefix: string, newKey: SigningKeyFactory, mesh = ''): Promise<boolean> {
  const type = mesh === '' ? GLOBAL_SECRET_TYPE : SECRET_TYPE;
  const existing = await manager.list(type, mesh === '' ? {} : { mesh });
  if (latestSigningKeyName(existing.items.map((r) => r.meta.name), prefix)) return false;
  const data = secretData(await newKey());
  try {
    await manager.create({ type, meta: { name: signingKeyName(prefix, DEFAULT_KEY_ID), mesh }, spec: { data } });
    return true;
  } catch (err) {
    if (hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) return false;
    throw err;
  }
}

/** `dataplane-token-signing-key-<mesh>-1`, a Secret in `mesh` owned by the Mesh. */
export function ensureDataplaneSigningKey(manager: SigningKeyWriter, mesh: string, newKey: SigningKeyFactory): Promise<boolean> {
  return ensureSigningKey(manager, dataplaneSigningKeyPrefix(mesh), newKey, mesh);
}
