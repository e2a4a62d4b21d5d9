import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { messageOf } from '../core/errors.js';
import { TokenError } from './errors.js';
import { parseVerificationKey } from './signing-keys.js';

/** One `publicKeys` entry of a validator config (Kuma config_types.PublicKey / MeshedPublicKey). */
export interface StaticPublicKeyConfig {
  kid: string;
  /** PEM text; wins over keyFile when both are set (as in Kuma). */
  key?: string;
  keyFile?: string;
  /** Dataplane tokens only: the mesh the key serves; '' or absent: every mesh. */
  mesh?: string;
}

export interface StaticPublicKey {
  kid: string;
  mesh: string;
  key: KeyObject;
}

/**
 * Read and parse the configured public keys once, at startup. Kuma dereferences a nil PEM block on
 * a non-PEM key and crashes; here every bad entry is a clear error naming the config path.
 */
export async function loadStaticPublicKeys(configs: readonly StaticPublicKeyConfig[], configPath = 'publicKeys'): Promise<StaticPublicKey[]> {
  const out: StaticPublicKey[] = [];
  for (const [i, c] of configs.entries()) {
    const where = `${configPath}[${i}] (kid ${JSON.stringify(c.kid)})`;
    const fail = (reason: string, cause?: unknown): TokenError =>
      new TokenError('ERR_TOKEN_STATIC_KEY', `${where}: ${reason}`, cause === undefined ? undefined : { cause });
    if (typeof c.kid !== 'string' || c.kid === '') throw fail('kid is required');
    let pem = c.key ?? '';
    if (pem === '' && c.keyFile) {
      try {
        pem = await readFile(c.keyFile, 'utf8');
      } catch (err) {
        throw fail(`could not read keyFile ${JSON.stringify(c.keyFile)}: ${messageOf(err)}`, err);
      }
    }
    if (pem === '') throw fail('either key or keyFile has to be defined');
    if (!pem.includes('-----BEGIN ')) throw fail('the key is not PEM: expected a "-----BEGIN RSA PUBLIC KEY-----" or "-----BEGIN PUBLIC KEY-----" block');
    try {
      out.push({ kid: c.kid, mesh: c.mesh ?? '', key: parseVerificationKey(pem, 'the key') });
    } catch (err) {
      throw fail(messageOf(err), err);
    }
  }
  return out;
}
