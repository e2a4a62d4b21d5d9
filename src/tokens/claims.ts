import { malformed } from './jwt-segments.js';

// Claims are decoded the way Go's encoding/json fills Kuma's claim structs: field names matched
// case-insensitively (the last matching key wins), `null` leaves the zero value, a wrong JSON type is
// a decode error. Unknown keys are ignored.

export type ClaimKind = 'string' | 'strings' | 'tags';

/** A kind-specific claim struct: its Go name (for messages) and its fields, in Kuma's order. */
export interface ClaimsSchema {
  readonly structName: string;
  readonly fields: Readonly<Record<string, ClaimKind>>;
}

export type ClaimValue = string | string[] | null | Record<string, string[]>;

/** golang-jwt's RegisteredClaims as read from a token (times in seconds since the epoch). */
export interface RegisteredClaims {
  jti: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  iss?: string;
  sub?: string;
  aud?: string[];
}

function goType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') return 'object';
  return typeof v; // string | number
}

function decodeError(struct: string, field: string, v: unknown, type: string): Error {
  return malformed('could not JSON decode claim', `json: cannot unmarshal ${goType(v)} into Go struct field ${struct}.${field} of type ${type}`);
}

function decodeField(struct: string, field: string, kind: ClaimKind, v: unknown): ClaimValue {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw decodeError(struct, field, v, 'string');
      return v;
    case 'strings': {
      if (!Array.isArray(v)) throw decodeError(struct, field, v, '[]string');
      for (const item of v) if (typeof item !== 'string' && item !== null) throw decodeError(struct, field, item, 'string');
      return v.map((item) => (typeof item === 'string' ? item : ''));
    }
    case 'tags': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw decodeError(struct, field, v, 'map[string][]string');
      const out: Record<string, string[]> = {};
      for (const [tag, values] of Object.entries(v)) {
        if (values === null) {
          out[tag] = [];
          continue;
        }
        if (!Array.isArray(values)) throw decodeError(struct, field, values, '[]string');
        for (const item of values) if (typeof item !== 'string') throw decodeError(struct, field, item, 'string');
        out[tag] = [...(values as string[])];
      }
      return out;
    }
  }
}

function zeroValue(kind: ClaimKind): ClaimValue {
  return kind === 'string' ? '' : kind === 'tags' ? {} : null;
}

/** The kind-specific claims of a verified payload, with zero values for absent fields. */
export function decodeCustomClaims(schema: ClaimsSchema, payload: Record<string, unknown>): Record<string, ClaimValue> {
  const out: Record<string, ClaimValue> = {};
  const byLower = new Map<string, [string, ClaimKind]>();
  for (const [name, kind] of Object.entries(schema.fields)) {
    out[name] = zeroValue(kind);
    byLower.set(name.toLowerCase(), [name, kind]);
  }
  for (const [key, v] of Object.entries(payload)) {
    const field = byLower.get(key.toLowerCase());
    if (!field || v === null) continue;
    out[field[0]] = decodeField(schema.structName, field[0], field[1], v);
  }
  return out;
}

function numericDate(struct: string, name: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw decodeError(struct, `RegisteredClaims.${name}`, v, 'jwt.NumericDate');
  return v;
}

function optionalString(struct: string, name: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw decodeError(struct, `RegisteredClaims.${name}`, v, 'string');
  return v;
}

/** The registered claims (exact lower-case names, as golang-jwt's json tags). */
export function decodeRegisteredClaims(struct: string, payload: Record<string, unknown>): RegisteredClaims {
  const out: RegisteredClaims = { jti: optionalString(struct, 'jti', payload['jti']) ?? '' };
  const exp = numericDate(struct, 'exp', payload['exp']);
  const nbf = numericDate(struct, 'nbf', payload['nbf']);
  const iat = numericDate(struct, 'iat', payload['iat']);
  const iss = optionalString(struct, 'iss', payload['iss']);
  const sub = optionalString(struct, 'sub', payload['sub']);
  if (exp !== undefined) out.exp = exp;
  if (nbf !== undefined) out.nbf = nbf;
  if (iat !== undefined) out.iat = iat;
  if (iss !== undefined) out.iss = iss;
  if (sub !== undefined) out.sub = sub;
  const aud = payload['aud'];
  if (typeof aud === 'string') out.aud = [aud];
  else if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) out.aud = aud as string[];
  else if (aud !== undefined && aud !== null) throw decodeError(struct, 'RegisteredClaims.aud', aud, 'jwt.ClaimStrings');
  return out;
}

/**
 * golang-jwt v5's default claim checks (no leeway; exp optional): expired when now >= exp, not yet
 * valid when now < nbf. Returns the failed checks' texts, joined as Go joins them.
 */
export function timeClaimProblems(claims: RegisteredClaims, nowSeconds: number): { expired: boolean; notYetValid: boolean } {
  return {
    expired: claims.exp !== undefined && !(nowSeconds < Math.trunc(claims.exp)),
    notYetValid: claims.nbf !== undefined && nowSeconds < Math.trunc(claims.nbf),
  };
}
