/**
 * A small DER writer: just the ASN.1 types X.509 certificates and CSRs need. Each function returns the
 * complete encoding of one element (tag, length, contents) in a single allocation, so building a
 * certificate is a handful of copies; that is what makes identity issuance fast (see leaf.ts).
 */
import { PkiError } from './errors.js';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function lengthOfLength(n: number): number {
  if (n < 0x80) return 1;
  if (n <= 0xff) return 2;
  if (n <= 0xffff) return 3;
  if (n <= 0xffffff) return 4;
  return 5;
}

function writeHeader(out: Buffer, tag: number, length: number): number {
  out[0] = tag;
  const n = lengthOfLength(length);
  if (n === 1) {
    out[1] = length;
    return 2;
  }
  out[1] = 0x80 | (n - 1);
  for (let i = n - 1, v = length; i >= 1; i--, v = Math.floor(v / 256)) out[1 + i] = v & 0xff;
  return 1 + n;
}

/** One element: `tag` (a full identifier octet, e.g. 0x30 or 0xa3) around the concatenated parts. */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafe(1 + lengthOfLength(length) + length);
  let at = writeHeader(out, tag, length);
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const sequence = (...parts: readonly Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...parts);
export const set = (...parts: readonly Uint8Array[]): Buffer => tlv(TAG.SET, ...parts);

/** `[n] EXPLICIT` (constructed context tag wrapping whole elements). */
export const explicit = (n: number, ...parts: readonly Uint8Array[]): Buffer => tlv(0xa0 | n, ...parts);
/** `[n] IMPLICIT` for a primitive type: the contents octets get the context tag. */
export const implicitPrimitive = (n: number, contents: Uint8Array): Buffer => tlv(0x80 | n, contents);
/** `[n] IMPLICIT` for a constructed type (SEQUENCE/SET OF): the contents keep their structure. */
export const implicitConstructed = (n: number, ...parts: readonly Uint8Array[]): Buffer => tlv(0xa0 | n, ...parts);

export const NULL = Buffer.from([TAG.NULL, 0x00]);
export const TRUE = Buffer.from([TAG.BOOLEAN, 0x01, 0xff]);

export const boolean = (value: boolean): Buffer => (value ? TRUE : Buffer.from([TAG.BOOLEAN, 0x01, 0x00]));

/** INTEGER from unsigned big-endian magnitude bytes (leading zeros dropped, 0x00 added when needed). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const body = magnitude.subarray(start);
  if (body.length === 0) return Buffer.from([TAG.INTEGER, 0x01, 0x00]);
  const pad = (body[0] as number) & 0x80 ? 1 : 0;
  const out = Buffer.allocUnsafe(1 + lengthOfLength(body.length + pad) + body.length + pad);
  let at = writeHeader(out, TAG.INTEGER, body.length + pad);
  if (pad) out[at++] = 0;
  out.set(body, at);
  return out;
}

/** Big-endian magnitude of a non-negative bigint (at least one byte). */
export function bigintToBytes(value: bigint): Buffer {
  if (value < 0n) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `negative integers are not supported here (got ${value})`);
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

/** INTEGER from a non-negative number or bigint. */
export function integer(value: number | bigint): Buffer {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `not an integer: ${value}`);
  return unsignedInteger(bigintToBytes(BigInt(value)));
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted form ("1.2.840.10045.4.3.2"); encodings are cached (treat as read-only). */
export function oid(dotted: string): Buffer {
  let hit = oidCache.get(dotted);
  if (!hit) {
    hit = encodeOid(dotted);
    if (oidCache.size < 256) oidCache.set(dotted, hit);
  }
  return hit;
}

function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `invalid object identifier "${dotted}"`);
    return BigInt(s);
  });
  const [a0, a1] = arcs;
  if (a0 === undefined || a1 === undefined || a0 > 2n || (a0 < 2n && a1 > 39n)) {
    throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `invalid object identifier "${dotted}"`);
  }
  const bytes: number[] = [];
  const push = (arc: bigint): void => {
    const group: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...group);
  };
  push(a0 * 40n + a1);
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(TAG.OID, Buffer.from(bytes));
}

/** BIT STRING with `unusedBits` padding bits in the last octet (0 for keys and signatures). */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  const out = Buffer.allocUnsafe(1 + lengthOfLength(bytes.length + 1) + bytes.length + 1);
  const at = writeHeader(out, TAG.BIT_STRING, bytes.length + 1);
  out[at] = unusedBits;
  out.set(bytes, at + 1);
  return out;
}

/**
 * A named-bit BIT STRING (like KeyUsage) from the set bit numbers; DER drops trailing zero bits,
 * so the encoding is as short as the highest set bit allows.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] as number) | (0x80 >> (b & 7));
  return bitString(bytes, bytes.length * 8 - (highest + 1));
}

export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, bytes);

/** IA5String; only 7-bit ASCII is representable, anything else is a caller error. */
export function ia5String(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) {
    throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `"${text}" contains non-ASCII characters, which an IA5String (DNS name, URI) cannot hold`);
  }
  return tlv(TAG.IA5_STRING, Buffer.from(text, 'latin1'));
}

export const utf8String = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** True when `text` fits a PrintableString. */
export const isPrintable = (text: string): boolean => PRINTABLE.test(text);

export function printableString(text: string): Buffer {
  if (!isPrintable(text)) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `"${text}" is not a PrintableString`);
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

/** A directory string the way Go writes it: PrintableString when possible, else UTF8String. */
export const directoryString = (text: string): Buffer => (isPrintable(text) ? printableString(text) : utf8String(text));

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * RFC 5280 §4.1.2.5 time: UTCTime for years 1950–2049, GeneralizedTime otherwise, whole seconds in
 * UTC ("Z"); fractions of a second are dropped, as Go does.
 */
export function time(date: Date): Buffer {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', 'invalid date (NaN) for a certificate time');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `year ${year} cannot be written in a certificate`);
  const rest =
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(pad2(year % 100) + rest, 'latin1'));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}
