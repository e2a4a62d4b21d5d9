import { hasCode } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { validateMeshCreate, validateMeshUpdate } from '../core/resources/mesh-ca-backends.js';
import type { ResourceRegistry } from '../core/resources/registry.js';
import { builtinRegistry } from '../core/resources/registry.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';
import { isObject } from '../core/resources/json.js';
import { validateResource } from '../core/resources/validate.js';
import { ResourceValidationError, type Violation } from '../core/resources/validation.js';
import type { ChangeListener, DeleteOptions, GetOptions, ListOptions, NewResource, ResourceList, ResourceStore } from '../store/resource-store.js';
import { MeshNotFoundError } from './errors.js';
import type { MeshLifecycleHook } from './mesh-ca/index.js';
import { ensureDataplaneSigningKey, defaultSigningKeyFactory, type SigningKeyFactory } from './signing-keys.js';

export const MESH_TYPE = 'Mesh';
export const DATAPLANE_TYPE = 'Dataplane';

export interface ResourceManagerOptions {
  registry?: ResourceRegistry;
  logger?: Logger;
  /** `store.unsafeDelete`: delete a Mesh even while Dataplanes are attached. */
  unsafeDelete?: boolean;
  /** Makes Dataplane-token signing keys for new meshes (tests reuse one key). */
  newSigningKey?: SigningKeyFactory;
  /**
   * A zone connected to a global: Meshes arrive over KDS with the global's Dataplane-token signing
   * keys and mesh CA Secrets, so neither is generated (nor a Mesh's CA checked) here: every zone
   * must sign identities with the global's CA, and a Mesh arrives before the Secrets it names.
   */
  federatedZone?: boolean;
  /** Mesh CA checks that need I/O and CA creation (MeshCaManagers); absent: no CA handling. */
  meshHook?: MeshLifecycleHook;
}

function fail(violations: Violation[]): void {
  if (violations.length > 0) throw new ResourceValidationError(violations);
}

/**
 * Kuma's resource manager over a ResourceStore, the one writer API and DP code use: validates on
 * create/update, makes mesh-scoped resources owned by their Mesh (so deleting a Mesh deletes them),
 * and runs the Mesh lifecycle (CA-backend checks, the Dataplane-token signing key, delete guard).
 * Reads pass straight through; it also satisfies the tokens SecretSource shape.
 */
export class ResourceManager {
  private readonly registry: ResourceRegistry;
  private readonly log: Logger;
  private readonly newSigningKey: SigningKeyFactory;

  private readonly meshHook: MeshLifecycleHook | undefined;

  constructor(
    private readonly store: ResourceStore,
    private readonly opts: ResourceManagerOptions = {},
  ) {
    this.registry = opts.registry ?? builtinRegistry;
    this.log = (opts.logger ?? silentLogger).child({ component: 'resource-manager' });
    this.newSigningKey = opts.newSigningKey ?? defaultSigningKeyFactory;
    this.meshHook = opts.federatedZone === true ? undefined : opts.meshHook;
  }

  private validate(desc: ResourceTypeDescriptor, r: { name: string; mesh: string; spec: Resource['spec'] }): void {
    fail(validateResource(desc, r));
  }

  /** Validate, find the owning Mesh, store; a new Mesh also gets its Dataplane-token signing key. */
  async create(input: NewResource, opts: { owner?: ResourceKey } = {}): Promise<Resource> {
    const desc = this.registry.get(input.type);
    const { name, mesh } = input.meta;
    this.validate(desc, { name, mesh, spec: input.spec });
    if (desc.name === MESH_TYPE) {
      fail(validateMeshCreate(name, input.spec).list);
      if (this.meshHook) fail(await this.meshHook.validateMesh(name, input.spec));
    }
    let owner = opts.owner;
    if (desc.scope === 'mesh' && owner === undefined) {
      try {
        await this.store.get({ type: MESH_TYPE, mesh: '', name: mesh });
      } catch (err) {
        if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw new MeshNotFoundError(mesh);
        throw err;
      }
      owner = { type: MESH_TYPE, mesh: '', name: mesh };
    }
    const created = await this.store.create(input, owner ? { owner } : {});
    if (desc.name === MESH_TYPE) {
      if (!this.opts.federatedZone && (await ensureDataplaneSigningKey(this, name, this.newSigningKey))) {
        this.log.info({ mesh: name }, 'default Dataplane Token Signing Key created');
      }
      // Kuma creates the CAs after storing a new Mesh (they are owned by it).
      await this.meshHook?.ensureMeshCas(created);
    }
    return created;
  }

  /** Validate and store (compare-and-set on `meta.version`). */
  async update(resource: Resource): Promise<Resource> {
    const desc = this.registry.get(resource.type);
    const { name, mesh } = resource.meta;
    this.validate(desc, { name, mesh, spec: resource.spec });
    if (desc.name === MESH_TYPE) {
      const current = await this.store.get({ type: MESH_TYPE, mesh: '', name }, { version: resource.meta.version });
      fail(validateMeshUpdate(name, current.spec, resource.spec).list);
      if (this.meshHook) {
        fail(await this.meshHook.validateMesh(name, resource.spec));
        // Before storing: proxies told about the new backend must find its CA.
        await this.meshHook.ensureMeshCas(resource);
      }
    }
    return this.store.update(resource);
  }

  /** Delete; the store removes what the resource owns (a Mesh: its Dataplanes, Secrets, keys, ...). */
  async delete(key: ResourceKey, opts: DeleteOptions = {}): Promise<void> {
    if (key.type === MESH_TYPE && !this.opts.unsafeDelete) {
      const dps = await this.store.list(DATAPLANE_TYPE, { mesh: key.name, pageSize: 1 });
      if (dps.total > 0) fail([{ field: 'mesh', message: 'unable to delete mesh, there are still some dataplanes attached' }]);
    }
    if (key.type === 'Zone') await this.checkZoneOffline(key.name);
    await this.store.delete(key, opts);
  }

  /** Kuma's zone validator: a Zone whose CP is connected (its ZoneInsight online) cannot be deleted. */
  private async checkZoneOffline(name: string): Promise<void> {
    let insight;
    try {
      insight = await this.store.get({ type: 'ZoneInsight', mesh: '', name });
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return; // no status known: deletable, as in Kuma
      throw err;
    }
    const subs = insight.spec['subscriptions'];
    const online = Array.isArray(subs) && subs.some((s) => isObject(s) && s['connectTime'] !== undefined && s['disconnectTime'] === undefined);
    if (online) fail([{ field: 'zone', message: 'unable to delete Zone, Zone CP is still connected, please shut it down first' }]);
  }

  /** Delete every resource of `type` (in `mesh`, if given). */
  async deleteAll(type: string, opts: { mesh?: string } = {}): Promise<void> {
    const { items } = await this.store.list(type, opts.mesh ? { mesh: opts.mesh } : {});
    for (const r of items) {
      try {
        await this.delete({ type, mesh: r.meta.mesh, name: r.meta.name });
      } catch (err) {
        if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw err; // removed meanwhile (e.g. by a cascade)
      }
    }
  }

  get(key: ResourceKey, opts: GetOptions = {}): Promise<Resource> {
    return this.store.get(key, opts);
  }

  list(type: string, opts: ListOptions = {}): Promise<ResourceList> {
    return this.store.list(type, opts);
  }

  watch(listener: ChangeListener): () => void {
    return this.store.watch(listener);
  }
}
