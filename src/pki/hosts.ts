/**
 * Host names and IP addresses for subjectAltName: "does this parse as an IP" (like Go's
 * net.ParseIP: dotted IPv4 without leading zeros, IPv6 incl. an embedded IPv4 tail, no zone) and a
 * DNS-name check that explains which host is wrong and why.
 */
import { isIPv6 } from 'node:net';
import { PkiError } from './errors.js';

const IPV4_OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_OCTET}\\.${IPV4_OCTET}\\.${IPV4_OCTET}\\.${IPV4_OCTET}$`);

function ipv4Bytes(text: string): Buffer | undefined {
  const m = IPV4.exec(text);
  return m ? Buffer.from([Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]) : undefined;
}

function ipv6Bytes(text: string): Buffer | undefined {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  const out = Buffer.alloc(16);
  let tail = text;
  let v4: Buffer | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = tail.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const zeros = 8 - head.length - rest.length;
  if (halves.length === 1 ? zeros !== 0 : zeros < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? zeros : 0).fill('0'), ...rest];
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (v4) out.set(v4, 12);
  return out;
}

/** The 4- or 16-byte address when `text` is an IP address, else undefined. */
export function parseIp(text: string): Buffer | undefined {
  return ipv4Bytes(text) ?? (text.includes(':') ? ipv6Bytes(text) : undefined);
}

/** The printable form of a 4- or 16-byte address (IPv6 compressed like RFC 5952). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * Why `name` is not a usable DNS name for a certificate, or undefined when it is. Accepts letters,
 * digits, '-' (not at a label's ends) and '_' (real host names have them; Go accepts them too), and
 * a leading "*." wildcard label.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.length > 253) return `it is ${name.length} characters long (at most 253)`;
  if (name.endsWith('.')) return 'it ends with a dot (write it without the trailing dot)';
  const labels = name.split('.');
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as string;
    if (label === '*' && i === 0) {
      if (labels.length < 2) return 'a wildcard needs a domain after "*." (like *.example.com)';
      continue;
    }
    if (label === '') return 'it has an empty label (two dots in a row or a leading dot)';
    if (label.length > 63) return `label "${label.slice(0, 20)}…" is ${label.length} characters long (at most 63)`;
    if (!LABEL.test(label)) {
      if (label.includes('*')) return 'a wildcard is only allowed as the whole leftmost label (like *.example.com)';
      return `label "${label}" may contain only letters, digits, '-' and '_', and must not start or end with '-'`;
    }
  }
  return undefined;
}

export function checkDnsName(name: string, what = 'host name'): void {
  const problem = dnsNameProblem(name);
  if (problem !== undefined) {
    throw new PkiError('ERR_PKI_INVALID_HOST', `invalid ${what} ${JSON.stringify(name)}: ${problem}; use a DNS name (like cp.example.com) or an IP address`);
  }
}

/** Splits hosts into DNS names and IPs the way Kuma does (anything that parses as an IP is an IP SAN). */
export function classifyHosts(hosts: readonly string[]): { dnsNames: string[]; ipAddresses: Buffer[] } {
  const dnsNames: string[] = [];
  const ipAddresses: Buffer[] = [];
  for (const host of hosts) {
    if (typeof host !== 'string') throw new PkiError('ERR_PKI_INVALID_HOST', `invalid host ${String(host)}: hosts must be strings`);
    const ip = parseIp(host);
    if (ip) ipAddresses.push(ip);
    else {
      checkDnsName(host);
      dnsNames.push(host);
    }
  }
  return { dnsNames, ipAddresses };
}

/** IP addresses as bytes; an entry that is not an IP is a caller error. */
export function ipsToBytes(ips: readonly string[]): Buffer[] {
  return ips.map((text) => {
    const bytes = parseIp(text);
    if (!bytes) throw new PkiError('ERR_PKI_INVALID_HOST', `invalid IP address ${JSON.stringify(text)}: use dotted IPv4 (10.0.0.1) or IPv6 (fd00::1) without a zone`);
    return bytes;
  });
}

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;

/** URIs for subjectAltName must be absolute and printable ASCII without spaces. */
export function checkUri(uri: string): void {
  if (typeof uri !== 'string' || !URI.test(uri)) {
    throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `invalid URI SAN ${JSON.stringify(uri)}: use an absolute URI of printable ASCII without spaces (like spiffe://default/web)`);
  }
}
