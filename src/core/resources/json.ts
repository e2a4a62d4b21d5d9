/** JSON values as specs hold them (proto-JSON: enums as strings, bytes as base64, durations as "10s"). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Lenient readers: validators must never crash on hostile input, so a wrong JSON type reads as absent. */
export function objAt(v: unknown, key: string): JsonObject | undefined {
  if (!isObject(v)) return undefined;
  const x = v[key];
  return isObject(x) ? x : undefined;
}

export function strAt(v: unknown, key: string): string {
  if (!isObject(v)) return '';
  const x = v[key];
  return typeof x === 'string' ? x : '';
}

export function arrAt(v: unknown, key: string): JsonValue[] {
  if (!isObject(v)) return [];
  const x = v[key];
  return Array.isArray(x) ? x : [];
}

export function boolAt(v: unknown, key: string): boolean {
  return isObject(v) && v[key] === true;
}

/** True when the key is present with a non-null value (proto "message is set"). */
export function has(v: unknown, key: string): boolean {
  return isObject(v) && v[key] !== undefined && v[key] !== null;
}

/**
 * A proto uint32 as proto-JSON accepts it (a number or a numeric string); anything else reads as 0,
 * which every port/threshold rule then rejects.
 */
export function uintAt(v: unknown, key: string): number {
  if (!isObject(v)) return 0;
  const x = v[key];
  const n = typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
}

/** A string→string map (tags, labels); non-string values are dropped. */
export function stringMapAt(v: unknown, key: string): Record<string, string> {
  const o = objAt(v, key);
  const out: Record<string, string> = {};
  if (!o) return out;
  for (const [k, val] of Object.entries(o)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** Keys sorted the way Go's sort.Strings does (byte order), for stable violation order. */
export function sortedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).sort(compareBytes);
}

/** Byte-wise (UTF-8) string order, as Go and Postgres "C" collation compare: code point order. */
export function compareBytes(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) ?? 0;
    const cb = b.codePointAt(j) ?? 0;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  const restA = a.length - i;
  const restB = b.length - j;
  return restA === restB ? 0 : restA < restB ? -1 : 1;
}
