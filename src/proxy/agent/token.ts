/**
 * Dataplane token checks done before the token is ever sent (pain points P-K13/P-K14: Kuma let an
 * empty or mangled token reach the CP and got back "token contains an invalid number of segments").
 * Messages name the likely cause and never echo the token.
 */
import { readFile } from 'node:fs/promises';
import { AgentError } from './errors.js';

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Trims and checks `raw`; `source` says where it came from (a flag, an env var, a file). */
export function checkDataplaneToken(raw: string, source: string): string {
  const token = raw.trim();
  const invalid = (why: string): AgentError => new AgentError('ERR_DP_TOKEN_INVALID', `dataplane token is invalid, ${why} (token from ${source})`);
  if (token === '') {
    throw invalid('it is empty: the token file may not have been written yet, or the variable is set but blank; generate one with kumactl generate dataplane-token');
  }
  if (/[\r\n\0]/.test(token)) {
    throw invalid('it spans several lines: the file probably holds more than one token or extra text; put exactly one token in it');
  }
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) {
    throw invalid(`it is not a JWT (three base64url segments separated by dots, found ${parts.length} segment(s)); a dataplane token starts with "eyJ": check you passed the token and not a path or another credential`);
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8'));
  } catch {
    throw invalid('its header is not base64url-encoded JSON: the token was probably truncated or altered when copied');
  }
  if (typeof header !== 'object' || header === null || typeof (header as Record<string, unknown>)['alg'] !== 'string') {
    throw invalid('its header has no "alg": it is not a token issued by kumactl generate dataplane-token');
  }
  return token;
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
        throw new AgentError('ERR_DP_TOKEN_FILE', `could not read the dataplane token file ${src.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      return checkDataplaneToken(text, `file ${src.path}`);
    }
  }
}
