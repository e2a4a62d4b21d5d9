import { DurationError, parseGoDuration } from '../../core/duration.js';
import { CliError } from '../program.js';

// Flag value parsers with the semantics and error texts of the pflag types Kuma's kumactl uses, so
// scripts written for Kuma behave the same.

function invalid(value: string, flag: string, why: string): CliError {
  return new CliError(`invalid argument ${JSON.stringify(value)} for ${JSON.stringify(flag)} flag: ${why}`);
}

/** A Go duration flag (`30s`, `24h`, `1m30s`) parsed into milliseconds. */
export function durationFlag(flag: string): (value: string) => number {
  return (value) => {
    try {
      return parseGoDuration(value);
    } catch (err) {
      if (err instanceof DurationError) throw invalid(value, flag, err.message);
      throw err;
    }
  };
}

/** Go's encoding/csv reading of one record (quotes allowed), as pflag uses for StringToString. */
function csvRecord(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('extraneous or missing " in quoted-field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',') throw new Error('extraneous or missing " in quoted-field');
    } else {
      while (i < text.length && text[i] !== ',') field += text[i++];
    }
    out.push(field);
    if (i >= text.length) return out;
    i++; // the comma
  }
}

/**
 * pflag's StringToString: `k=v` (the value may hold commas when there is a single `=`),
 * `k1=v1,k2=v2`; repeated flags merge. Errors: `<pair> must be formatted as key=value`.
 */
export function stringToStringFlag(flag: string): (value: string, previous: Record<string, string> | undefined) => Record<string, string> {
  return (value, previous) => {
    const equals = value.split('=').length - 1;
    if (equals === 0) throw invalid(value, flag, `${value} must be formatted as key=value`);
    let pairs: string[];
    if (equals === 1) pairs = [value.replace(/^"+|"+$/g, '')];
    else {
      try {
        pairs = csvRecord(value);
      } catch (err) {
        throw invalid(value, flag, (err as Error).message);
      }
    }
    const out: Record<string, string> = { ...(previous ?? {}) };
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at < 0) throw invalid(value, flag, `${pair} must be formatted as key=value`);
      out[pair.slice(0, at)] = pair.slice(at + 1);
    }
    return out;
  };
}
