import type { JsonObject, JsonValue } from '../core/resources/json.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';

/** What a caller hands to `create`: the store assigns version and (unless given) times. */
export interface NewResource {
  type: string;
  meta: { name: string; mesh: string; labels?: Record<string, string> };
  spec: JsonObject;
  status?: JsonValue;
}

export interface CreateOptions {
  /** Deleting the owner deletes this resource too (Postgres: FK ON DELETE CASCADE). The owner must exist. */
  owner?: ResourceKey;
  /** Defaults to now; also the initial modification time. */
  creationTime?: Date;
}

export interface UpdateOptions {
  /** Defaults to now. */
  modificationTime?: Date;
}

export interface GetOptions {
  /** When set and different from the stored version → ResourceConflictError. */
  version?: string;
}

export interface DeleteOptions {
  /** When set and different from the stored version → ResourceConflictError (optimistic delete). */
  version?: string;
}

export interface ListOptions {
  /** Only this mesh ('' or absent: all meshes). */
  mesh?: string;
  /** Substring of the name (Kuma `nameContains`: memory strings.Contains, Postgres LIKE %x%). */
  nameContains?: string;
  /** Exact label matches, ANDed. */
  labels?: Record<string, string>;
  /** Page size; 0 or absent: everything. */
  pageSize?: number;
  /** Opaque offset from a previous page's `next` ('' or absent: first page). */
  pageOffset?: string;
}

export interface ResourceList {
  /** Sorted by (mesh, name), byte order. */
  items: Resource[];
  /** Items matching the filters, before paging. */
  total: number;
  /** Offset of the next page; absent on the last page or without paging. */
  next?: string;
}

/**
 * `resync`: the store may have missed changes (Postgres: the LISTEN connection dropped and came back);
 * type, mesh and name are '' and listeners must treat everything as possibly changed.
 */
export type ChangeOperation = 'create' | 'update' | 'delete' | 'resync';

/** One change; Postgres delivers these through LISTEN/NOTIFY, the memory store directly. */
export interface ResourceChangedEvent {
  op: ChangeOperation;
  type: string;
  mesh: string;
  name: string;
}

export type ChangeListener = (event: ResourceChangedEvent) => void;

/**
 * The persistence boundary. Every backend keeps the same contract (src/store/contract.ts): values are
 * copied in and out (callers never share state with the store), versions are opaque strings that change
 * on every update, `update` and versioned `delete` are compare-and-set, and lists are ordered by
 * (mesh, name).
 */
export interface ResourceStore {
  /** Stores a new resource; ResourceAlreadyExistsError if the key is taken, ResourceNotFoundError if the owner is missing. */
  create(resource: NewResource, opts?: CreateOptions): Promise<Resource>;
  /** Replaces spec, labels and status when `resource.meta.version` is current; else ResourceConflictError. */
  update(resource: Resource, opts?: UpdateOptions): Promise<Resource>;
  /** Removes the resource and, recursively, everything it owns; ResourceNotFoundError if missing. */
  delete(key: ResourceKey, opts?: DeleteOptions): Promise<void>;
  /** ResourceNotFoundError if missing. */
  get(key: ResourceKey, opts?: GetOptions): Promise<Resource>;
  list(type: string, opts?: ListOptions): Promise<ResourceList>;
  /** Subscribe to changes, delivered asynchronously and in commit order; returns the unsubscribe function. */
  watch(listener: ChangeListener): () => void;
  /** Releases connections and listeners. */
  close(): Promise<void>;
}
