/**
 * Tag subsets of MADR 007 (Kuma pkg/plugins/policies/core/rules/subsetutils): a subset is a list of
 * tags, each `key = value` or `key != value`, describing a group of clients. The operations are the
 * ones the `from[]` rule builder needs, with Kuma's semantics.
 */

export interface Tag {
  key: string;
  value: string;
  not: boolean;
}

export type Subset = readonly Tag[];

export const numPositive = (ss: Subset): number => ss.reduce((n, t) => n + (t.not ? 0 : 1), 0);

/** t2 ⊆ t1 for two tags of the same key (Kuma's isSubset). */
function tagIsSubset(t1: Tag, t2: Tag): boolean {
  if (t1.key !== t2.key) return false;
  if (t1.not === t2.not) return t1.value === t2.value;
  if (t1.not) return t1.value !== t2.value;
  return false;
}

/** True when `other` is a subset of `ss` (every client in `other` is in `ss`); the empty subset contains all. */
export function isSubset(ss: Subset, other: Subset): boolean {
  if (ss.length === 0) return true;
  for (const tag of ss) {
    const same = other.filter((t) => t.key === tag.key);
    if (same.length === 0) return false;
    if (!same.every((t) => tagIsSubset(tag, t))) return false;
  }
  return true;
}

/** True when some client can be in both (only positive tags can conflict); the empty subset intersects all. */
export function intersect(a: Subset, b: Subset): boolean {
  if (a.length === 0 || b.length === 0) return true;
  for (const tag of a) {
    if (tag.not) continue;
    for (const o of b) {
      if (o.not || o.key !== tag.key) continue;
      if (o.value !== tag.value) return false;
    }
  }
  return true;
}

/**
 * Every combination of "one of the values" / "none of the values" per key of `tags` (which must be
 * sorted by key, then value), in exactly the order Kuma's SubsetIter yields them: the order decides
 * which of two equally specific rules comes first.
 */
export function* subsetCombinations(tags: readonly Tag[]): Generator<Tag[]> {
  const dims: { key: string; values: string[] }[] = [];
  for (const t of tags) {
    let dim = dims.find((d) => d.key === t.key);
    if (!dim) dims.push((dim = { key: t.key, values: [] }));
    if (!dim.values.includes(t.value)) dim.values.push(t.value);
  }
  const idx = dims.map(() => 0);
  const current = (): Tag[] => {
    const out: Tag[] = [];
    dims.forEach((d, i) => {
      const choice = idx[i] as number;
      if (choice === d.values.length) for (const v of d.values) out.push({ key: d.key, value: v, not: true });
      else out.push({ key: d.key, value: d.values[d.values.length - choice - 1] as string, not: false });
    });
    return out;
  };
  for (;;) {
    let advanced = false;
    for (let i = 0; i < idx.length; i++) {
      const radix = (dims[i] as { values: string[] }).values.length + 1;
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < radix) {
        advanced = true;
        break;
      }
      idx[i] = 0;
    }
    yield current();
    if (!advanced) return;
  }
}

/** Byte-order comparison of tags by key, then value. */
export function compareTags(a: Tag, b: Tag): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}
