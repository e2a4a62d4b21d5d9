import { KumaError } from '../core/errors.js';

/** A mesh-scoped resource names a Mesh that does not exist (Kuma's MeshNotFoundError; the API answers 400). */
export class MeshNotFoundError extends KumaError {
  readonly mesh: string;
  constructor(mesh: string) {
    super('ERR_MESH_NOT_FOUND', `mesh of name ${mesh} is not found`);
    this.mesh = mesh;
  }
}
