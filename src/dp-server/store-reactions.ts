/**
 * What live streams do about store changes (better than Kuma, which checks tokens only on
 * reconnect): a Dataplane update is re-authenticated and pushed, a Dataplane deletion ends its
 * stream, a Mesh update is pushed to the mesh's streams, and any change to a mesh's dataplane-token
 * signing keys or revocation lists re-checks the tokens of that mesh's streams.
 */
import { DataplaneType, GlobalSecretType, MeshType, SecretType } from '../core/resources/index.js';
import type { ResourceChangedEvent } from '../store/resource-store.js';
import { DATAPLANE_TOKEN_REVOCATIONS_PREFIX, DATAPLANE_TOKEN_SIGNING_KEY_PREFIX } from '../tokens/index.js';
import type { MeshParts } from './mesh-parts.js';
import type { StreamRegistry } from './stream-registry.js';

export function reactToChange(registry: StreamRegistry, meshParts: MeshParts, e: ResourceChangedEvent): void {
  if (e.op === 'resync') {
    meshParts.invalidate();
    // Changes may have been missed: re-check every stream (token, Dataplane) and push fresh config.
    for (const s of registry.all()) s.recheck();
    return;
  }
  switch (e.type) {
    case DataplaneType.name: {
      // A deletion too goes through the re-check: it finds the Dataplane gone and says so.
      registry.get({ mesh: e.mesh, name: e.name })?.recheck();
      return;
    }
    case MeshType.name:
      meshParts.invalidate(e.name);
      for (const s of registry.inMesh(e.name)) e.op === 'delete' ? s.recheck() : s.refresh();
      return;
    case SecretType.name:
      if (isTokenSecret(e.name)) for (const s of registry.inMesh(e.mesh)) s.recheck();
      return;
    case GlobalSecretType.name:
      // The GlobalSecret `dataplane-token-revocations-<mesh>` (Kuma HEAD's form).
      if (e.name.startsWith(DATAPLANE_TOKEN_REVOCATIONS_PREFIX)) for (const s of registry.inMesh(e.name.slice(DATAPLANE_TOKEN_REVOCATIONS_PREFIX.length))) s.recheck();
      return;
    default:
      return;
  }
}

function isTokenSecret(name: string): boolean {
  return name.startsWith(DATAPLANE_TOKEN_SIGNING_KEY_PREFIX) || name.startsWith(DATAPLANE_TOKEN_REVOCATIONS_PREFIX);
}
