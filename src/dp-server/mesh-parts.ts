/**
 * The Mesh part of proxy configs, read and built once per Mesh change and shared by every stream of
 * that mesh (see PerMeshCache).
 */
import { hasCode } from '../core/errors.js';
import { MeshType, type Resource } from '../core/resources/index.js';
import { meshPartOf, type MeshPart } from './dataplane-config.js';
import { PerMeshCache } from './per-mesh-cache.js';

export interface MeshReader {
  get(key: { type: string; mesh: string; name: string }): Promise<Resource>;
}

/** The part for a mesh, or undefined when the Mesh does not exist. */
export class MeshParts extends PerMeshCache<MeshPart | undefined> {
  constructor(meshes: MeshReader) {
    super(async (name) => {
      try {
        return meshPartOf(await meshes.get({ type: MeshType.name, mesh: '', name }));
      } catch (err) {
        if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return undefined;
        throw err;
      }
    });
  }
}
