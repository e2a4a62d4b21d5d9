/**
 * CA bundles (trust anchors) given as PEM text or a PEM file, for verifying peers. Go's
 * AppendCertsFromPEM quietly skips what it cannot parse and only says "false"; we say what is wrong.
 */
import { readFile } from 'node:fs/promises';
import type { X509Certificate } from 'node:crypto';
import { fileReadReason } from './errors.js';
import { KeyPairProblem, parseCertificateBlocks } from './key-pair.js';

export interface CaBundle {
  /** The certificate blocks, joined: what Node's `ca` option takes. */
  readonly pem: string;
  readonly certificates: readonly X509Certificate[];
}

/** Why a CA bundle failed: `read` (file) or `parse` (content), so callers can use Kuma's two texts. */
export class CaBundleProblem extends Error {
  constructor(
    readonly stage: 'read' | 'parse',
    reason: string,
  ) {
    super(reason);
  }
}

/** Parses PEM text holding one or more CA certificates; `source` names it (a file unless `isFile` is false). */
export function parseCaBundle(pem: string, source: string, isFile = true): CaBundle {
  try {
    const { blocks, chain } = parseCertificateBlocks(pem, source, isFile);
    return { pem: `${blocks.join('\n')}\n`, certificates: chain };
  } catch (err) {
    if (err instanceof KeyPairProblem) throw new CaBundleProblem('parse', err.message);
    throw err;
  }
}

export async function readCaBundleFile(file: string): Promise<CaBundle> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CaBundleProblem('read', `cannot read "${file}": ${fileReadReason(err)}`);
  }
  return parseCaBundle(text, file);
}
