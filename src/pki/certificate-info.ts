/**
 * What a certificate says, read from its DER with our defensive reader: names as DER (to reuse as
 * an issuer), exact validity dates, key identifiers, basic constraints, key usages and SANs.
 * Node's X509Certificate does not expose all of these (nor exact Dates on Node 20).
 */
import { X509Certificate } from 'node:crypto';
import { children, encoded, malformed, parseDer, readBitString, readInteger, readOid, readString, readTime, sequenceOf, type DerElement } from './der-reader.js';
import {
  decodeAltNames,
  decodeAuthorityKeyId,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeSubjectKeyId,
  readExtensions,
  type AltNamesInfo,
  type BasicConstraintsInfo,
  type ExtensionInfo,
} from './extension-reader.js';
import { OID, type KeyUsage } from './oids.js';

export interface NameAttribute {
  oid: string;
  /** Short name (CN, O, OU, C, ST, L) when known, else the dotted OID. */
  type: string;
  value: string;
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  [OID.commonName]: 'CN',
  [OID.organization]: 'O',
  [OID.organizationalUnit]: 'OU',
  [OID.country]: 'C',
  [OID.province]: 'ST',
  [OID.locality]: 'L',
  [OID.serialNumber]: 'SERIALNUMBER',
};

export function decodeName(el: DerElement | undefined, what: string): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of sequenceOf(el, what)) {
    for (const atv of sequenceOf(rdn, what, 0x31)) {
      const [typeEl, valueEl] = sequenceOf(atv, what);
      const attrOid = readOid(typeEl, what);
      out.push({ oid: attrOid, type: SHORT_NAMES[attrOid] ?? attrOid, value: readString(valueEl, what) });
    }
  }
  return out;
}

/** "O=Kuma, OU=Mesh, CN=default" ("" for the empty name). */
export const formatName = (attrs: readonly NameAttribute[]): string => attrs.map((a) => `${a.type}=${a.value}`).join(', ');

export interface CertificateInfo {
  der: Buffer;
  serial: bigint;
  issuerName: Buffer;
  issuer: NameAttribute[];
  subjectName: Buffer;
  subject: NameAttribute[];
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  signatureAlgorithm: string;
  extensions: ExtensionInfo[];
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  basicConstraints?: BasicConstraintsInfo;
  keyUsage?: KeyUsage[];
  extKeyUsage?: string[];
  altNames: AltNamesInfo;
}

const cache = new WeakMap<X509Certificate, CertificateInfo>();

/** Parses a certificate (X509Certificate or DER). Results for X509Certificate objects are cached. */
export function readCertificateInfo(cert: X509Certificate | Uint8Array, what = 'certificate'): CertificateInfo {
  if (cert instanceof X509Certificate) {
    const hit = cache.get(cert);
    if (hit) return hit;
    const info = parseCertificate(cert.raw, what);
    cache.set(cert, info);
    return info;
  }
  return parseCertificate(Buffer.from(cert), what);
}

function parseCertificate(der: Buffer, what: string): CertificateInfo {
  const [tbsEl, sigAlgEl, signatureEl] = sequenceOf(parseDer(der, what), what);
  readBitString(signatureEl, what);
  const tbs = sequenceOf(tbsEl, what);
  let i = 0;
  if (tbs[0]?.tag === 0xa0) i++; // [0] version
  const serial = readInteger(tbs[i++], what);
  i++; // signature (repeated in the outer sequence)
  const issuerEl = tbs[i++];
  const [notBefore, notAfter] = sequenceOf(tbs[i++], what).map((t) => readTime(t, what)) as [Date, Date];
  const subjectEl = tbs[i++];
  const spkiEl = tbs[i++];
  if (spkiEl === undefined || issuerEl === undefined || subjectEl === undefined) throw malformed(what, 'TBSCertificate has too few fields');
  sequenceOf(spkiEl, what);
  let extensions: ExtensionInfo[] = [];
  for (; i < tbs.length; i++) {
    const el = tbs[i] as DerElement;
    if (el.tag === 0xa3) extensions = readExtensions(children(el, what)[0], what);
  }
  const info: CertificateInfo = {
    der,
    serial,
    issuerName: Buffer.from(encoded(issuerEl)),
    issuer: decodeName(issuerEl, what),
    subjectName: Buffer.from(encoded(subjectEl)),
    subject: decodeName(subjectEl, what),
    notBefore,
    notAfter,
    spki: Buffer.from(encoded(spkiEl)),
    signatureAlgorithm: readOid(sequenceOf(sigAlgEl, what)[0], what),
    extensions,
    altNames: { dnsNames: [], ipAddresses: [], uris: [], emails: [], others: [] },
  };
  for (const ext of extensions) {
    const w = `${what} (extension ${ext.oid})`;
    switch (ext.oid) {
      case OID.subjectKeyIdentifier:
        info.subjectKeyId = decodeSubjectKeyId(ext.value, w);
        break;
      case OID.authorityKeyIdentifier: {
        const id = decodeAuthorityKeyId(ext.value, w);
        if (id) info.authorityKeyId = id;
        break;
      }
      case OID.basicConstraints:
        info.basicConstraints = decodeBasicConstraints(ext.value, w);
        break;
      case OID.keyUsage:
        info.keyUsage = decodeKeyUsage(ext.value, w);
        break;
      case OID.extKeyUsage:
        info.extKeyUsage = decodeExtKeyUsage(ext.value, w);
        break;
      case OID.subjectAltName:
        info.altNames = decodeAltNames(ext.value, w);
        break;
    }
  }
  return info;
}

/** A human name for a certificate in messages: its subject, else its SANs, else its serial. */
export function describeCertificate(cert: X509Certificate | Uint8Array): string {
  let info: CertificateInfo;
  try {
    info = readCertificateInfo(cert);
  } catch {
    return 'certificate (unparsable)';
  }
  if (info.subject.length > 0) return `"${formatName(info.subject)}"`;
  const sans = [...info.altNames.uris, ...info.altNames.dnsNames, ...info.altNames.ipAddresses];
  if (sans.length > 0) return `with SANs [${sans.join(', ')}]`;
  return `with serial ${info.serial.toString(16)}`;
}
