import { isIP } from 'node:net';

// Kuma's localhostIsAdmin rule (pkg/api-server/authn/localhost.go): only a *direct* loopback request is
// admin. A browser on the same machine also connects over loopback, so proxy headers, a non-loopback
// Host, cross-site fetch metadata and any Origin that is not the same loopback origin all disqualify.

export interface DirectRequestFacts {
  /** Socket peer address (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`, ...). */
  remoteAddress: string | undefined;
  /** Lower-case header names as Node gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

function header(h: DirectRequestFacts['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** An IP in Go's canonical text (IPv4-mapped IPv6 prints as IPv4), or undefined when not an IP. */
function canonicalIp(host: string): string | undefined {
  const kind = isIP(host);
  if (kind === 4) return host;
  if (kind !== 6) return undefined;
  // WHATWG URL compresses IPv6 canonically; mapped IPv4 becomes ::ffff:hhhh:hhhh.
  const compressed = new URL(`http://[${host}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (mapped) {
    const hi = parseInt(mapped[1] ?? '0', 16);
    const lo = parseInt(mapped[2] ?? '0', 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return compressed;
}

function canonicalHost(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  return canonicalIp(h) ?? h;
}

/** `localhost`, 127.0.0.0/8 or ::1 (bracketed or not, IPv4-mapped included). */
export function isLoopbackHost(raw: string): boolean {
  let host = raw.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost') return true;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const ip = canonicalIp(host);
  if (ip === undefined) return false;
  return ip === '::1' || /^127\.\d+\.\d+\.\d+$/.test(ip);
}

interface Authority {
  host: string;
  port: string;
}

/**
 * `host[:port]` with the default port of `scheme` filled in; undefined for anything Go's url.Parse
 * would refuse or that carries userinfo, a path, a query or a fragment, or a port outside 1-65535.
 */
function parseAuthority(scheme: string, authority: string): Authority | undefined {
  if (authority === '' || authority.endsWith(':') || /[@/?#\s\\]/.test(authority)) return undefined;
  let host: string;
  let port = '';
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return undefined;
    host = authority.slice(1, close);
    const rest = authority.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      port = rest.slice(1);
    }
    if (isIP(host) !== 6) return undefined;
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) return undefined;
    host = parts[0] ?? '';
    port = parts[1] ?? '';
  }
  if (port === '') port = scheme === 'http' ? '80' : scheme === 'https' ? '443' : '';
  if (!/^\d{1,5}$/.test(port)) return undefined;
  const n = Number(port);
  if (n < 1 || n > 65535) return undefined;
  const canonical = canonicalHost(host);
  if (canonical === '') return undefined;
  return { host: canonical, port: String(n) };
}

function sameOriginLoopback(origin: string, requestHost: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)$/.exec(origin);
  if (!m) return false; // `null`, `not-a-url`, paths, queries and fragments
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return false;
  const o = parseAuthority(scheme, m[2] ?? '');
  if (!o || !isLoopbackHost(o.host)) return false;
  // Default ports come from the Origin's scheme on both sides (Kuma's rule).
  const h = parseAuthority(scheme, requestHost);
  return h !== undefined && h.host === o.host && h.port === o.port;
}

/** True when every condition of §5.3 holds: the request may act as the local admin. */
export function isDirectLoopbackRequest(req: DirectRequestFacts): boolean {
  if (req.remoteAddress === undefined || !isLoopbackHost(req.remoteAddress)) return false;
  for (const name of PROXY_HEADERS) if (req.headers[name] !== undefined) return false;
  const host = header(req.headers, 'host') ?? '';
  const hostAuthority = parseAuthority('http', host);
  if (!hostAuthority || !isLoopbackHost(hostAuthority.host)) return false;
  const site = header(req.headers, 'sec-fetch-site') ?? '';
  if (site !== '' && site !== 'same-origin' && site !== 'none') return false;
  const origin = header(req.headers, 'origin');
  return origin === undefined || origin === '' || sameOriginLoopback(origin, host);
}
