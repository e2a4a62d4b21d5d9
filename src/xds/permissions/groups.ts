/**
 * Grouping of intersecting `from[]` subsets before their combinations are enumerated: maximal
 * cliques (Bron–Kerbosch, Kuma's default) or connected components (Kuma with
 * KUMA_MESH_TRAFFIC_PERMISSION_DISABLE_CLIQUES_ALGORITHM=true), ordered as Kuma's sortComponents
 * does (node ids ascending inside a group; groups by their "0:1:2" text, descending).
 */

/** Adjacency as sets of node ids 0..n-1 (no self loops). */
export type Graph = readonly ReadonlySet<number>[];

/** Every maximal clique, including single nodes without neighbours. */
export function maximalCliques(graph: Graph): number[][] {
  const out: number[][] = [];
  const expand = (r: number[], p: Set<number>, x: Set<number>): void => {
    if (p.size === 0 && x.size === 0) {
      out.push(r);
      return;
    }
    // Pivot: the node of P ∪ X with most neighbours in P keeps the recursion small.
    let pivot = -1;
    let best = -1;
    for (const u of [...p, ...x]) {
      let n = 0;
      for (const v of graph[u] ?? []) if (p.has(v)) n++;
      if (n > best) [pivot, best] = [u, n];
    }
    const pivotNeighbours = graph[pivot] ?? new Set<number>();
    for (const v of [...p]) {
      if (pivotNeighbours.has(v)) continue;
      const nv = graph[v] ?? new Set<number>();
      expand([...r, v], new Set([...p].filter((w) => nv.has(w))), new Set([...x].filter((w) => nv.has(w))));
      p.delete(v);
      x.add(v);
    }
  };
  expand([], new Set(graph.map((_, i) => i)), new Set());
  return out;
}

export function connectedComponents(graph: Graph): number[][] {
  const seen = new Set<number>();
  const out: number[][] = [];
  for (let start = 0; start < graph.length; start++) {
    if (seen.has(start)) continue;
    const component: number[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length > 0) {
      const u = stack.pop() as number;
      component.push(u);
      for (const v of graph[u] ?? []) {
        if (!seen.has(v)) {
          seen.add(v);
          stack.push(v);
        }
      }
    }
    out.push(component);
  }
  return out;
}

/** Kuma's sortComponents. */
export function sortGroups(groups: number[][]): number[][] {
  const sorted = groups.map((g) => [...g].sort((a, b) => a - b));
  const text = (g: number[]): string => g.join(':');
  return sorted.sort((a, b) => {
    const ta = text(a);
    const tb = text(b);
    return ta === tb ? 0 : ta > tb ? -1 : 1;
  });
}
