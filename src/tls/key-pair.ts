/**
 * Reading a certificate chain and its private key from PEM files for a TLS server or client. The PEM
 * and key rules live in pki/ (one place); this layer adds file reading, the content hash the watcher
 * compares, and OpenSSL's final word. Every failure names the file and the reason, never the key.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { messageOf } from '../core/errors.js';
import { certificateToPem, checkKeyMatchesCertificate, parseCertificatesPem, parsePrivateKeyPem, privateKeyToPem } from '../pki/index.js';
import { fileReadReason } from './errors.js';

/** A certificate chain (leaf first) with its key, as served by a TLS server. */
export interface KeyPair {
  /** The PEM certificate blocks of the cert file, leaf first, joined. */
  readonly certPem: string;
  /** The private key block. Kept in memory only to build secure contexts; never log it. */
  readonly keyPem: string;
  readonly chain: readonly X509Certificate[];
  /** SHA-256 over both files' bytes: what the watcher compares to notice a change. */
  readonly contentHash: string;
}

/** A reason a key pair could not be loaded; the message names the file(s) concerned. */
export class KeyPairProblem extends Error {}

export interface KeyPairFiles {
  certFile: string;
  keyFile: string;
}

/** The raw bytes of both files; throws KeyPairProblem when one cannot be read. */
export async function readKeyPairFiles(files: KeyPairFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (kind: string, file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new KeyPairProblem(`cannot read ${kind} file "${file}": ${fileReadReason(err)}`);
    }
  };
  const [cert, key] = await Promise.all([read('certificate', files.certFile), read('key', files.keyFile)]);
  return { cert, key };
}

export function hashKeyPairBytes(cert: Buffer, key: Buffer): string {
  const h = createHash('sha256');
  // Length prefix so moving bytes from one file to the other changes the hash.
  h.update(`${cert.length}:`).update(cert).update(`${key.length}:`).update(key);
  return h.digest('hex');
}

/** Runs a pki/ parse, turning its error into a KeyPairProblem with the same message. */
function pki<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new KeyPairProblem(messageOf(err));
  }
}

/**
 * Every certificate of a PEM text, parsed; throws KeyPairProblem naming `source` (a file name,
 * quoted in messages, or with `isFile` false a description such as "KUMA_CONTROL_PLANE_CA_CERT").
 */
export function parseCertificateBlocks(pem: string, source: string, isFile = true): { blocks: string[]; chain: X509Certificate[] } {
  const chain = pki(() => parseCertificatesPem(pem, isFile ? `"${source}"` : source));
  return { blocks: chain.map((c) => certificateToPem(c).trim()), chain };
}

/** Parses and cross-checks a key pair; throws KeyPairProblem with a reason that names the files. */
export function parseKeyPair(files: KeyPairFiles, cert: Buffer, key: Buffer): KeyPair {
  const { blocks, chain } = parseCertificateBlocks(cert.toString('utf8'), files.certFile);
  const privateKey = pki(() => parsePrivateKeyPem(key, `"${files.keyFile}"`));
  const leaf = chain[0] as X509Certificate;
  pki(() => checkKeyMatchesCertificate(leaf, privateKey, `"${files.keyFile}"`));
  const certPem = `${blocks.join('\n')}\n`;
  const keyPem = privateKeyToPem(privateKey);
  try {
    // The last word: what OpenSSL itself will accept for a server (e.g. key types it cannot use).
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (err) {
    throw new KeyPairProblem(`OpenSSL rejected the pair "${files.certFile}" / "${files.keyFile}": ${messageOf(err)}`);
  }
  return { certPem, keyPem, chain, contentHash: hashKeyPairBytes(cert, key) };
}

/** Reads and parses a key pair in one go. */
export async function loadKeyPair(files: KeyPairFiles): Promise<KeyPair> {
  const { cert, key } = await readKeyPairFiles(files);
  return parseKeyPair(files, cert, key);
}
