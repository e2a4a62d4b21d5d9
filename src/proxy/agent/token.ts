/**
 * Dataplane token checks done before the token is ever sent (Kuma's ValidateTokenPath, and pain
 * points P-K13/P-K14: say what is likely wrong). Messages never echo the token.
 */
import { readFile } from 'node:fs/promises';
import { AgentError } from './errors.js';

const SEGMENT = /^[A-Za-z0-9_-]*$/;
const NOT_PARSABLE = "not valid JWT token. Can't parse it.: token is malformed";

/** JSON object from a base64url segment, or undefined. */
function jsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Trims and checks `raw` as kuma-dp does before using a token (Kuma's ValidateTokenPath): not empty,
 * no line breaks inside, a JWT whose header and claims decode and whose header names an `alg`.
 * Messages start with Kuma's `dataplane token is invalid, ` and its reason, then say what to do;
 * `source` says where the token came from (a flag, an env var, a file).
 */
export function checkDataplaneToken(raw: string, source: string, emptyText = `the token in ${source} is empty`): string {
  const token = raw.trim();
  const invalid = (reason: string, hint: string): AgentError =>
    new AgentError('ERR_DP_TOKEN_INVALID', `dataplane token is invalid, ${reason}: ${hint} (token from ${source})`);
  if (token === '') {
    throw invalid(emptyText, 'generate one with kumactl generate dataplane-token (a token file may also have been read before it was written)');
  }
  if (/[\r\n\0]/.test(token)) {
    throw invalid("Token shouldn't contain line breaks within the token, only at the start or end", 'the file probably holds more than one token or extra text; put exactly one token in it');
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw invalid(
      `${NOT_PARSABLE}: token contains an invalid number of segments`,
      `found ${parts.length} segment(s); a dataplane token is three base64url parts separated by dots and starts with "eyJ": check you passed the token and not a path or another credential`,
    );
  }
  const copyHint = 'the token was probably truncated or altered when copied';
  const [header = '', claims = '', signature = ''] = parts;
  for (const [segment, what] of [[header, 'header'], [claims, 'claim'], [signature, 'signature']] as const) {
    if (!SEGMENT.test(segment)) throw invalid(`${NOT_PARSABLE}: could not base64 decode ${what}`, copyHint);
  }
  const decoded = jsonSegment(header);
  if (decoded === undefined) throw invalid(`${NOT_PARSABLE}: could not JSON decode header`, copyHint);
  if (jsonSegment(claims) === undefined) throw invalid(`${NOT_PARSABLE}: could not JSON decode claim`, copyHint);
  if (typeof decoded['alg'] !== 'string' || decoded['alg'] === '') {
    throw invalid('not valid JWT token. No Alg.', 'it is not a token issued by kumactl generate dataplane-token');
  }
  return token;
}

/** Go's text for the file errors a token file meets (`stat <path>: no such file or directory`). */
function fileProblem(err: NodeJS.ErrnoException, path: string): string {
  const reason: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory', ELOOP: 'too many levels of symbolic links' };
  const text = reason[err.code ?? ''];
  return text === undefined ? err.message : `${err.syscall === 'read' ? 'read' : 'open'} ${path}: ${text}`;
}

/** Where the token comes from; re-read on every (re)connect so rotated files are picked up (P-K15). */
export type TokenSource = { kind: 'inline'; token: string; source: string } | { kind: 'file'; path: string } | { kind: 'none' };

export async function loadToken(src: TokenSource): Promise<string | undefined> {
  switch (src.kind) {
    case 'none':
      return undefined;
    case 'inline':
      return checkDataplaneToken(src.token, src.source);
    case 'file': {
      let text: string;
      try {
        text = await readFile(src.path, 'utf8');
      } catch (err) {
        throw new AgentError(
          'ERR_DP_TOKEN_FILE',
          `dataplane token is invalid, could not read file ${src.path}: ${fileProblem(err as NodeJS.ErrnoException, src.path)}: check --dataplane-token-file (KUMA_DATAPLANE_RUNTIME_TOKEN_PATH)`,
        );
      }
      return checkDataplaneToken(text, `file ${src.path}`, `token under file ${src.path} is empty`);
    }
  }
}
