/**
 * Certificate signing requests (PKCS#10). createCsr is what kuma-dp sends; parseCsr is what the
 * control plane reads from an untrusted peer, so it verifies the self-signature and reports
 * everything requested (all SAN kinds, CA flag, key usages, unknown extensions, key strength) for
 * the caller's policy to accept or refuse. Malformed input is always a PkiError.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decodeName, type NameAttribute } from './certificate-info.js';
import { bitString, implicitConstructed, integer, oid, sequence, set } from './der.js';
import { children, encoded, malformed, parseDer, readBitString, readInteger, readOid, sequenceOf, type DerElement } from './der-reader.js';
import { PkiError, inSource } from './errors.js';
import {
  decodeAltNames,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  readExtensions,
  type AltNamesInfo,
  type ExtensionInfo,
} from './extension-reader.js';
import { subjectAltNameExtension } from './extensions.js';
import { checkDnsName, checkUri, ipsToBytes } from './hosts.js';
import { spkiOf } from './spki.js';
import type { KeyPair } from './keys.js';
import { encodeName, type SubjectName } from './names.js';
import { OID, type KeyUsage } from './oids.js';
import { looksLikePem, pemDecodeAll, pemEncode } from './pem.js';
import { signerFor } from './signature.js';

export interface CsrOptions {
  keyPair: KeyPair;
  uriSans?: readonly string[];
  dnsSans?: readonly string[];
  ipSans?: readonly string[];
  subject?: SubjectName;
}

export function createCsr(opts: CsrOptions): { csrPem: string; csrDer: Buffer } {
  (opts.uriSans ?? []).forEach(checkUri);
  (opts.dnsSans ?? []).forEach((d) => checkDnsName(d, 'DNS SAN'));
  const subjectName = encodeName(opts.subject);
  const san = subjectAltNameExtension(
    { dnsNames: opts.dnsSans ?? [], ipAddresses: ipsToBytes(opts.ipSans ?? []), uris: opts.uriSans ?? [] },
    subjectName.length === 2,
  );
  const attributes = san ? [sequence(oid(OID.extensionRequest), set(sequence(san)))] : [];
  const info = sequence(integer(0), subjectName, spkiOf(opts.keyPair.publicKey), implicitConstructed(0, ...attributes));
  const signer = signerFor(opts.keyPair.privateKey);
  const der = sequence(info, signer.algorithmIdentifier, bitString(signer.sign(info)));
  return { csrPem: pemEncode('CERTIFICATE REQUEST', der), csrDer: der };
}

export interface ParsedCsr {
  der: Buffer;
  publicKey: KeyObject;
  /** 'rsa', 'ec', 'ed25519', … (Node's asymmetricKeyType). */
  keyType: string;
  /** RSA modulus bits, or the EC curve's size (256 for P-256). */
  keyBits?: number;
  /** Node's curve name for EC keys ('prime256v1', 'secp384r1', …). */
  curve?: string;
  subject: NameAttribute[];
  uriSans: string[];
  dnsSans: string[];
  ipSans: string[];
  emailSans: string[];
  /** SAN kinds other than DNS/IP/URI/email (otherName, directoryName, …). */
  otherSans: string[];
  /** True when the request carries basicConstraints with cA=true. */
  isCaRequested: boolean;
  keyUsage?: KeyUsage[];
  extKeyUsage?: string[];
  /** Every requested extension, known or not, with its criticality. */
  extensions: ExtensionInfo[];
  /** Attribute OIDs other than extensionRequest (challengePassword, …). */
  otherAttributes: string[];
  signatureAlgorithm: string;
  /** The self-signature verifies with the requested public key. */
  signatureValid: boolean;
}

const CURVE_BITS: Readonly<Record<string, number>> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256 };

const SIGNATURE_HASH: Readonly<Record<string, { hash: string | null; keyType: string }>> = {
  [OID.sha256WithRsa]: { hash: 'sha256', keyType: 'rsa' },
  [OID.sha384WithRsa]: { hash: 'sha384', keyType: 'rsa' },
  [OID.sha512WithRsa]: { hash: 'sha512', keyType: 'rsa' },
  [OID.ecdsaWithSha256]: { hash: 'sha256', keyType: 'ec' },
  [OID.ecdsaWithSha384]: { hash: 'sha384', keyType: 'ec' },
  [OID.ecdsaWithSha512]: { hash: 'sha512', keyType: 'ec' },
  [OID.ed25519]: { hash: null, keyType: 'ed25519' },
};

