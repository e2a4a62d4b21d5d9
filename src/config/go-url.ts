/**
 * The parts of Go's net/url.Parse that decide whether Kuma accepts a URL in config, with Go's error
 * texts (`parse "<url>": <reason>`). Enough to validate `multizone.zone.globalAddress` and API URLs
 * the way Kuma does: Go is lenient (`localhost:5685` parses, with scheme `localhost`).
 */

export interface GoUrl {
  /** Lower-cased, as Go does. */
  readonly scheme: string;
  /** `host[:port]` of the authority, '' when there is none. */
  readonly host: string;
}

export type GoUrlResult = { ok: true; url: GoUrl } | { ok: false; error: string };

// Go's getScheme: letters first, then letters, digits, + - . up to the first colon.
function splitScheme(raw: string): { scheme: string; rest: string } | { error: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) return { error: 'missing protocol scheme' };
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

const validOptionalPort = (p: string): boolean => p === '' || /^:\d*$/.test(p);

function checkEscapes(s: string): string | undefined {
  const m = /%(?![0-9a-fA-F]{2})(.{0,2})/.exec(s);
  return m === null ? undefined : `invalid URL escape ${JSON.stringify(`%${m[1] ?? ''}`)}`;
}

function checkHost(host: string): string | undefined {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) return "missing ']' in host";
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) return `invalid port ${JSON.stringify(colonPort)} after host`;
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) return `invalid port ${JSON.stringify(colonPort)} after host`;
    }
  }
  return checkEscapes(host);
}

/** Parses like Go's url.Parse; `error` is Go's full text, e.g. `parse "x": missing protocol scheme`. */
export function parseGoUrl(rawWithFragment: string): GoUrlResult {
  const hash = rawWithFragment.indexOf('#');
  const raw = hash >= 0 ? rawWithFragment.slice(0, hash) : rawWithFragment;
  const fail = (reason: string): GoUrlResult => ({ ok: false, error: `parse ${JSON.stringify(raw)}: ${reason}` });
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail('net/url: invalid control character in URL');
  if (raw === '*') return { ok: true, url: { scheme: '', host: '' } };
  const split = splitScheme(raw);
  if ('error' in split) return fail(split.error);
  const scheme = split.scheme.toLowerCase();
  let rest = split.rest;
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { ok: true, url: { scheme, host: '' } }; // opaque, e.g. mailto:x
    const firstSegment = rest.split('/')[0] ?? '';
    if (firstSegment.includes(':')) return fail('first path segment in URL cannot contain colon');
  }
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = slash >= 0 ? authority.slice(slash) : '';
    if (slash >= 0) authority = authority.slice(0, slash);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return fail('net/url: invalid userinfo');
    }
    host = authority.slice(at + 1);
    const hostErr = checkHost(host);
    if (hostErr !== undefined) return fail(hostErr);
  }
  const pathErr = checkEscapes(rest);
  if (pathErr !== undefined) return fail(pathErr);
  return { ok: true, url: { scheme, host } };
}
