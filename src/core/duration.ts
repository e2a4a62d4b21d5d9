/**
 * Go's duration syntax, as Kuma's config uses it (`10s`, `2m0s`, `1.5h`, `300ms`): parsing behaves
 * like Go's time.ParseDuration (same accepted inputs, same error texts) and formatting like
 * Duration.String(). Arithmetic is done in nanoseconds with BigInt so the int64 overflow rules match
 * Go; the millisecond helpers are what config objects store. Pure, no I/O.
 */

import { KumaError } from './errors.js';

export class DurationError extends KumaError {
  constructor(message: string) {
    super('ERR_INVALID_DURATION', message);
  }
}

const NS_PER_MS = 1_000_000n;
const MAX_U63 = 1n << 63n; // Go compares the unsigned accumulator against 1<<63

const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // U+00B5 micro sign
  ['\u03bcs', 1_000n], // U+03BC Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** Go's time.quote: ASCII printable as is (escaping `"` and `\`), other bytes as \xNN. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parses a Go duration string into nanoseconds. Throws DurationError with Go's message. */
export function parseGoDurationNanos(orig: string): bigint {
  const invalid = (): DurationError => new DurationError(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // integer part
    let i = 0;
    let v = 0n;
    for (; i < s.length && isDigit(s[i]); i++) {
      if (v > MAX_U63 / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX_U63) throw invalid();
    }
    const pre = i > 0;
    s = s.slice(i);
    // fraction part: digits past what fits in int64 are ignored, as in Go
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      for (; j < s.length && isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > (MAX_U63 - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > MAX_U63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    // unit: everything up to the next digit or dot
    let u = 0;
    while (u < s.length && !(s[u] === '.' || isDigit(s[u]))) u++;
    if (u === 0) throw new DurationError(`time: missing unit in duration ${goQuote(orig)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNIT_NS.get(unitName);
    if (unit === undefined) throw new DurationError(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(orig)}`);
    if (v > MAX_U63 / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go uses float64 here too (nanosecond-accurate for fractions of hours) and truncates.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_U63) throw invalid();
    }
    total += v;
    if (total > MAX_U63) throw invalid();
  }
  if (neg) return -total;
  if (total > MAX_U63 - 1n) throw invalid();
  return total;
}

/** Parses a Go duration string into milliseconds (fractional below 1ms). Throws DurationError. */
export function parseGoDuration(s: string): number {
  const ns = parseGoDurationNanos(s);
  const whole = ns / NS_PER_MS;
  const rest = ns % NS_PER_MS;
  return Number(whole) + Number(rest) / 1e6;
}

/** Milliseconds as nanoseconds, exact for integral milliseconds. */
export function millisToNanos(ms: number): bigint {
  if (!Number.isFinite(ms)) throw new DurationError(`not a finite duration: ${ms}`);
  if (Number.isInteger(ms)) return BigInt(ms) * NS_PER_MS;
  return BigInt(Math.round(ms * 1e6));
}

/** Writes v / 10^prec with trailing zeros (and a bare dot) removed: Go's fmtFrac. */
function fracPart(v: bigint, prec: number): { frac: string; rest: bigint } {
  let digits = '';
  let print = false;
  let rest = v;
  for (let i = 0; i < prec; i++) {
    const digit = rest % 10n;
    print = print || digit !== 0n;
    if (print) digits = digit.toString() + digits;
    rest /= 10n;
  }
  return { frac: print ? `.${digits}` : '', rest };
}

/** Go's Duration.String() for a nanosecond count: `0s`, `1.5s`, `300ms`, `2m0s`, `1h0m0s`. */
export function formatGoDurationNanos(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < 1_000n) {
      prec = 0;
      unit = 'ns';
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = '\u00b5s';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const { frac, rest } = fracPart(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const { frac, rest } = fracPart(u, 9);
    u = rest; // whole seconds
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Go's Duration.String() for a millisecond count. */
export function formatGoDuration(ms: number): string {
  return formatGoDurationNanos(millisToNanos(ms));
}
