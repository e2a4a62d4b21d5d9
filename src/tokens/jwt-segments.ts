import { TokenError, printable } from './errors.js';

// Safe decoding of a compact JWS before any cryptography, so every refusal carries golang-jwt v5's
// wording (Kuma shows it to users) and hostile input never reaches jose in a shape it might treat
// differently: wrong segment count, bad base64url, non-object JSON, a kid that is not a string.

/** Far above any real token (a dataplane token with many tags is a few KiB); bounds the work per request. */
export const MAX_TOKEN_LENGTH = 64 * 1024;

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** The token text that was parsed (surrounding whitespace removed). */
  compact: string;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** golang-jwt's malformed error: `token is malformed: <what>[: <detail>]`. */
export function malformed(what: string, detail?: string): TokenError {
  return new TokenError('ERR_TOKEN_MALFORMED', `token is malformed: ${what}${detail === undefined ? '' : `: ${detail}`}`);
}

/** Go's base64.RawURLEncoding rules: URL alphabet, no padding, no stray characters. */
export function decodeSegment(segment: string, what: string): Buffer {
  if (!B64URL.test(segment)) {
    const at = [...segment].findIndex((c) => !/[A-Za-z0-9_-]/.test(c));
    throw malformed(`could not base64 decode ${what}`, `illegal base64 data at input byte ${at}`);
  }
  if (segment.length % 4 === 1) throw malformed(`could not base64 decode ${what}`, `illegal base64 data at input byte ${segment.length - 1}`);
  return Buffer.from(segment, 'base64url');
}

function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed(`could not JSON decode ${what}`, 'invalid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'boolean' ? 'bool' : typeof value;
    throw malformed(`could not JSON decode ${what}`, `json: cannot unmarshal ${got} into a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Split and decode a compact JWT. Leading/trailing whitespace is ignored (tokens are often pasted
 * from files that end with a newline); anything else outside the base64url alphabet is malformed.
 */
export function decodeJwt(raw: string): DecodedJwt {
  if (typeof raw !== 'string') throw malformed('token contains an invalid number of segments');
  if (raw.length > MAX_TOKEN_LENGTH) throw malformed(`token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const compact = raw.trim();
  const parts = compact.split('.');
  if (parts.length !== 3) throw malformed('token contains an invalid number of segments');
  const [h = '', p = '', s = ''] = parts;
  const header = jsonObject(decodeSegment(h, 'header'), 'header');
  const payload = jsonObject(decodeSegment(p, 'claim'), 'claim');
  decodeSegment(s, 'signature');
  return { header, payload, compact };
}

/** golang-jwt's ParseUnverified + Kuma's keyfunc checks on the header; returns the kid. */
export function checkHeader(header: Record<string, unknown>): string {
  const alg = header['alg'];
  if (typeof alg !== 'string') {
    throw new TokenError('ERR_TOKEN_UNVERIFIABLE', 'token is unverifiable: signing method (alg) is unspecified');
  }
  const keyfunc = (msg: string): TokenError => new TokenError('ERR_TOKEN_UNVERIFIABLE', `token is unverifiable: error while executing keyfunc: ${msg}`);
  if (!Object.hasOwn(header, 'kid')) throw keyfunc('JWT token must have kid header');
  const kid = header['kid'];
  if (typeof kid !== 'string') throw keyfunc('JWT token kid header must be a string');
  if (alg !== 'RS256') throw keyfunc(`unsupported token alg ${printable(alg)}. Allowed algorithm is RS256`);
  return kid;
}
