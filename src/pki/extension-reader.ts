/**
 * Decoding of the extensions we care about, shared by certificate inspection and CSR parsing.
 * Everything the requester asked for is surfaced (including SAN kinds we never issue and unknown
 * extensions), so policy code can refuse what it did not expect.
 */
import { TAG } from './der.js';
import {
  children,
  contents,
  malformed,
  parseDer,
  readBoolean,
  readInteger,
  readNamedBits,
  readOctetString,
  readOid,
  sequenceOf,
  type DerElement,
} from './der-reader.js';
import { formatIp } from './hosts.js';
import { KEY_USAGE_BITS, OID, type KeyUsage } from './oids.js';

export interface ExtensionInfo {
  oid: string;
  critical: boolean;
  /** The extnValue contents (the DER of the extension's own structure). */
  value: Buffer;
}

export interface AltNamesInfo {
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  emails: string[];
  /** GeneralName kinds we never issue (otherName, directoryName, …), described for error messages. */
  others: string[];
}

/** Extensions ::= SEQUENCE OF Extension; duplicates are refused (RFC 5280 §4.2). */
export function readExtensions(el: DerElement | undefined, what: string): ExtensionInfo[] {
  const out: ExtensionInfo[] = [];
  for (const ext of sequenceOf(el, what)) {
    const fields = sequenceOf(ext, what);
    const extOid = readOid(fields[0], what);
    let i = 1;
    let critical = false;
    if (fields[i]?.tag === TAG.BOOLEAN) critical = readBoolean(fields[i++], what);
    const value = readOctetString(fields[i++], `${what} (extension ${extOid})`);
    if (i !== fields.length) throw malformed(what, `extension ${extOid} has unexpected extra fields`);
    if (out.some((e) => e.oid === extOid)) throw malformed(what, `extension ${extOid} appears twice`);
    out.push({ oid: extOid, critical, value });
  }
  return out;
}

const ascii = (el: DerElement, what: string): string => {
  const c = contents(el);
  for (const b of c) if (b < 0x20 || b > 0x7e) throw malformed(what, 'non-printable character in a name');
  return c.toString('latin1');
};

const OTHER_KINDS: Readonly<Record<number, string>> = {
  0xa0: 'otherName',
  0xa3: 'x400Address',
  0xa4: 'directoryName',
  0xa5: 'ediPartyName',
  0x88: 'registeredID',
};

export function decodeAltNames(value: Buffer, what: string): AltNamesInfo {
  const out: AltNamesInfo = { dnsNames: [], ipAddresses: [], uris: [], emails: [], others: [] };
  for (const gn of sequenceOf(parseDer(value, what), what)) {
    switch (gn.tag) {
      case 0x81:
        out.emails.push(ascii(gn, what));
        break;
      case 0x82:
        out.dnsNames.push(ascii(gn, what));
        break;
      case 0x86:
        out.uris.push(ascii(gn, what));
        break;
      case 0x87: {
        const ip = contents(gn);
        if (ip.length !== 4 && ip.length !== 16) throw malformed(what, `IP address SAN of ${ip.length} octets`);
        out.ipAddresses.push(formatIp(ip));
        break;
      }
      default:
        out.others.push(OTHER_KINDS[gn.tag] ?? `GeneralName tag 0x${gn.tag.toString(16)}`);
    }
  }
  return out;
}

export interface BasicConstraintsInfo {
  isCa: boolean;
  pathLen?: number;
}

export function decodeBasicConstraints(value: Buffer, what: string): BasicConstraintsInfo {
  const fields = sequenceOf(parseDer(value, what), what);
  let i = 0;
  const isCa = fields[i]?.tag === TAG.BOOLEAN ? readBoolean(fields[i++], what) : false;
  if (fields[i] === undefined) return { isCa };
  const pathLen = readInteger(fields[i], what);
  if (pathLen < 0n || pathLen > 1000n) throw malformed(what, 'pathLenConstraint out of range');
  return { isCa, pathLen: Number(pathLen) };
}

export function decodeKeyUsage(value: Buffer, what: string): KeyUsage[] {
  return readNamedBits(parseDer(value, what), what)
    .map((bit) => KEY_USAGE_BITS[bit])
    .filter((u): u is KeyUsage => u !== undefined);
}

const EKU_NAMES: Readonly<Record<string, string>> = { [OID.serverAuth]: 'serverAuth', [OID.clientAuth]: 'clientAuth' };

/** Extended key usages as names (serverAuth, clientAuth) or dotted OIDs for the rest. */
export function decodeExtKeyUsage(value: Buffer, what: string): string[] {
  return sequenceOf(parseDer(value, what), what).map((el) => {
    const o = readOid(el, what);
    return EKU_NAMES[o] ?? o;
  });
}

/** keyIdentifier of an AuthorityKeyIdentifier, if present. */
export function decodeAuthorityKeyId(value: Buffer, what: string): Buffer | undefined {
  const keyId = children(parseDer(value, what), what).find((el) => el.tag === 0x80);
  return keyId ? Buffer.from(contents(keyId)) : undefined;
}

export const decodeSubjectKeyId = (value: Buffer, what: string): Buffer => Buffer.from(readOctetString(parseDer(value, what), what));
