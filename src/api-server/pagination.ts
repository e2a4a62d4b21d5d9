import { InvalidPageSizeError } from './problem.js';

// Kuma pkg/api-server/pagination.go: `size` (default 100, max 1000) and an opaque `offset`; `next` is
// this URL with the new offset, query re-encoded the way Go's url.Values.Encode does it.

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface Page {
  size: number;
  offset: string;
}

/** Go strconv.Atoi accepts an optional sign and decimal digits only. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d{1,18}$/.test(s)) return undefined;
  return Number(s);
}

/** The page a list request asks for; InvalidPageSizeError with Kuma's reasons. */
export function pageOf(query: URLSearchParams): Page {
  let size = DEFAULT_PAGE_SIZE;
  const raw = query.get('size') ?? '';
  if (raw !== '') {
    const n = atoi(raw);
    if (n === undefined) throw new InvalidPageSizeError('invalid format');
    if (n <= 0) throw new InvalidPageSizeError('must be greater than 0');
    if (n > MAX_PAGE_SIZE) throw new InvalidPageSizeError(`invalid page size of ${n}. Maximum page size is ${MAX_PAGE_SIZE}`);
    size = n;
  }
  return { size, offset: query.get('offset') ?? '' };
}

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go's url.Values.Encode: keys sorted, values in their order. */
export function encodeQuery(query: URLSearchParams): string {
  const keys = [...new Set(query.keys())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const k of keys) for (const v of query.getAll(k)) parts.push(`${queryEscape(k)}=${queryEscape(v)}`);
  return parts.join('&');
}

/** The `next` link, or null on the last page. */
export function nextLink(req: { tls: boolean; host: string; path: string; query: URLSearchParams }, nextOffset: string | undefined): string | null {
  if (nextOffset === undefined || nextOffset === '') return null;
  const q = new URLSearchParams(req.query);
  q.set('offset', nextOffset);
  return `${req.tls ? 'https' : 'http'}://${req.host}${req.path}?${encodeQuery(q)}`;
}
