/**
 * Kind RESOURCE_KIND_PERMISSIONS: MeshTrafficPermission compiled for one proxy's inbounds. The mesh's
 * policies are listed once per change (shared by the mesh's streams); each stream compiles them for
 * its own Dataplane. The version is a hash of the compiled JSON, so a policy change that does not
 * touch a proxy's inbounds is not pushed to it.
 */
import { create } from '@bufbuild/protobuf';
import { MeshTrafficPermissionType, type Resource } from '../../core/resources/index.js';
import { PermissionsConfigSchema, type PermissionsConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { compileDataplanePermissions, type PolicyLike } from '../../xds/permissions/index.js';
import { shortHash } from '../dataplane-config.js';
import { PerMeshCache } from '../per-mesh-cache.js';
import type { DataplaneLister } from './endpoints.js';

export class MeshPolicies extends PerMeshCache<readonly PolicyLike[]> {
  constructor(store: DataplaneLister) {
    super(async (mesh) => (await store.list(MeshTrafficPermissionType.name, { mesh })).items);
  }
}

export function permissionsConfigOf(mesh: Resource, dataplane: Resource, policies: readonly PolicyLike[]): { config: PermissionsConfig; version: string } {
  const json = JSON.stringify(compileDataplanePermissions({ mesh, dataplane, policies }));
  return { config: create(PermissionsConfigSchema, { permissionsJson: json }), version: shortHash(json) };
}
