/**
 * A small, defensive DER reader for certificates and CSRs that may come from hostile peers. Every
 * length is checked against the bytes that are really there, indefinite and over-long lengths are
 * refused, and every failure is a PkiError (ERR_PKI_MALFORMED_DER) naming what was being read.
 * Parsing is lazy (children are read on request), so nesting depth is bounded by the callers' fixed
 * structure rather than by the input.
 */
import { PkiError } from './errors.js';
import { TAG } from './der.js';

export interface DerElement {
  /** The identifier octet (class, constructed bit and tag number; only low tag numbers occur). */
  readonly tag: number;
  /** Offset of the identifier octet in `input`. */
  readonly start: number;
  /** Offset of the first contents octet. */
  readonly contentStart: number;
  /** Offset just past the element. */
  readonly end: number;
  readonly input: Buffer;
}

export function malformed(what: string, reason: string): PkiError {
  return new PkiError('ERR_PKI_MALFORMED_DER', `malformed DER in ${what}: ${reason}`);
}

/** Reads the element starting at `offset`, which must end at or before `limit`. */
export function readElement(input: Buffer, offset: number, limit: number, what: string): DerElement {
  if (offset >= limit) throw malformed(what, `unexpected end of data at offset ${offset}`);
  const tag = input[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw malformed(what, `unsupported high tag number at offset ${offset}`);
  if (offset + 1 >= limit) throw malformed(what, `truncated length at offset ${offset + 1}`);
  const first = input[offset + 1] as number;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else {
    const n = first & 0x7f;
    if (n === 0) throw malformed(what, `indefinite length at offset ${offset + 1} (not allowed in DER)`);
    if (n > 4) throw malformed(what, `length of ${n} octets at offset ${offset + 1} is too large`);
    if (offset + 2 + n > limit) throw malformed(what, `truncated length at offset ${offset + 1}`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (input[offset + 2 + i] as number);
    if (length < 0x80 || (n > 1 && input[offset + 2] === 0)) {
      throw malformed(what, `non-minimal length encoding at offset ${offset + 1}`);
    }
    contentStart = offset + 2 + n;
  }
  const end = contentStart + length;
  if (end > limit) throw malformed(what, `element at offset ${offset} claims ${length} octets but only ${limit - contentStart} remain`);
  return { tag, start: offset, contentStart, end, input };
}

/** Parses `input` as exactly one element (no trailing bytes). */
export function parseDer(input: Uint8Array, what: string): DerElement {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const el = readElement(buf, 0, buf.length, what);
  if (el.end !== buf.length) throw malformed(what, `${buf.length - el.end} unexpected trailing octets`);
  return el;
}

/** The contents octets (a view, not a copy). */
export const contents = (el: DerElement): Buffer => el.input.subarray(el.contentStart, el.end);
/** The whole encoding of the element (a view). */
export const encoded = (el: DerElement): Buffer => el.input.subarray(el.start, el.end);

const MAX_CHILDREN = 10_000;

/** The elements inside a constructed element, in order. */
export function children(el: DerElement, what: string): DerElement[] {
  if ((el.tag & 0x20) === 0) throw malformed(what, `expected a constructed element, got tag 0x${el.tag.toString(16)}`);
  const out: DerElement[] = [];
  for (let at = el.contentStart; at < el.end; ) {
    if (out.length >= MAX_CHILDREN) throw malformed(what, `more than ${MAX_CHILDREN} elements`);
    const child = readElement(el.input, at, el.end, what);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function expectTag(el: DerElement | undefined, tag: number, what: string): DerElement {
  if (el === undefined) throw malformed(what, `missing element (expected tag 0x${tag.toString(16)})`);
  if (el.tag !== tag) throw malformed(what, `expected tag 0x${tag.toString(16)}, got 0x${el.tag.toString(16)}`);
  return el;
}

/** Children of a SEQUENCE (or other constructed tag) checked to be of that tag. */
export const sequenceOf = (el: DerElement | undefined, what: string, tag: number = TAG.SEQUENCE): DerElement[] =>
  children(expectTag(el, tag, what), what);

export function readBoolean(el: DerElement | undefined, what: string): boolean {
  const c = contents(expectTag(el, TAG.BOOLEAN, what));
  if (c.length !== 1) throw malformed(what, 'BOOLEAN must be one octet');
  return c[0] !== 0;
}

/** INTEGER contents as a bigint (two's complement). */
export function readInteger(el: DerElement | undefined, what: string): bigint {
  const c = contents(expectTag(el, TAG.INTEGER, what));
  if (c.length === 0) throw malformed(what, 'empty INTEGER');
  if (c.length > 64) throw malformed(what, 'INTEGER longer than 64 octets');
  let v = BigInt(`0x${c.toString('hex')}`);
  if ((c[0] as number) & 0x80) v -= 1n << BigInt(c.length * 8);
  return v;
}

export function readOid(el: DerElement | undefined, what: string): string {
  const c = contents(expectTag(el, TAG.OID, what));
  if (c.length === 0 || c.length > 64) throw malformed(what, 'OBJECT IDENTIFIER of bad length');
  const arcs: bigint[] = [];
  let v = 0n;
  for (let i = 0; i < c.length; i++) {
    const b = c[i] as number;
    if (v === 0n && b === 0x80) throw malformed(what, 'non-minimal OBJECT IDENTIFIER arc');
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    } else if (i === c.length - 1) {
      throw malformed(what, 'truncated OBJECT IDENTIFIER');
    }
  }
  const first = arcs[0] as bigint;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

export function readBitString(el: DerElement | undefined, what: string): { bytes: Buffer; unusedBits: number } {
  const c = contents(expectTag(el, TAG.BIT_STRING, what));
  if (c.length === 0) throw malformed(what, 'empty BIT STRING');
  const unusedBits = c[0] as number;
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) throw malformed(what, 'bad BIT STRING padding');
  return { bytes: c.subarray(1), unusedBits };
}

/** Bit numbers set in a named-bit BIT STRING (bit 0 is the most significant bit of the first octet). */
export function readNamedBits(el: DerElement | undefined, what: string): number[] {
  const { bytes, unusedBits } = readBitString(el, what);
  const total = bytes.length * 8 - unusedBits;
  const out: number[] = [];
  for (let i = 0; i < total; i++) if (((bytes[i >> 3] as number) >> (7 - (i & 7))) & 1) out.push(i);
  return out;
}

export const readOctetString = (el: DerElement | undefined, what: string): Buffer => contents(expectTag(el, TAG.OCTET_STRING, what));

/** A UTCTime or GeneralizedTime in RFC 5280 form (…Z, whole seconds; fractions accepted and dropped). */
export function readTime(el: DerElement | undefined, what: string): Date {
  if (el === undefined) throw malformed(what, 'missing time');
  const text = contents(el).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (el.tag === TAG.UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!m) throw malformed(what, `bad UTCTime "${text.slice(0, 40)}"`);
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (el.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
    if (!m) throw malformed(what, `bad GeneralizedTime "${text.slice(0, 40)}"`);
    year = Number(m[1]);
  } else {
    throw malformed(what, `expected a time, got tag 0x${el.tag.toString(16)}`);
  }
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw malformed(what, `impossible date "${text}"`);
  }
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

/** A string type's text (UTF8String, PrintableString, IA5String, …). */
export function readString(el: DerElement | undefined, what: string): string {
  if (el === undefined) throw malformed(what, 'missing string');
  const c = contents(el);
  switch (el.tag) {
    case TAG.UTF8_STRING: {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(c);
      } catch {
        throw malformed(what, 'invalid UTF-8 in UTF8String');
      }
    }
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case 0x14 /* TeletexString, read as Latin-1 like most tools */:
      return c.toString('latin1');
    case 0x1e /* BMPString */:
      if (c.length % 2) throw malformed(what, 'odd-length BMPString');
      return Buffer.from(c).swap16().toString('utf16le');
    default:
      throw malformed(what, `expected a string, got tag 0x${el.tag.toString(16)}`);
  }
}
