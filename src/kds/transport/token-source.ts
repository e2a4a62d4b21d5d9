/**
 * The zone token a zone control plane presents to the global: `multizone.zone.kds.auth.tokenPath`
 * (re-read before every connect, so a rotated file is picked up without a restart: Kuma issue
 * #4121) or `tokenInline`; none when both are empty. Problems are KdsErrors naming the setting;
 * the token itself never appears in a message.
 */
import { readFile } from 'node:fs/promises';
import { KdsError } from './kds-errors.js';

export interface ZoneTokenSettings {
  tokenPath: string;
  tokenInline: string;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function check(token: string, where: string): string {
  if (token === '') throw new KdsError('ERR_KDS_TOKEN_FILE', `${where} is empty; put the zone token generated on the global there (kumactl generate zone-token --zone=<zone> --scope=cp)`);
  if (!JWT.test(token)) {
    throw new KdsError('ERR_KDS_TOKEN_FILE', `${where} does not hold a zone token (a JWT: three base64url parts separated by dots); put only the output of kumactl generate zone-token there`);
  }
  return token;
}

/** Reads the token now; undefined when no token is configured. */
export async function readZoneToken(s: ZoneTokenSettings): Promise<string | undefined> {
  if (s.tokenInline !== '') return check(s.tokenInline.trim(), 'multizone.zone.kds.auth.tokenInline (KUMA_MULTIZONE_ZONE_KDS_AUTH_TOKEN_INLINE)');
  if (s.tokenPath === '') return undefined;
  const where = `the zone token file ${s.tokenPath} (multizone.zone.kds.auth.tokenPath)`;
  let text: string;
  try {
    text = await readFile(s.tokenPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code ?? err);
    throw new KdsError('ERR_KDS_TOKEN_FILE', `cannot read ${where}: ${why}`);
  }
  return check(text.trim(), where);
}
