import { messageOf } from '../core/errors.js';
import { parseGoDuration } from '../core/duration.js';
import type { Violation } from '../core/resources/validation.js';
import type { DataplaneIdentity } from './dataplane-token.js';
import type { UserIdentity } from './user-token.js';
import type { ZoneIdentity } from './zone-token.js';

// The body rules of Kuma's token endpoints (§5.5), without HTTP: the API server maps `malformed` to a
// bare 400 and `invalid` to 400 "Invalid request" / "Resource is not valid" with these violations.

export type TokenRequestResult<T> =
  | { kind: 'ok'; value: T; validForMs: number }
  | { kind: 'malformed'; reason: string }
  | { kind: 'invalid'; violations: Violation[] };

/** Dataplane and zone tokens without validFor last 10 years (Kuma's backwards compatibility). */
export const DEFAULT_TOKEN_VALIDITY_MS = 24 * 365 * 10 * 3600 * 1000;

class Malformed extends Error {}

function field(body: Record<string, unknown>, name: string): unknown {
  return body[name] ?? undefined; // null behaves like absent (Go leaves the zero value)
}

function str(body: Record<string, unknown>, name: string): string {
  const v = field(body, name);
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new Malformed(`${name} must be a string`);
  return v;
}

function strings(body: Record<string, unknown>, name: string): string[] | null {
  const v = field(body, name);
  if (v === undefined) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Malformed(`${name} must be an array of strings`);
  return [...(v as string[])];
}

function tags(body: Record<string, unknown>, name: string): Record<string, string[]> {
  const v = field(body, name);
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Malformed(`${name} must be an object of string arrays`);
  const out: Record<string, string[]> = {};
  for (const [k, vals] of Object.entries(v)) {
    if (vals === null) {
      out[k] = [];
      continue;
    }
    if (!Array.isArray(vals) || !vals.every((x) => typeof x === 'string')) throw new Malformed(`${name}.${k} must be an array of strings`);
    out[k] = [...(vals as string[])];
  }
  return out;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Malformed('the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** validFor of dataplane/zone requests: empty ⇒ 10 years; must parse and (unlike Kuma) be positive. */
function optionalValidFor(text: string, violations: Violation[]): number {
  if (text === '') return DEFAULT_TOKEN_VALIDITY_MS;
  try {
    const ms = parseGoDuration(text);
    if (ms <= 0) violations.push({ field: 'validFor', message: 'must be a positive duration' });
    return ms;
  } catch (err) {
    violations.push({ field: 'validFor', message: `is invalid: ${messageOf(err)}` });
    return 0;
  }
}

function run<T>(fn: () => TokenRequestResult<T>): TokenRequestResult<T> {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Malformed) return { kind: 'malformed', reason: err.message };
    throw err;
  }
}

/** `POST /tokens/user` body: `{name, groups, validFor}`; validFor required. */
export function parseUserTokenRequest(body: unknown): TokenRequestResult<UserIdentity> {
  return run(() => {
    const b = objectBody(body);
    const name = str(b, 'name');
    const groups = strings(b, 'groups') ?? [];
    const validForText = str(b, 'validFor');
    const violations: Violation[] = [];
    if (name === '') violations.push({ field: 'name', message: 'cannot be empty' });
    let validForMs = 0;
    if (validForText === '') violations.push({ field: 'validFor', message: 'cannot be empty' });
    else {
      try {
        validForMs = parseGoDuration(validForText);
        if (validForMs === 0) violations.push({ field: 'validFor', message: 'cannot be empty or nil' });
        // Kuma accepts a negative validFor and issues an already expired token; refuse it instead.
        else if (validForMs < 0) violations.push({ field: 'validFor', message: 'must be a positive duration' });
      } catch (err) {
        violations.push({ field: 'validFor', message: `is invalid: ${messageOf(err)}` });
      }
    }
    if (violations.length > 0) return { kind: 'invalid', violations };
    return { kind: 'ok', value: { name, groups }, validForMs };
  });
}

/** `POST /tokens/dataplane` body: `{name, mesh, tags, type, workload, validFor}`. */
export function parseDataplaneTokenRequest(body: unknown): TokenRequestResult<DataplaneIdentity> {
  return run(() => {
    const b = objectBody(body);
    const id: DataplaneIdentity = { name: str(b, 'name'), mesh: str(b, 'mesh'), tags: tags(b, 'tags'), type: str(b, 'type'), workload: str(b, 'workload') };
    const validForText = str(b, 'validFor');
    const violations: Violation[] = [];
    if (id.mesh === '') violations.push({ field: 'mesh', message: 'cannot be empty' });
    const validForMs = optionalValidFor(validForText, violations);
    if (id.type !== '' && id.type !== 'dataplane') violations.push({ field: 'type', message: `${id.type} is not a valid proxy type` });
    if (violations.length > 0) return { kind: 'invalid', violations };
    return { kind: 'ok', value: id, validForMs };
  });
}

/** `POST /tokens/zone` body: `{zone, scope, validFor}`; zone is not required (as in Kuma). */
export function parseZoneTokenRequest(body: unknown): TokenRequestResult<ZoneIdentity> {
  return run(() => {
    const b = objectBody(body);
    const id: ZoneIdentity = { zone: str(b, 'zone'), scope: strings(b, 'scope') };
    const violations: Violation[] = [];
    const validForMs = optionalValidFor(str(b, 'validFor'), violations);
    if (violations.length > 0) return { kind: 'invalid', violations };
    return { kind: 'ok', value: id, validForMs };
  });
}
