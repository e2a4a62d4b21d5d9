/** Mesh CA managers: builtin and provided CAs of `Mesh.mtls`, their validation and the Mesh lifecycle hook. */
export { MeshCaError, type MeshCaErrorCode } from './errors.js';
export {
  MeshCaManagers,
  mtlsWithoutPermissionWarning,
  type MeshCaManagersOptions,
  type MeshCaSigner,
  type MeshLifecycleHook,
} from './mesh-ca-managers.js';
export {
  DEFAULT_DP_CERT_VALIDITY_MS,
  DEFAULT_CA_VALIDITY_MS,
  MESH_CA_CLOCK_SKEW_MS,
  backendMode,
  caBackendsOf,
  dpCertValidityMs,
  enabledBackendName,
  findCaBackend,
  type MeshLike,
} from './backend-config.js';
export { type CaStore } from './builtin-ca.js';
export { meshCaExpiries, type CaExpiry, type CaRootSource, type MeshLister } from './ca-expiry.js';
export { loadDataSource, type SecretReader } from './data-source.js';
export { parseCaKeyPair, validateCaCertificates, KeyPairError, type CaKeyPair } from './ca-key-pair.js';
export { validateMeshCaBackends } from './validate.js';
