import { hasCode } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { DEFAULT_MESH } from '../core/resources/labels.js';
import { USER_TOKEN_SIGNING_KEY_PREFIX, ZONE_TOKEN_SIGNING_KEY_PREFIX } from '../tokens/index.js';
import type { ResourceManager } from './resource-manager.js';
import { MESH_TYPE } from './resource-manager.js';
import { ensureSigningKey, defaultSigningKeyFactory, type SigningKeyFactory } from './signing-keys.js';

export interface DefaultResourcesOptions {
  /** `defaults.skipMeshCreation`: no `default` Mesh (a Mesh created later still gets its key). */
  skipMeshCreation?: boolean;
  /**
   * `defaults.skipTenantResources`: Kuma skips its whole default-resources component, so nothing
   * here is created (not even the default Mesh).
   */
  skipTenantResources?: boolean;
  /** A federated zone gets meshes and zone keys from global. */
  federatedZone?: boolean;
  /** The `tokens` API authn plugin is on: ensure `user-token-signing-key-1` (default true). */
  userTokens?: boolean;
  logger?: Logger;
  newSigningKey?: SigningKeyFactory;
}

export interface DefaultResourcesResult {
  defaultMesh: boolean;
  userTokenSigningKey: boolean;
  zoneTokenSigningKey: boolean;
}

/**
 * One pass of Kuma's default-resources component (leader only; the caller retries every 5 s for up to
 * 10 min, see retryUntil). Idempotent and safe on two instances at once: each step checks first and
 * treats AlreadyExists from a lost race as done. Returns what this call created.
 */
export async function ensureDefaultResources(manager: ResourceManager, opts: DefaultResourcesOptions = {}): Promise<DefaultResourcesResult> {
  const log = (opts.logger ?? silentLogger).child({ component: 'defaults' });
  const result: DefaultResourcesResult = { defaultMesh: false, userTokenSigningKey: false, zoneTokenSigningKey: false };
  if (opts.skipTenantResources) {
    log.debug({}, 'skipping default tenant resources because KUMA_DEFAULTS_SKIP_TENANT_RESOURCES is set to true');
    return result;
  }
  const newKey = opts.newSigningKey ?? defaultSigningKeyFactory;
  // The three steps are independent and each generates an RSA key in the thread pool: run them
  // together, so a start with an empty store pays for one key generation, not three in a row.
  const steps: Promise<void>[] = [];
  if (opts.skipMeshCreation) {
    log.debug({}, 'skipping default Mesh creation because KUMA_DEFAULTS_SKIP_MESH_CREATION is set to true');
  } else if (!opts.federatedZone) {
    steps.push(
      ensureDefaultMesh(manager).then((created) => {
        result.defaultMesh = created;
        if (created) log.info({}, 'default Mesh created');
      }),
    );
  }
  if (!opts.federatedZone) {
    steps.push(
      ensureSigningKey(manager, ZONE_TOKEN_SIGNING_KEY_PREFIX, newKey).then((created) => {
        result.zoneTokenSigningKey = created;
        if (created) log.info({ prefix: ZONE_TOKEN_SIGNING_KEY_PREFIX }, 'default signing key created');
      }),
    );
  }
  if (opts.userTokens ?? true) {
    steps.push(
      ensureSigningKey(manager, USER_TOKEN_SIGNING_KEY_PREFIX, newKey).then((created) => {
        result.userTokenSigningKey = created;
        if (created) log.info({ prefix: USER_TOKEN_SIGNING_KEY_PREFIX }, 'default signing key created');
      }),
    );
  }
  await Promise.all(steps);
  return result;
}

async function ensureDefaultMesh(manager: ResourceManager): Promise<boolean> {
  try {
    await manager.get({ type: MESH_TYPE, mesh: '', name: DEFAULT_MESH });
    return false;
  } catch (err) {
    if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw err;
  }
  try {
    await manager.create({ type: MESH_TYPE, meta: { name: DEFAULT_MESH, mesh: '' }, spec: {} });
    return true;
  } catch (err) {
    if (hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) return false;
    throw err;
  }
}
