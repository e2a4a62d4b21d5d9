import { hasCode } from '../../core/errors.js';
import type { Resource } from '../../core/resources/resource.js';
import type { WireEntry } from './sender-diff.js';
import type { KdsSource } from './sender.js';

// What the sender should offer its peer for one type, kept current from the store's change events
// instead of listing the whole type for every change: a change names one resource, so only that one
// is read again (one `get`) and mapped. The type is listed in full when the view is new, after a
// resync, when the source cannot `get`, or when so many resources changed at once that one list is
// cheaper than reading them one by one. Mappings live in a WireCache, shared by the streams of one
// control plane that map alike (the global's streams to its zones): a resource is mapped once, not
// once per zone, and its wire form is held once in memory.

const keyOf = (mesh: string, name: string): string => `${mesh}\u0000${name}`;

/** A mapped resource, with the store resource it came from. Shared between views: never mutated. */
export interface ViewEntry extends WireEntry {
  /** `mesh \0 name` of the store resource. */
  readonly storeKey: string;
}

/** The mapping of one store resource; `entry` undefined = not sent. */
interface Mapping {
  /** Version, creation and modification time of the resource it was made from. */
  readonly stamp: string;
  readonly entry: ViewEntry | undefined;
}

const stampOf = (r: Resource): string => `${r.meta.version}/${r.meta.creationTime.getTime()}/${r.meta.modificationTime.getTime()}`;

/**
 * Mappings by type and store key, shared by the views of one control plane's streams that map
 * alike. While any view uses it, it watches the store itself: a change event drops the mapping of
 * its resource (a resync drops all), and a mapping is only kept when no event of its type arrived
 * while the resource was being read, so what it holds is never older than the store's last event.
 * The stamp is checked too. With no view left it stops watching and forgets everything. Every view
 * sharing a cache must map resources identically.
 */
export class WireCache {
  private readonly byType = new Map<string, Map<string, Mapping>>();
  private readonly generations = new Map<string, number>();
  private resyncs = 0;
  private users = 0;
  private unwatch: (() => void) | undefined;

  constructor(private readonly source: Pick<KdsSource, 'watch'>) {}

  /** A view starts using the cache (before its first read). */
  acquire(): void {
    this.users += 1;
    this.unwatch ??= this.source.watch((e) => {
      if (e.op === 'resync') {
        this.resyncs += 1;
        this.byType.clear();
        return;
      }
      this.generations.set(e.type, (this.generations.get(e.type) ?? 0) + 1);
      this.byType.get(e.type)?.delete(keyOf(e.mesh, e.name));
    });
  }

  /** A view is done with it; the last one stops the watch (unwatched mappings could go stale). */
  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    this.unwatch?.();
    this.unwatch = undefined;
    this.byType.clear();
    this.resyncs += 1; // reads that began while it watched must not be kept
  }

  /** Taken before reading resources of `type`; mappings of what was read are kept only if it is unchanged after. */
  generation(type: string): string {
    return `${this.resyncs}/${this.generations.get(type) ?? 0}`;
  }

  /** The mapping of `r`, read at `generation`: the cached one, or computed (and kept if nothing changed meanwhile). */
  mapping(r: Resource, storeKey: string, generation: string, map: (r: Resource) => WireEntry | undefined): ViewEntry | undefined {
    const stamp = stampOf(r);
    let table = this.byType.get(r.type);
    const cached = table?.get(storeKey);
    if (cached !== undefined && cached.stamp === stamp) return cached.entry;
    const e = map(r);
    const entry = e === undefined ? undefined : { ...e, storeKey };
    if (this.unwatch !== undefined && generation === this.generation(r.type)) {
      if (table === undefined) this.byType.set(r.type, (table = new Map()));
      table.set(storeKey, { stamp, entry });
    }
    return entry;
  }

  /** Mappings held (for tests and diagnostics). */
  get size(): number {
    let n = 0;
    for (const t of this.byType.values()) n += t.size;
    return n;
  }
}

/** Reads of single resources beyond this many (or half the type) go as one full listing instead. */
const MAX_SINGLE_READS = 1000;

