/**
 * Reading a certificate chain and its private key from PEM files, and checking they belong together,
 * with node:crypto alone (this layer must not wait on pki/). Every failure names the file and the
 * reason, never the key's contents.
 */
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { messageOf } from '../core/errors.js';
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

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;

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

/**
 * Every certificate block of a PEM text, parsed; throws KeyPairProblem naming `source` (a file name,
 * quoted in messages, or with `isFile` false a description such as "KUMA_CONTROL_PLANE_CA_CERT").
 */
export function parseCertificateBlocks(pem: string, source: string, isFile = true): { blocks: string[]; chain: X509Certificate[] } {
  const file = isFile ? `"${source}"` : source;
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new KeyPairProblem(`${file} contains no PEM certificate (a "-----BEGIN CERTIFICATE-----" block)`);
  }
  const chain = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new KeyPairProblem(`certificate ${i + 1} in ${file} is not a valid X.509 certificate (truncated or corrupt PEM)`);
    }
  });
  return { blocks, chain };
}

function parsePrivateKey(pem: string, file: string): { block: string; key: KeyObject } {
  const match = KEY_BLOCK.exec(pem);
  if (match === null) throw new KeyPairProblem(`"${file}" contains no PEM private key (a "-----BEGIN … PRIVATE KEY-----" block)`);
  if (match[1] === 'ENCRYPTED PRIVATE KEY') {
    throw new KeyPairProblem(`the private key in "${file}" is encrypted; provide it unencrypted (file mode 0600)`);
  }
  try {
    return { block: match[0], key: createPrivateKey(match[0]) };
  } catch {
    // OpenSSL's decoder text says nothing useful here and must not be mistaken for key contents.
    throw new KeyPairProblem(`the private key in "${file}" cannot be parsed (truncated or corrupt PEM)`);
  }
}

/** Parses and cross-checks a key pair; throws KeyPairProblem with a reason that names the files. */
export function parseKeyPair(files: KeyPairFiles, cert: Buffer, key: Buffer): KeyPair {
  const { blocks, chain } = parseCertificateBlocks(cert.toString('utf8'), files.certFile);
  const privateKey = parsePrivateKey(key.toString('utf8'), files.keyFile);
  const leaf = chain[0] as X509Certificate;
  if (!leaf.checkPrivateKey(privateKey.key)) {
    throw new KeyPairProblem(`the private key in "${files.keyFile}" does not match the certificate in "${files.certFile}"`);
  }
  const certPem = `${blocks.join('\n')}\n`;
  try {
    // The last word: what OpenSSL itself will accept for a server (e.g. key types it cannot use).
    createSecureContext({ cert: certPem, key: privateKey.block });
  } catch (err) {
    throw new KeyPairProblem(`OpenSSL rejected the pair "${files.certFile}" / "${files.keyFile}": ${messageOf(err)}`);
  }
  return { certPem, keyPem: privateKey.block, chain, contentHash: hashKeyPairBytes(cert, key) };
}

/** Reads and parses a key pair in one go. */
export async function loadKeyPair(files: KeyPairFiles): Promise<KeyPair> {
  const { cert, key } = await readKeyPairFiles(files);
  return parseKeyPair(files, cert, key);
}
