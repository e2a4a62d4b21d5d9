import { compareBytes } from '../core/resources/json.js';
import type { Resource } from '../core/resources/resource.js';
import { InvalidStoreRequestError } from './errors.js';
import type { ListOptions, ResourceList } from './resource-store.js';

// Filtering, ordering and paging shared by every backend, so they page identically (Kuma does this in
// its pagination wrapper: sort by (mesh, name), slice [offset, offset+size), next = offset+size).

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Go strconv.Atoi semantics and texts, then Kuma's non-negative rule. */
export function parseOffset(offset: string | undefined, pageSize: number): number {
  if (offset === undefined || offset === '') return 0;
  if (!/^[+-]?\d+$/.test(offset)) throw new InvalidStoreRequestError(`invalid offset: strconv.Atoi: parsing ${JSON.stringify(offset)}: invalid syntax`);
  const n = Number(offset);
  if (!Number.isSafeInteger(n)) throw new InvalidStoreRequestError(`invalid offset: strconv.Atoi: parsing ${JSON.stringify(offset)}: value out of range`);
  if (n < 0) throw new InvalidStoreRequestError('invalid offset: must be non-negative');
  if (n > MAX_SAFE - pageSize) throw new InvalidStoreRequestError('invalid offset: exceeds maximum value');
  return n;
}

export function checkPageSize(size: number | undefined): number {
  const s = size ?? 0;
  if (!Number.isSafeInteger(s) || s < 0) throw new InvalidStoreRequestError('invalid page size: must be a non-negative integer');
  return s;
}

export function compareMeshName(a: Resource, b: Resource): number {
  return compareBytes(a.meta.mesh, b.meta.mesh) || compareBytes(a.meta.name, b.meta.name);
}

/** True when the resource passes mesh, name and label filters. */
export function matchesListOptions(r: Resource, opts: ListOptions): boolean {
  if (opts.mesh && r.meta.mesh !== opts.mesh) return false;
  if (opts.nameContains && !r.meta.name.includes(opts.nameContains)) return false;
  if (opts.labels) {
    for (const [k, v] of Object.entries(opts.labels)) if (r.meta.labels[k] !== v) return false;
  }
  return true;
}

/** Sort `matching` (already filtered) by (mesh, name) and cut the requested page. Sorts in place. */
export function pageOf(matching: Resource[], opts: ListOptions): ResourceList {
  const size = checkPageSize(opts.pageSize);
  const offset = size === 0 ? 0 : parseOffset(opts.pageOffset, size);
  matching.sort(compareMeshName);
  const total = matching.length;
  if (size === 0) return { items: matching, total };
  const items = matching.slice(offset, offset + size);
  const out: ResourceList = { items, total };
  if (offset + size < total) out.next = String(offset + size);
  return out;
}
