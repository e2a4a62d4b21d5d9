import { hasCode, messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Resource, ResourceKey } from '../../core/resources/resource.js';
import type { DeltaDiscoveryResponse, KumaResource } from '../../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceManager } from '../../managers/resource-manager.js';
import type { NewResource } from '../../store/resource-store.js';
import type { Rejection } from './nack.js';
import { splitWireName, wireName } from './naming.js';
import { canonicalJson, sameLabels } from './wire.js';

// Applying one response to the local store through the ResourceManager (so every resource passes the
// same validation as an API write). Invalid resources and conflicts become Rejections (the NACK
// lists them); the valid rest is applied. Store failures other than "this resource is refused" throw:
// the stream ends and the peer reconnects, as in Kuma.

export type FromWire = (type: string, w: KumaResource) => { resource: NewResource; owner?: ResourceKey } | { rejected: string };

export interface ReconcileContext {
  target: ResourceManager;
  fromWire: FromWire;
  owns(r: Resource): boolean;
  /** A local resource not owned that an incoming one of the same key may replace (and so own). */
  adopt?(local: Resource): boolean | Promise<boolean>;
  /** Exact label matches implied by `owns`, used to narrow store lists (optional). */
  ownedLabels?: Record<string, string>;
  log: Logger;
}

/** Errors that mean "this resource is refused", not "the store is broken". */
const REFUSALS = ['ERR_RESOURCE_INVALID', 'ERR_MESH_NOT_FOUND', 'ERR_STORE_INVALID', 'ERR_RESOURCE_MALFORMED', 'ERR_RESOURCE_UNKNOWN_TYPE'];
const isRefusal = (err: unknown): boolean => REFUSALS.some((c) => hasCode(err, c));

const idOf = (mesh: string, name: string): string => `${mesh}\u0000${name}`;

/** Upserts of one response in flight at once. */
const UPSERT_CONCURRENCY = 16;

interface Upsert {
  wire: string;
  resource: NewResource;
  owner?: ResourceKey;
}

/** Progress of a (possibly chunked) initial set of one type. */
interface InitialSet {
  /** Keys the set named so far, valid or not: nothing named is deleted. */
  seen: Set<string>;
  /** Owned local resources, kept current as the chunks are applied. */
  locals: Map<string, Resource>;
}

export interface ApplySummary {
  created: number;
  updated: number;
  deleted: number;
  rejections: Rejection[];
}

export class TypeReconciler {
  private initialSet: InitialSet | undefined;

  constructor(
    private readonly type: string,
    private readonly ctx: ReconcileContext,
  ) {}

  private async listOwned(): Promise<Resource[]> {
    const { items } = await this.ctx.target.list(this.type, this.ctx.ownedLabels ? { labels: this.ctx.ownedLabels } : {});
    return items.filter((r) => this.ctx.owns(r));
  }

  private async find(mesh: string, name: string): Promise<Resource | undefined> {
    try {
      return await this.ctx.target.get({ type: this.type, mesh, name });
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return undefined;
      throw err;
    }
  }

  async apply(resp: DeltaDiscoveryResponse): Promise<ApplySummary> {
    const summary: ApplySummary = { created: 0, updated: 0, deleted: 0, rejections: [] };
    const reject = (name: string, reason: string): void => void summary.rejections.push({ name, reason });
    if (resp.initial && !this.initialSet) {
      const locals = new Map<string, Resource>();
      for (const r of await this.listOwned()) locals.set(idOf(r.meta.mesh, r.meta.name), r);
      this.initialSet = { seen: new Set(), locals };
    } else if (!resp.initial && this.initialSet) {
      this.ctx.log.warn({ type: this.type }, 'a change arrived before the initial set was complete; applying it');
    }
    const set = resp.initial ? this.initialSet : undefined;

    const upserts = new Map<string, Upsert>();
    for (const r of resp.resources) {
      const w = r.resource;
      if (!w) {
        reject(r.name, 'the resource body is missing');
        continue;
      }
      set?.seen.add(idOf(w.mesh, w.name));
      const expected = wireName(w.name, w.mesh);
      if (r.name !== expected) {
        reject(r.name, `the entry name does not match its resource (expected ${JSON.stringify(expected)})`);
        continue;
      }
      const mapped = this.ctx.fromWire(this.type, w);
      if ('rejected' in mapped) {
        reject(r.name, mapped.rejected);
        continue;
      }
      const { name, mesh } = mapped.resource.meta;
      set?.seen.add(idOf(mesh, name));
      const u: Upsert = { wire: r.name, resource: mapped.resource };
      if (mapped.owner) u.owner = mapped.owner;
      upserts.set(idOf(mesh, name), u);
    }
    await this.upsertAll([...upserts.values()], set, summary);

    for (const n of resp.removedResources) {
      const { name, mesh } = splitWireName(n);
      if (upserts.has(idOf(mesh, name))) continue; // removed and re-added in one response: an update
      await this.remove(n, await this.find(mesh, name), summary);
    }

    if (set && resp.systemVersionInfo !== '') {
      // The last chunk of the initial set: what the set did not name is gone upstream. `locals` is
      // the owned set as of the first chunk plus what this set wrote; each candidate is read again
      // before it is deleted.
      for (const [id, r] of set.locals) {
        if (set.seen.has(id)) continue;
        await this.remove(wireName(r.meta.name, r.meta.mesh), await this.find(r.meta.mesh, r.meta.name), summary);
      }
      this.initialSet = undefined;
    }
    return summary;
  }

