/**
 * What live streams do about store changes (better than Kuma, which checks tokens only on
 * reconnect): a Dataplane update is re-authenticated and pushed, a Dataplane deletion ends its
 * stream, a Mesh update is pushed to the mesh's streams, and any change to a mesh's dataplane-token
 * signing keys or revocation lists re-checks the tokens of that mesh's streams.
 *
 * Changes that concern a whole mesh (its Dataplanes come and go: endpoints; a MeshTrafficPermission:
 * permissions; a Secret: trusted roots) are coalesced per mesh over `coalesceMs`, so registering
 * thousands of proxies does not rebuild thousands of configs per registration.
 */
import { DataplaneType, GlobalSecretType, MeshTrafficPermissionType, MeshType, SecretType } from '../core/resources/index.js';
import { ResourceKind } from '../gen/kuma/dp/v1/config_stream_pb.js';
import type { ResourceChangedEvent } from '../store/resource-store.js';
import { DATAPLANE_TOKEN_REVOCATIONS_PREFIX, DATAPLANE_TOKEN_SIGNING_KEY_PREFIX } from '../tokens/index.js';
import type { ConfigKinds } from './kinds/config-kinds.js';
import type { StreamRegistry } from './stream-registry.js';

export class StoreReactions {
  /** Per mesh: kinds waiting for the coalesced refresh. */
  private readonly pending = new Map<string, Set<ResourceKind>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly registry: StreamRegistry,
    private readonly kinds: ConfigKinds,
    private readonly coalesceMs: number,
  ) {}

  react(e: ResourceChangedEvent): void {
    if (e.op === 'resync') {
      this.kinds.invalidate();
      // Changes may have been missed: re-check every stream (token, Dataplane) and push fresh config.
      for (const s of this.registry.all()) s.recheck();
      return;
    }
    switch (e.type) {
      case DataplaneType.name: {
        // A deletion too goes through the re-check: it finds the Dataplane gone and says so.
        this.registry.get({ mesh: e.mesh, name: e.name })?.recheck();
        this.kinds.endpoints.invalidate(e.mesh);
        this.schedule(e.mesh, ResourceKind.ENDPOINTS);
        return;
      }
      case MeshType.name:
        this.kinds.invalidate(e.name);
        for (const s of this.registry.inMesh(e.name)) e.op === 'delete' ? s.recheck() : s.refresh();
        return;
      case MeshTrafficPermissionType.name:
        this.kinds.policies.invalidate(e.mesh);
        this.schedule(e.mesh, ResourceKind.PERMISSIONS);
        return;
      case SecretType.name:
        if (isTokenSecret(e.name)) for (const s of this.registry.inMesh(e.mesh)) s.recheck();
        // A CA Secret (or one a provided CA reads) may have changed the mesh's roots.
        this.kinds.roots.invalidate(e.mesh);
        this.schedule(e.mesh, ResourceKind.IDENTITY);
        return;
      case GlobalSecretType.name:
        // The GlobalSecret `dataplane-token-revocations-<mesh>` (Kuma HEAD's form).
        if (e.name.startsWith(DATAPLANE_TOKEN_REVOCATIONS_PREFIX)) for (const s of this.registry.inMesh(e.name.slice(DATAPLANE_TOKEN_REVOCATIONS_PREFIX.length))) s.recheck();
        return;
      default:
        return;
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }

  private schedule(mesh: string, kind: ResourceKind): void {
    const waiting = this.pending.get(mesh);
    if (waiting !== undefined) {
      waiting.add(kind);
      return;
    }
    this.pending.set(mesh, new Set([kind]));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const kinds = [...(this.pending.get(mesh) ?? [])];
      this.pending.delete(mesh);
      for (const s of this.registry.inMesh(mesh)) s.refresh(kinds);
    }, this.coalesceMs);
    timer.unref();
    this.timers.add(timer);
  }
}

function isTokenSecret(name: string): boolean {
  return name.startsWith(DATAPLANE_TOKEN_SIGNING_KEY_PREFIX) || name.startsWith(DATAPLANE_TOKEN_REVOCATIONS_PREFIX);
}
