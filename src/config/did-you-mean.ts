/** "Did you mean" hints for misspelt keys and env var names. */

/** Levenshtein distance (insert, delete, substitute), case-sensitive. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function isSubsequence(word: string, of: string): boolean {
  let i = 0;
  for (const ch of of) if (ch === word[i]) i++;
  return i === word.length;
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible typo:
 * a case-insensitive match wins, otherwise at most `maxDistance` edits (default: max(2, a third of
 * the word)).
 */
export function closest(word: string, candidates: Iterable<string>, maxDistance?: number): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  let bestSub = false;
  const limit = maxDistance ?? Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    if (c.toLowerCase() === word.toLowerCase()) return c;
    const d = editDistance(word, c);
    // On a tie prefer a candidate the word is a subsequence of: a dropped letter is the usual typo
    // (`htps` is `https`, not `http`).
    const sub = isSubsequence(word, c);
    if (d < bestDist || (d === bestDist && sub && !bestSub)) {
      best = c;
      bestDist = d;
      bestSub = sub;
    }
  }
  return bestDist <= limit ? best : undefined;
}
