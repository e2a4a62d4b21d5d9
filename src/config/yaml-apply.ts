/**
 * Strict reading of a parsed YAML document onto a config object: unknown keys are rejected with the
 * closest known key as a hint, wrong types are reported with their path, every problem is collected.
 * Values are never echoed in messages (a misplaced password must not end up in a log). A `null`
 * value (`key:` with nothing after it) keeps the current value, as in Kuma.
 */

import { DurationError, parseGoDuration } from '../core/duration.js';
import { closest } from './did-you-mean.js';
import type { Violation } from './errors.js';
import type { Field, PublicKeysField, Section } from './schema.js';

export interface YamlApplyResult {
  readonly violations: Violation[];
  /** Known-but-unimplemented keys present in the document (dotted paths). */
  readonly ignored: string[];
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number' || typeof v === 'bigint') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'string') return 'a string';
  return typeof v;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function unknownKey(path: string, key: string, known: readonly string[]): Violation {
  const at = join(path, key);
  const hint = closest(key, known);
  return {
    path: at,
    message: hint === undefined ? `unknown key '${at}'` : `unknown key '${at}' — did you mean '${join(path, hint)}'?`,
  };
}

function readPublicKeys(field: PublicKeysField, value: unknown, path: string, out: Violation[]): unknown {
  if (!Array.isArray(value)) {
    out.push({ path, message: `${path}: expected a list, got ${kindOf(value)}` });
    return undefined;
  }
  const allowed = field.meshed ? ['kid', 'mesh', 'key', 'keyFile'] : ['kid', 'key', 'keyFile'];
  const keys: Record<string, string>[] = [];
  value.forEach((item: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isMapping(item)) {
      out.push({ path: at, message: `${at}: expected a mapping, got ${kindOf(item)}` });
      return;
    }
    const key: Record<string, string> = field.meshed ? { kid: '', mesh: '', key: '', keyFile: '' } : { kid: '', key: '', keyFile: '' };
    for (const [k, v] of Object.entries(item)) {
      if (!allowed.includes(k)) {
        out.push(unknownKey(at, k, allowed));
        continue;
      }
      // Kuma's own documentation writes `kid: 1`; accept integers for kid.
      if (k === 'kid' && typeof v === 'number' && Number.isInteger(v)) key[k] = String(v);
      else if (typeof v === 'string') key[k] = v;
      else if (v !== null) out.push({ path: `${at}.${k}`, message: `${at}.${k}: expected a string, got ${kindOf(v)}` });
    }
    keys.push(key);
  });
  return keys;
}

/** Converts one YAML value for `field`; undefined (with a violation pushed) when it does not fit. */
function readField(field: Field, value: unknown, path: string, out: Violation[]): unknown {
  const wrong = (want: string): undefined => {
    out.push({ path, message: `${path}: expected ${want}, got ${kindOf(value)}` });
    return undefined;
  };
  switch (field.kind) {
    case 'string':
      return typeof value === 'string' ? value : wrong('a string (quote the value)');
    case 'bool':
      return typeof value === 'boolean' ? value : wrong('a boolean (true or false)');
    case 'int': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return wrong('an integer');
      if (field.unsigned && value < 0) {
        out.push({ path, message: `${path}: expected a non-negative integer, got a negative number` });
        return undefined;
      }
      if (field.unsigned && value > 0xffff_ffff) {
        out.push({ path, message: `${path}: expected an integer in [0, 4294967295]` });
        return undefined;
      }
      return value;
    }
    case 'duration': {
      // Kuma reads a bare number as nanoseconds, a silent trap: only 0 is accepted unquoted.
      if (value === 0) return 0;
      if (typeof value !== 'string') return wrong('a duration such as "10s" (Go syntax)');
      try {
        return parseGoDuration(value);
      } catch (err) {
        if (!(err instanceof DurationError)) throw err;
        out.push({ path, message: `${path}: ${err.message}` });
        return undefined;
      }
    }
    case 'list': {
      if (!Array.isArray(value)) return wrong('a list of strings');
      if (!value.every((x) => typeof x === 'string')) return wrong('a list of strings');
      return [...(value as string[])];
    }
    case 'map': {
      if (!isMapping(value) || !Object.values(value).every((x) => typeof x === 'string')) return wrong('a mapping of strings');
      return { ...(value as Record<string, string>) };
    }
    case 'publicKeys':
      return readPublicKeys(field, value, path, out);
  }
}

/** Applies `doc` (a parsed YAML document) onto `target`, which must be shaped by `schema`. */
export function applyYaml(schema: Section, target: Record<string, unknown>, doc: unknown): YamlApplyResult {
  const violations: Violation[] = [];
  const ignored: string[] = [];
  const walk = (sec: Section, obj: Record<string, unknown>, value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    if (!isMapping(value)) {
      violations.push({ path, message: `${path === '' ? 'configuration' : path}: expected a mapping, got ${kindOf(value)}` });
      return;
    }
    const known = Object.keys(sec.fields);
    for (const [key, v] of Object.entries(value)) {
      const node = sec.fields[key];
      const at = join(path, key);
      if (node === undefined || !Object.hasOwn(sec.fields, key)) {
        violations.push(unknownKey(path, key, known));
      } else if (node.kind === 'ignored') {
        ignored.push(at);
      } else if (node.kind === 'section') {
        walk(node, obj[key] as Record<string, unknown>, v, at);
      } else if (v !== null) {
        const read = readField(node, v, at, violations);
        if (read !== undefined) obj[key] = read;
      }
    }
  };
  walk(schema, target, doc, '');
  return { violations, ignored };
}
