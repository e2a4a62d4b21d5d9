/**
 * The one validation Kuma does with file I/O at load time: a zone dialing the global CP over
 * grpcs with `rootCaFile` set must be able to read and parse that CA bundle.
 */

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Violation } from './errors.js';
import type { KumaCpConfig } from './kuma-cp-schema.js';
import { parseGoUrl } from './go-url.js';

const PREFIX = 'Multizone Zone validation failed: ';
const PATH = 'multizone.zone.kds.rootCaFile';

/** Go's os.ReadFile error text for the common failures. */
function readError(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `open ${file}: no such file or directory`;
  if (code === 'EACCES') return `open ${file}: permission denied`;
  if (code === 'EISDIR') return `read ${file}: is a directory`;
  return `open ${file}: ${code ?? String(err)}`;
}

/** True when the PEM text holds at least one parsable certificate (Go's AppendCertsFromPEM). */
export function hasParsableCertificate(pem: string): boolean {
  const re = /-----BEGIN CERTIFICATE-----\r?\n([\s\S]*?)-----END CERTIFICATE-----/g;
  for (const m of pem.matchAll(re)) {
    try {
      new X509Certificate(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
      return true;
    } catch {
      // Go skips blocks it cannot parse.
    }
  }
  return false;
}

export async function checkKumaCpConfigFiles(cfg: KumaCpConfig): Promise<Violation[]> {
  const zone = cfg.multizone.zone;
  if (cfg.mode !== 'zone' || zone.globalAddress === '' || zone.kds.rootCaFile === '') return [];
  const parsed = parseGoUrl(zone.globalAddress);
  if (!parsed.ok || parsed.url.scheme !== 'grpcs') return [];
  const file = zone.kds.rootCaFile;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return [{ path: PATH, message: `${PREFIX}could not read certificate ${file}: ${readError(file, err)}` }];
  }
  if (!hasParsableCertificate(text)) return [{ path: PATH, message: `${PREFIX}failed to parse root certificate` }];
  return [];
}
