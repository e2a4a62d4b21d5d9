import { KumaError } from '../core/errors.js';
import type { ResourceRegistry } from '../core/resources/registry.js';
import { builtinRegistry } from '../core/resources/registry.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';
import { InvalidStoreRequestError } from './errors.js';
import type {
  ChangeListener,
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  NewResource,
  ResourceList,
  ResourceStore,
  UpdateOptions,
} from './resource-store.js';

// Limits of the Postgres schema (name varchar(253), mesh/type varchar(100)); enforced for every backend
// so a resource accepted by memory is never refused later by Postgres.
const MAX_NAME = 253;
const MAX_MESH = 100;
const MAX_TYPE = 100;

/** A backend broke the store contract (a bug, not bad input). */
export class StoreContractError extends KumaError {
  constructor(message: string) {
    super('ERR_STORE_CONTRACT', message);
  }
}

/**
 * Guards the invariants every backend relies on: known type, name present, mesh present exactly for
 * mesh-scoped types, sizes within the schema, a version on update; and checks that what the backend
 * returns has a version that changed. Wrap every backend with it.
 */
export class StrictResourceStore implements ResourceStore {
  constructor(
    private readonly inner: ResourceStore,
    private readonly registry: ResourceRegistry = builtinRegistry,
  ) {}

  private checkKey(k: ResourceKey): void {
    const desc = this.registry.find(k.type);
    if (!desc) throw new InvalidStoreRequestError(`unknown resource type ${JSON.stringify(k.type)}`);
    if (typeof k.name !== 'string' || k.name === '') throw new InvalidStoreRequestError(`${k.type} name must be set`);
    if (typeof k.mesh !== 'string') throw new InvalidStoreRequestError(`${k.type} mesh must be a string`);
    if (desc.scope === 'mesh' && k.mesh === '') throw new InvalidStoreRequestError(`${k.type} is mesh-scoped: mesh must be set`);
    if (desc.scope === 'global' && k.mesh !== '') throw new InvalidStoreRequestError(`${k.type} is global-scoped: mesh must be empty`);
    if (k.name.length > MAX_NAME) throw new InvalidStoreRequestError(`name must be at most ${MAX_NAME} characters`);
    if (k.mesh.length > MAX_MESH) throw new InvalidStoreRequestError(`mesh must be at most ${MAX_MESH} characters`);
    if (k.type.length > MAX_TYPE) throw new InvalidStoreRequestError(`type must be at most ${MAX_TYPE} characters`);
  }

  private checkLabels(labels: unknown): void {
    if (labels === undefined) return;
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new InvalidStoreRequestError('labels must be an object');
    for (const v of Object.values(labels)) if (typeof v !== 'string') throw new InvalidStoreRequestError('label values must be strings');
  }

  private checkSpec(spec: unknown): void {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new InvalidStoreRequestError('spec must be an object');
  }

  async create(resource: NewResource, opts?: CreateOptions): Promise<Resource> {
    const key = { type: resource.type, mesh: resource.meta.mesh, name: resource.meta.name };
    this.checkKey(key);
    this.checkLabels(resource.meta.labels);
    this.checkSpec(resource.spec);
    if (opts?.owner) this.checkKey(opts.owner);
    const out = await this.inner.create(resource, opts);
    if (typeof out.meta.version !== 'string' || out.meta.version === '') throw new StoreContractError(`create of ${key.type} returned no version`);
    return out;
  }

  async update(resource: Resource, opts?: UpdateOptions): Promise<Resource> {
    const key = { type: resource.type, mesh: resource.meta.mesh, name: resource.meta.name };
    this.checkKey(key);
    this.checkLabels(resource.meta.labels);
    this.checkSpec(resource.spec);
    if (typeof resource.meta.version !== 'string' || resource.meta.version === '') {
      throw new InvalidStoreRequestError(`update of ${key.type} ${JSON.stringify(key.name)} needs the version it was read at`);
    }
    const out = await this.inner.update(resource, opts);
    if (out.meta.version === resource.meta.version) throw new StoreContractError(`update of ${key.type} did not change the version`);
    return out;
  }

  async delete(key: ResourceKey, opts?: DeleteOptions): Promise<void> {
    this.checkKey(key);
    return this.inner.delete(key, opts);
  }

  async get(key: ResourceKey, opts?: GetOptions): Promise<Resource> {
    this.checkKey(key);
    return this.inner.get(key, opts);
  }

  async list(type: string, opts?: ListOptions): Promise<ResourceList> {
    if (!this.registry.find(type)) throw new InvalidStoreRequestError(`unknown resource type ${JSON.stringify(type)}`);
    return this.inner.list(type, opts);
  }

  watch(listener: ChangeListener): () => void {
    return this.inner.watch(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
