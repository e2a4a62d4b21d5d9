/** Managers: the resource manager (validation, ownership, Mesh lifecycle), defaults, admin token bootstrap. */
export { MeshNotFoundError } from './errors.js';
export { ResourceManager, MESH_TYPE, DATAPLANE_TYPE, type ResourceManagerOptions } from './resource-manager.js';
export { ensureSigningKey, ensureDataplaneSigningKey, defaultSigningKeyFactory, type SigningKeyFactory, type SigningKeyWriter } from './signing-keys.js';
export { ensureDefaultResources, type DefaultResourcesOptions, type DefaultResourcesResult } from './default-resources.js';
export { bootstrapAdminToken, adminTokenHint, type AdminTokenBootstrapOptions, type AdminTokenHintOptions } from './admin-token.js';
export { retryUntil, type RetryOptions } from './retry.js';
export { prefetchedSigningKeys } from './prefetched-keys.js';
export { deleteOfflineDataplanes } from './offline-dataplanes.js';
