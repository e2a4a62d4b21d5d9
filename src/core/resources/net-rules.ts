// Address rules as Kuma applies them (Go net.ParseIP, govalidator.IsDNSName, k8s IsDNS1123Subdomain),
// written without node:net so core stays pure and so zone ids ("fe80::1%eth0") are refused like Go does.

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP_RE = /^[0-9a-fA-F]{1,4}$/;

export function isIPv4(s: string): boolean {
  return IPV4_RE.test(s);
}

export function isIPv6(s: string): boolean {
  if (!s.includes(':')) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string): string[] | undefined => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let width = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] ?? '';
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      width += 2;
    } else if (HEX_GROUP_RE.test(g)) {
      width += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? width < 8 : width === 8;
}

/** Go net.ParseIP(s) != nil. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

export function isUnspecifiedIP(s: string): boolean {
  return s === '0.0.0.0' || (isIPv6(s) && /^[0:]+$/.test(s));
}

const DNS_NAME_RE = /^([a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?$/;

/** govalidator.IsDNSName: labels of letters, digits, '_' and '-', not an IP. */
export function isDNSName(s: string): boolean {
  if (s === '' || s.replaceAll('.', '').length > 255) return false;
  return !isIP(s) && DNS_NAME_RE.test(s);
}

const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
  "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** k8s IsDNS1123Subdomain: the list of problems (empty when valid). */
export function dns1123SubdomainErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN_RE.test(s)) errs.push(DNS1123_SUBDOMAIN_MSG);
  return errs;
}

/** go-spiffe spiffeid.FromString: undefined when valid, else its error text. */
export function spiffeIdError(id: string): string | undefined {
  if (id === '') return 'cannot be empty';
  const scheme = 'spiffe://';
  if (!id.startsWith(scheme)) return 'scheme is missing or invalid';
  const rest = id.slice(scheme.length);
  const slash = rest.indexOf('/');
  const td = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (td === '') return 'trust domain is missing';
  if (!/^[a-z0-9._-]+$/.test(td)) {
    return 'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores';
  }
  if (path === '') return undefined;
  const segments = path.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? '';
    if (seg === '') return i === segments.length - 1 ? 'path cannot have a trailing slash' : 'path cannot contain empty segments';
    if (seg === '.' || seg === '..') return 'path cannot contain dot segments';
    if (!/^[a-zA-Z0-9._-]+$/.test(seg)) {
      return 'path segment characters are limited to letters, numbers, dots, dashes, and underscores';
    }
  }
  return undefined;
}
