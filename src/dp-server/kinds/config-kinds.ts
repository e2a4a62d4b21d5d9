/**
 * What the config stream serves, kind by kind, and the per-mesh state the kinds share: the Mesh part,
 * the mesh's endpoint index, its MeshTrafficPermissions and its trusted roots, each read once per
 * change of what it derives from (store-reactions.ts invalidates them).
 */
import type { Resource } from '../../core/resources/index.js';
import { ResourceKind, type DiscoveryResponse } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { IdentityIssuer, type IdentityCaSource } from '../../xds/identity/index.js';
import type { Logger } from '../../core/log.js';
import { dataplaneConfigOf, type DataplanePart, type MeshPart } from '../dataplane-config.js';
import { MeshParts, type MeshReader } from '../mesh-parts.js';
import { endpointsConfigOf, MeshEndpoints, type DataplaneLister } from './endpoints.js';
import { MeshRoots, StreamIdentity } from './identity.js';
import { MeshPolicies, permissionsConfigOf } from './permissions.js';

/** The kinds this control plane serves (BootstrapResponse.supported_kinds). */
export const SERVED_KINDS: readonly ResourceKind[] = [ResourceKind.DATAPLANE, ResourceKind.IDENTITY, ResourceKind.ENDPOINTS, ResourceKind.PERMISSIONS];

export type Payload = DiscoveryResponse['payload'];

/** One stream's view when a kind is built. */
export interface KindContext {
  mesh: MeshPart;
  dataplane: Resource;
  dpPart: DataplanePart;
  identity: StreamIdentity;
}

export class ConfigKinds {
  readonly meshParts: MeshParts;
  readonly endpoints: MeshEndpoints;
  readonly policies: MeshPolicies;
  readonly roots: MeshRoots;
  private readonly issuer: IdentityIssuer;

  constructor(store: MeshReader & DataplaneLister, ca: IdentityCaSource, logger: Logger) {
    this.meshParts = new MeshParts(store);
    const meshResource = async (mesh: string): Promise<Resource | undefined> => (await this.meshParts.get(mesh))?.resource;
    this.endpoints = new MeshEndpoints(store, async (mesh) => (await this.meshParts.get(mesh))?.info.mtlsEnabled ?? false);
    this.policies = new MeshPolicies(store);
    this.roots = new MeshRoots(ca, meshResource);
    this.issuer = new IdentityIssuer({ ca, logger });
  }

  newStreamIdentity(): StreamIdentity {
    return new StreamIdentity(this.issuer);
  }

  /** Forget everything derived from `mesh` (all meshes without one). */
  invalidate(mesh?: string): void {
    this.meshParts.invalidate(mesh);
    this.endpoints.invalidate(mesh);
    this.policies.invalidate(mesh);
    this.roots.invalidate(mesh);
  }

  /** The payload of `kind` and its version; undefined when there is nothing to send yet. */
  async build(kind: ResourceKind, ctx: KindContext): Promise<{ payload: Payload; version: string } | undefined> {
    const mesh = ctx.mesh.resource.meta.name;
    switch (kind) {
      case ResourceKind.DATAPLANE: {
        const { config, version } = dataplaneConfigOf(ctx.dpPart, ctx.mesh);
        return { payload: { case: 'dataplane', value: config }, version };
      }
      case ResourceKind.IDENTITY: {
        const roots = await this.roots.get(mesh).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
        const built = await ctx.identity.build(ctx.mesh.resource, ctx.dataplane, roots);
        return built && { payload: { case: 'identity', value: built.config }, version: built.version };
      }
      case ResourceKind.ENDPOINTS: {
        const { config, version } = endpointsConfigOf(ctx.dpPart.desired.outbounds, await this.endpoints.get(mesh));
        return { payload: { case: 'endpoints', value: config }, version };
      }
      case ResourceKind.PERMISSIONS: {
        const { config, version } = permissionsConfigOf(ctx.mesh.resource, ctx.dataplane, await this.policies.get(mesh));
        return { payload: { case: 'permissions', value: config }, version };
      }
      default:
        return undefined;
    }
  }
}