function csrDer(input: string | Uint8Array, source: string | undefined): Buffer {
  if (!looksLikePem(input)) {
    if (typeof input === 'string') throw new PkiError('ERR_PKI_MALFORMED_PEM', `no certificate request found${inSource(source)}: expected a "CERTIFICATE REQUEST" PEM block`);
    return Buffer.from(input);
  }
  const block = pemDecodeAll(input, source).find((b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST');
  if (!block) throw new PkiError('ERR_PKI_MALFORMED_PEM', `no certificate request found${inSource(source)}: expected a "CERTIFICATE REQUEST" PEM block`);
  return block.der;
}

/** Real requests are well under 4 KiB; anything this large is refused before parsing. */
export const MAX_CSR_BYTES = 64 * 1024;

/** Parses and checks a PKCS#10 request (PEM or DER). Throws only PkiError. */
export function parseCsr(input: string | Uint8Array, source?: string): ParsedCsr {
  const what = `certificate request${inSource(source)}`;
  if (input.length > MAX_CSR_BYTES * 2) throw malformed(what, `request is larger than ${MAX_CSR_BYTES} bytes`);
  const der = csrDer(input, source);
  if (der.length > MAX_CSR_BYTES) throw malformed(what, `request is larger than ${MAX_CSR_BYTES} bytes`);
  const [infoEl, sigAlgEl, sigEl] = sequenceOf(parseDer(der, what), what);
  const info = sequenceOf(infoEl, what);
  if (readInteger(info[0], what) !== 0n) throw malformed(what, 'unsupported version (expected 0)');
  const subject = decodeName(info[1], what);
  const spkiEl = info[2];
  if (spkiEl === undefined) throw malformed(what, 'missing public key');
  sequenceOf(spkiEl, what);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(encoded(spkiEl)), format: 'der', type: 'spki' });
  } catch (err) {
    throw new PkiError('ERR_PKI_MALFORMED_DER', `malformed DER in ${what}: the public key cannot be parsed`, { cause: err });
  }
  const attrsEl = info[3];
  if (attrsEl === undefined || attrsEl.tag !== 0xa0) throw malformed(what, 'missing attributes');
  if (info.length > 4) throw malformed(what, 'unexpected fields after the attributes');

  let extensions: ExtensionInfo[] = [];
  const otherAttributes: string[] = [];
  let sawExtensionRequest = false;
  for (const attr of children(attrsEl, what)) {
    const [typeEl, valuesEl] = sequenceOf(attr, what);
    const attrOid = readOid(typeEl, what);
    const values = sequenceOf(valuesEl, what, 0x31);
    if (attrOid !== OID.extensionRequest) {
      otherAttributes.push(attrOid);
      continue;
    }
    if (sawExtensionRequest || values.length !== 1) throw malformed(what, 'more than one extensionRequest');
    sawExtensionRequest = true;
    extensions = readExtensions(values[0], what);
  }

  const sigAlg = readOid(sequenceOf(sigAlgEl, what)[0], what);
  const signature = readBitString(sigEl, what);
  const details = publicKey.asymmetricKeyDetails ?? {};
  const keyType = publicKey.asymmetricKeyType ?? 'unknown';
  const parsed: ParsedCsr = {
    der,
    publicKey,
    keyType,
    subject,
    uriSans: [],
    dnsSans: [],
    ipSans: [],
    emailSans: [],
    otherSans: [],
    isCaRequested: false,
    extensions,
    otherAttributes,
    signatureAlgorithm: sigAlg,
    signatureValid: verifySignature(sigAlg, keyType, publicKey, infoEl as DerElement, signature),
  };
  if (details.modulusLength !== undefined) parsed.keyBits = details.modulusLength;
  if (details.namedCurve !== undefined) {
    parsed.curve = details.namedCurve;
    const bits = CURVE_BITS[details.namedCurve];
    if (bits !== undefined) parsed.keyBits = bits;
  }
  for (const ext of extensions) {
    const w = `${what} (extension ${ext.oid})`;
    if (ext.oid === OID.subjectAltName) setAltNames(parsed, decodeAltNames(ext.value, w));
    else if (ext.oid === OID.basicConstraints) parsed.isCaRequested = decodeBasicConstraints(ext.value, w).isCa;
    else if (ext.oid === OID.keyUsage) parsed.keyUsage = decodeKeyUsage(ext.value, w);
    else if (ext.oid === OID.extKeyUsage) parsed.extKeyUsage = decodeExtKeyUsage(ext.value, w);
  }
  return parsed;
}

function setAltNames(parsed: ParsedCsr, names: AltNamesInfo): void {
  parsed.uriSans = names.uris;
  parsed.dnsSans = names.dnsNames;
  parsed.ipSans = names.ipAddresses;
  parsed.emailSans = names.emails;
  parsed.otherSans = names.others;
}

function verifySignature(sigAlg: string, keyType: string, key: KeyObject, infoEl: DerElement, signature: { bytes: Buffer; unusedBits: number }): boolean {
  const alg = SIGNATURE_HASH[sigAlg];
  if (!alg || alg.keyType !== keyType || signature.unusedBits !== 0) return false;
  try {
    return verify(alg.hash, encoded(infoEl), key, signature.bytes);
  } catch {
    return false;
  }
}
