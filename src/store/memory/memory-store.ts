import type { Logger } from '../../core/log.js';
import type { Resource, ResourceKey } from '../../core/resources/resource.js';
import { ChangeEventHub } from '../change-events.js';
import { ResourceAlreadyExistsError, ResourceConflictError, ResourceNotFoundError } from '../errors.js';
import { matchesListOptions, pageOf } from '../list-query.js';
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
} from '../resource-store.js';

interface MemoryRecord {
  resource: Resource;
  version: number;
  /** Keys (see `id`) of resources created with this one as owner. */
  children: Set<string>;
  owner?: string;
}

/** One string per (type, mesh, name); NUL cannot occur in JSON-carried names. */
function id(k: ResourceKey): string {
  return `${k.type}\u0000${k.mesh}\u0000${k.name}`;
}

function copy(r: Resource): Resource {
  return structuredClone(r);
}

/**
 * In-memory backend (Kuma `pkg/plugins/resources/memory`): records per type in a map keyed by
 * (mesh, name), so get is O(1) and list never looks at other types. Versions count up from 1.
 * Every value is deep-copied on the way in and out. Operations are synchronous inside, so each one
 * is atomic with respect to the others.
 */
export class MemoryResourceStore implements ResourceStore {
  private readonly byType = new Map<string, Map<string, MemoryRecord>>();
  private readonly events: ChangeEventHub;
  private readonly now: () => Date;

  constructor(opts: { logger?: Logger; now?: () => Date } = {}) {
    this.events = new ChangeEventHub(opts.logger);
    this.now = opts.now ?? (() => new Date());
  }

  private table(type: string): Map<string, MemoryRecord> {
    let t = this.byType.get(type);
    if (!t) {
      t = new Map();
      this.byType.set(type, t);
    }
    return t;
  }

  private find(k: ResourceKey): MemoryRecord | undefined {
    return this.byType.get(k.type)?.get(id(k));
  }

  async create(input: NewResource, opts: CreateOptions = {}): Promise<Resource> {
    const key: ResourceKey = { type: input.type, mesh: input.meta.mesh, name: input.meta.name };
    if (this.find(key)) throw new ResourceAlreadyExistsError(key);
    const owner = opts.owner ? this.find(opts.owner) : undefined;
    if (opts.owner && !owner) throw new ResourceNotFoundError(opts.owner);
    const created = opts.creationTime ?? this.now();
    const resource: Resource = {
      type: input.type,
      meta: {
        name: key.name,
        mesh: key.mesh,
        version: '1',
        creationTime: new Date(created),
        modificationTime: new Date(created),
        labels: { ...(input.meta.labels ?? {}) },
      },
      spec: structuredClone(input.spec),
    };
    if (input.status !== undefined) resource.status = structuredClone(input.status);
    const record: MemoryRecord = { resource, version: 1, children: new Set() };
    if (opts.owner && owner) {
      record.owner = id(opts.owner);
      owner.children.add(id(key));
    }
    this.table(key.type).set(id(key), record);
    this.events.emit({ op: 'create', ...key });
    return copy(resource);
  }

  async update(input: Resource, opts: UpdateOptions = {}): Promise<Resource> {
    const key: ResourceKey = { type: input.type, mesh: input.meta.mesh, name: input.meta.name };
    const record = this.find(key);
    if (!record || String(record.version) !== input.meta.version) throw new ResourceConflictError(key);
    record.version += 1;
    const next: Resource = {
      type: key.type,
      meta: {
        ...record.resource.meta,
        version: String(record.version),
        modificationTime: new Date(opts.modificationTime ?? this.now()),
        labels: { ...input.meta.labels },
      },
      spec: structuredClone(input.spec),
    };
    if (input.status !== undefined) next.status = structuredClone(input.status);
    record.resource = next;
    this.events.emit({ op: 'update', ...key });
    return copy(next);
  }

  async delete(key: ResourceKey, opts: DeleteOptions = {}): Promise<void> {
    const record = this.find(key);
    if (!record) throw new ResourceNotFoundError(key);
    if (opts.version !== undefined && opts.version !== String(record.version)) throw new ResourceConflictError(key);
    this.remove(record);
  }

  /** Children first (as Kuma's memory store does), then the record; each removal emits a delete event. */
  private remove(record: MemoryRecord): void {
    for (const childId of record.children) {
      const [type = '', mesh = '', name = ''] = childId.split('\u0000');
      const child = this.find({ type, mesh, name });
      if (child) this.remove(child);
    }
    const r = record.resource;
    const key: ResourceKey = { type: r.type, mesh: r.meta.mesh, name: r.meta.name };
    this.byType.get(key.type)?.delete(id(key));
    if (record.owner) {
      const [type = '', mesh = '', name = ''] = record.owner.split('\u0000');
      this.find({ type, mesh, name })?.children.delete(id(key));
    }
    this.events.emit({ op: 'delete', ...key });
  }

  async get(key: ResourceKey, opts: GetOptions = {}): Promise<Resource> {
    const record = this.find(key);
    if (!record) throw new ResourceNotFoundError(key);
    if (opts.version !== undefined && opts.version !== '' && opts.version !== String(record.version)) throw new ResourceConflictError(key);
    return copy(record.resource);
  }

  async list(type: string, opts: ListOptions = {}): Promise<ResourceList> {
    const matching: Resource[] = [];
    for (const record of this.byType.get(type)?.values() ?? []) {
      if (matchesListOptions(record.resource, opts)) matching.push(record.resource);
    }
    const page = pageOf(matching, opts);
    page.items = page.items.map(copy);
    return page;
  }

  watch(listener: ChangeListener): () => void {
    return this.events.subscribe(listener);
  }

  async close(): Promise<void> {
    this.events.clear();
  }
}