  /**
   * The upserts of one response, UPSERT_CONCURRENCY at a time: they are distinct resources of one
   * type, so their order does not matter, and overlapping them hides store round trips (Postgres)
   * and the key generation of new Meshes. Outcomes are merged in response order.
   */
  private async upsertAll(list: readonly Upsert[], set: InitialSet | undefined, summary: ApplySummary): Promise<void> {
    const outcomes: ApplySummary[] = list.map(() => ({ created: 0, updated: 0, deleted: 0, rejections: [] }));
    let next = 0;
    let broken = false;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < list.length && !broken; i = next++) {
        try {
          await this.upsert(list[i] as Upsert, set, outcomes[i] as ApplySummary);
        } catch (err) {
          broken = true;
          throw err;
        }
      }
    };
    const workers = Array.from({ length: Math.min(UPSERT_CONCURRENCY, list.length) }, worker);
    // Every worker settles before a failure is rethrown: none keeps writing behind the caller's back.
    const failed = (await Promise.allSettled(workers)).find((r) => r.status === 'rejected');
    for (const o of outcomes) {
      summary.created += o.created;
      summary.updated += o.updated;
      summary.rejections.push(...o.rejections);
    }
    if (failed) throw failed.reason;
  }

  private conflict(u: Upsert): string {
    const { name, mesh } = u.resource.meta;
    const where = mesh === '' ? '' : ` in mesh ${JSON.stringify(mesh)}`;
    return `a ${this.type} named ${JSON.stringify(name)}${where} already exists on this control plane and was not created by KDS; it is left untouched (rename or delete it to accept this one)`;
  }

  private async upsert(u: Upsert, set: InitialSet | undefined, summary: ApplySummary): Promise<void> {
    const { name, mesh } = u.resource.meta;
    const id = idOf(mesh, name);
    let existing = set ? set.locals.get(id) : await this.find(mesh, name);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (existing === undefined) {
        try {
          const created = await this.ctx.target.create(u.resource, u.owner ? { owner: u.owner } : {});
          set?.locals.set(id, created);
          summary.created += 1;
          this.ctx.log.debug({ type: this.type, name, mesh }, 'created a resource from upstream');
          return;
        } catch (err) {
          if (isRefusal(err)) return void summary.rejections.push({ name: u.wire, reason: messageOf(err) });
          if (!hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) throw err;
          existing = await this.find(mesh, name);
          continue;
        }
      }
      if (!this.ctx.owns(existing) && !(await this.ctx.adopt?.(existing))) return void summary.rejections.push({ name: u.wire, reason: this.conflict(u) });
      const labels = u.resource.meta.labels ?? {};
      if (sameLabels(existing.meta.labels, labels) && canonicalJson(existing.spec) === canonicalJson(u.resource.spec)) return;
      try {
        const updated = await this.ctx.target.update({ ...existing, meta: { ...existing.meta, labels }, spec: u.resource.spec });
        set?.locals.set(id, updated);
        summary.updated += 1;
        this.ctx.log.debug({ type: this.type, name, mesh }, 'updated a resource from upstream');
        return;
      } catch (err) {
        if (isRefusal(err)) return void summary.rejections.push({ name: u.wire, reason: messageOf(err) });
        if (!hasCode(err, 'ERR_RESOURCE_CONFLICT')) throw err;
        existing = await this.find(mesh, name); // written or deleted meanwhile: decide again
      }
    }
    summary.rejections.push({ name: u.wire, reason: 'the resource kept changing locally while it was being synced; will retry' });
  }

  private async remove(wire: string, existing: Resource | undefined, summary: ApplySummary): Promise<void> {
    if (!existing) return; // already gone (e.g. deleted with its owner)
    if (!this.ctx.owns(existing)) {
      this.ctx.log.debug({ type: this.type, name: existing.meta.name, mesh: existing.meta.mesh }, 'upstream removed a resource this side did not get from it; leaving it');
      return;
    }
    try {
      await this.ctx.target.delete({ type: this.type, mesh: existing.meta.mesh, name: existing.meta.name });
      this.initialSet?.locals.delete(idOf(existing.meta.mesh, existing.meta.name));
      summary.deleted += 1;
      this.ctx.log.debug({ type: this.type, name: existing.meta.name, mesh: existing.meta.mesh }, 'deleted a resource removed upstream');
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return;
      if (isRefusal(err)) return void summary.rejections.push({ name: wire, reason: `could not delete: ${messageOf(err)}` });
      throw err;
    }
  }
}
