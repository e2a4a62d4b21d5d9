/**
 * Environment overrides, with Kuma's (kelseyhightower/envconfig) semantics: a variable that is present
 * wins over the file even when empty; empty clears a string or list, and is an error for numbers,
 * booleans and durations. Lists are comma separated, maps `k:v,k2:v2`. Unlike envconfig, list items
 * are trimmed and empty items dropped, and every bad variable is reported, not just the first.
 * Secret values are never echoed.
 */

import { DurationError, parseGoDuration } from '../core/duration.js';
import { closest } from './did-you-mean.js';
import type { Violation } from './errors.js';
import { leavesOf, setAt, type Field, type Section } from './schema.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The env var table of a schema: name → dotted YAML path. */
export function envTableOf(schema: Section): Map<string, string> {
  const table = new Map<string, string>();
  for (const { path, field } of leavesOf(schema)) {
    if (field.env !== undefined) table.set(field.env, path.join('.'));
  }
  return table;
}

const MASK = '*****';

class EnvValueError extends Error {
  constructor(
    readonly goType: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const INT_RE = /^[+-]?\d+$/;
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function parseInt64(raw: string, unsigned: boolean): number {
  const fn = unsigned ? 'strconv.ParseUint' : 'strconv.ParseInt';
  const goType = unsigned ? 'uint32' : 'int';
  if (!INT_RE.test(raw) || (unsigned && raw.startsWith('-'))) {
    throw new EnvValueError(goType, `${fn}: parsing ${JSON.stringify(raw)}: invalid syntax`);
  }
  const n = Number(raw);
  const max = unsigned ? 0xffff_ffff : Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(n) || n > max) throw new EnvValueError(goType, `${fn}: parsing ${JSON.stringify(raw)}: value out of range`);
  return n;
}

function splitList(raw: string): string[] {
  if (raw.trim() === '') return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Converts an env value for `field`; throws EnvValueError. */
export function parseEnvValue(field: Field, raw: string): unknown {
  switch (field.kind) {
    case 'string':
      return raw;
    case 'int':
      return parseInt64(raw, field.unsigned);
    case 'bool':
      if (TRUE.has(raw)) return true;
      if (FALSE.has(raw)) return false;
      throw new EnvValueError('bool', `strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
    case 'duration':
      try {
        return parseGoDuration(raw);
      } catch (err) {
        if (err instanceof DurationError) throw new EnvValueError('time.Duration', err.message);
        throw err;
      }
    case 'list':
      return splitList(raw);
    case 'map': {
      const out: Record<string, string> = {};
      if (raw.trim() === '') return out;
      for (const pair of raw.split(',')) {
        const kv = pair.split(':');
        if (kv.length !== 2) throw new EnvValueError('map[string]string', `invalid map item: ${JSON.stringify(pair)}`);
        out[(kv[0] ?? '').trim()] = (kv[1] ?? '').trim();
      }
      return out;
    }
    case 'publicKeys':
      // YAML only: no env var is ever bound to these.
      throw new EnvValueError('[]PublicKey', 'not settable from the environment');
  }
}

/** Applies every present env var of `schema` onto `target`; returns the bad ones. */
export function applyEnv(schema: Section, target: Record<string, unknown>, env: Env): Violation[] {
  const violations: Violation[] = [];
  for (const { path, field } of leavesOf(schema)) {
    if (field.env === undefined) continue;
    const raw = env[field.env];
    if (raw === undefined) continue;
    const at = path.join('.');
    try {
      setAt(target, path, parseEnvValue(field, raw));
    } catch (err) {
      if (!(err instanceof EnvValueError)) throw err;
      const secret = field.kind === 'string' && field.secret;
      const shown = secret ? MASK : raw;
      const details = secret ? '' : `. details: ${err.detail}`;
      violations.push({ path: at, message: `assigning ${field.env} to ${at}: converting '${shown}' to type ${err.goType}${details}` });
    }
  }
  return violations;
}

/**
 * `KUMA_*` variables that are not in the table but are one typo away from a name that is: worth a
 * warning, since envconfig (and we) silently ignore unknown variables. Other `KUMA_` variables
 * (kuma-dp's, for example) are left alone.
 */
export function nearMissEnvNames(schema: Section, env: Env): { name: string; suggestion: string }[] {
  const table = envTableOf(schema);
  const out: { name: string; suggestion: string }[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('KUMA_') || table.has(name)) continue;
    const suggestion = closest(name, table.keys(), 2);
    if (suggestion !== undefined) out.push({ name, suggestion });
  }
  return out;
}