export class SenderTypeView {
  /** Wire name -> entry: everything the peer should hold (store order after a full listing). */
  private readonly entries = new Map<string, ViewEntry>();
  /** Store key -> wire name of its entry. */
  private readonly wireNames = new Map<string, string>();
  /** Store keys changed since the view was last brought up to date. */
  private pending = new Set<string>();
  /** A full listing is needed (new view, resync, failed read, too many changes). */
  private stale = true;
  /** Wire names whose entry changed since drainChanges(); 'all' after a full listing. */
  private changes: Set<string> | 'all' = 'all';
  private closed = false;

  constructor(
    private readonly type: string,
    private readonly source: KdsSource,
    /** The wire form of a resource for this peer; undefined = not sent. Must depend on the resource only. */
    private readonly map: (r: Resource) => WireEntry | undefined,
    /** Shared mappings; without one every read is mapped afresh. Released by close(). */
    private readonly cache?: WireCache,
  ) {
    cache?.acquire();
  }

  /** The view is no longer used (its stream ended). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache?.release();
  }

  /** A resource of this type changed (was created, updated or deleted). */
  changed(mesh: string, name: string): void {
    if (this.stale) return;
    this.pending.add(keyOf(mesh, name));
    if (this.pending.size > MAX_SINGLE_READS) this.resync();
  }

  /** Changes may have been missed: list everything next time. */
  resync(): void {
    this.stale = true;
    this.pending.clear();
  }

  /** The wire names whose entry was added, replaced or removed since the last call ('all': any may have). */
  drainChanges(): Set<string> | 'all' {
    const c = this.changes;
    this.changes = new Set();
    return c;
  }

  /**
   * The up-to-date view. Changes noted while this runs are kept for the next call (the caller is
   * told about them through its own change handling). Throws what the source threw; the view then
   * lists in full next time.
   */
  async current(): Promise<ReadonlyMap<string, WireEntry>> {
    const singleReads = this.source.get !== undefined && !this.stale && this.pending.size <= Math.max(16, this.entries.size / 2);
    const keys = this.pending;
    this.pending = new Set();
    if (!singleReads) {
      this.stale = false;
      try {
        await this.relist();
      } catch (err) {
        this.stale = true;
        throw err;
      }
      return this.entries;
    }
    const todo = [...keys];
    for (let i = 0; i < todo.length; i++) {
      try {
        await this.reread(todo[i] ?? '');
      } catch (err) {
        for (const k of todo.slice(i)) this.pending.add(k);
        throw err;
      }
    }
    return this.entries;
  }

  private async relist(): Promise<void> {
    const generation = this.cache?.generation(this.type) ?? '';
    const { items } = await this.source.list(this.type);
    this.entries.clear();
    this.wireNames.clear();
    for (const r of items) {
      const entry = this.mapped(r, keyOf(r.meta.mesh, r.meta.name), generation);
      if (entry !== undefined) this.put(entry);
    }
    this.changes = 'all';
  }

  private async reread(storeKey: string): Promise<void> {
    const sep = storeKey.indexOf('\u0000');
    const key = { type: this.type, mesh: storeKey.slice(0, sep), name: storeKey.slice(sep + 1) };
    const generation = this.cache?.generation(this.type) ?? '';
    let r: Resource | undefined;
    try {
      r = await this.source.get?.(key);
    } catch (err) {
      if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw err;
    }
    this.drop(storeKey);
    const entry = r === undefined ? undefined : this.mapped(r, storeKey, generation);
    if (entry !== undefined) this.put(entry);
  }

  private mapped(r: Resource, storeKey: string, generation: string): ViewEntry | undefined {
    if (this.cache !== undefined) return this.cache.mapping(r, storeKey, generation, this.map);
    const e = this.map(r);
    return e === undefined ? undefined : { ...e, storeKey };
  }

  private noteChange(wireName: string): void {
    if (this.changes !== 'all') this.changes.add(wireName);
  }

  private put(e: ViewEntry): void {
    // Two store resources with one wire name: the later one wins, as in a listing.
    const other = this.entries.get(e.name);
    if (other !== undefined && other.storeKey !== e.storeKey) this.wireNames.delete(other.storeKey);
    this.entries.set(e.name, e);
    this.wireNames.set(e.storeKey, e.name);
    this.noteChange(e.name);
  }

  private drop(storeKey: string): void {
    const wire = this.wireNames.get(storeKey);
    if (wire === undefined) return;
    this.wireNames.delete(storeKey);
    if (this.entries.get(wire)?.storeKey === storeKey) this.entries.delete(wire);
    this.noteChange(wire);
  }
}
