import { KumaError } from '../../core/errors.js';

/** Stable codes of the mesh CA managers. */
export type MeshCaErrorCode =
  /** The Mesh has no mTLS backend of that name. */
  | 'ERR_MESH_CA_UNKNOWN_BACKEND'
  /** The backend's type has no CA manager (only builtin and provided exist). */
  | 'ERR_MESH_CA_UNKNOWN_TYPE'
  /** The CA's certificate or key could not be loaded (missing Secret, unreadable file, bad PEM, ...). */
  | 'ERR_MESH_CA_LOAD'
  /** The backend's configuration is unusable (bad RSAbits or expiration). */
  | 'ERR_MESH_CA_CONFIG'
  /** Creating a builtin CA did not complete (a concurrent creator vanished half-way, ...). */
  | 'ERR_MESH_CA_CREATE';

/** A failure of a mesh CA manager; the message names the mesh and backend and says what to do. */
export class MeshCaError extends KumaError {
  declare readonly code: MeshCaErrorCode;

  constructor(code: MeshCaErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Kuma's wrapping for any CA read failure (pkg/plugins/ca/{builtin,provided}/manager.go). */
export function loadFailure(mesh: string, backend: string, reason: string, cause?: unknown): MeshCaError {
  return new MeshCaError('ERR_MESH_CA_LOAD', `failed to load CA key pair for Mesh ${JSON.stringify(mesh)} and backend ${JSON.stringify(backend)}: ${reason}`, cause === undefined ? undefined : { cause });
}
