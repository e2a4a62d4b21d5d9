/**
 * Kuma's BuildRules with negations for MeshTrafficPermission `from[]` (MADR 007,
 * pkg/plugins/policies/core/rules/rules.go): the `from` entries of every policy selecting an
 * inbound, in policy order, become subsets; intersecting subsets are grouped; every combination of
 * each group's tags and their negations gets the merged action of the entries containing it (later
 * entries win); rules are ordered by their number of positive tags, most specific first.
 */
import type { MtpAction } from '../../core/resources/index.js';
import { connectedComponents, maximalCliques, sortGroups } from './groups.js';
import { compareTags, intersect, isSubset, numPositive, subsetCombinations, type Subset, type Tag } from './subset.js';

export interface FromItem {
  /** The clients of the `from[].targetRef`, as a subset. */
  subset: Subset;
  action: MtpAction;
  /** Name of the policy the entry belongs to. */
  policy: string;
}

export interface FromRule {
  subset: Tag[];
  action: MtpAction;
  /** Policies whose entries contributed, each once, in order. */
  origin: string[];
}

export interface BuildFromRulesOptions {
  /** Maximal cliques (default, Kuma's default) or connected components. */
  useCliques?: boolean;
}

function ruleFor(ss: Tag[], items: readonly FromItem[]): FromRule | undefined {
  const relevant = items.filter((item) => isSubset(item.subset, ss));
  const last = relevant[relevant.length - 1];
  if (!last) return undefined;
  return { subset: ss, action: last.action, origin: [...new Set(relevant.map((r) => r.policy))] };
}

export function buildFromRules(items: readonly FromItem[], opts: BuildFromRulesOptions = {}): FromRule[] {
  if (items.length === 0) return [];
  const graph = items.map((a, i) => new Set(items.flatMap((b, j) => (i !== j && intersect(a.subset, b.subset) ? [j] : []))));
  const groups = sortGroups((opts.useCliques ?? true) ? maximalCliques(graph) : connectedComponents(graph));
  const rules: FromRule[] = [];
  for (const group of groups) {
    const unique = new Map<string, Tag>();
    for (const node of group) {
      for (const t of (items[node] as FromItem).subset) unique.set(`${t.key}\u0000${t.value}\u0000${t.not}`, t);
    }
    const tags = [...unique.values()].sort(compareTags);
    for (const ss of subsetCombinations(tags)) {
      const rule = ruleFor(ss, items);
      if (rule) rules.push(rule);
    }
  }
  // Stable: equally specific rules keep the enumeration order.
  return rules
    .map((rule, i) => ({ rule, i, n: numPositive(rule.subset) }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((x) => x.rule);
}
