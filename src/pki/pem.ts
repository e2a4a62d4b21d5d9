/**
 * PEM in and out. Output follows Go's encoding/pem (64-column base64, trailing newline) and Kuma's
 * key formats (RSA → PKCS#1 "RSA PRIVATE KEY", EC → SEC1 "EC PRIVATE KEY", Ed25519 → PKCS#8).
 * Input is parsed strictly enough to give a precise error: which file, which block, what to do.
 */
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { PkiError, inSource } from './errors.js';

export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  der: Buffer;
}

/** One PEM block: `-----BEGIN <label>-----`, base64 in 64-character lines, `-----END <label>-----`. */
export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;
const END = /^-----END ([A-Z0-9 ]+)-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

const asText = (input: string | Uint8Array): string => (typeof input === 'string' ? input : Buffer.from(input).toString('latin1'));

/** True when the input looks like PEM text rather than raw DER. */
export const looksLikePem = (input: string | Uint8Array): boolean => asText(input).includes('-----BEGIN ');

/** Every PEM block in `input`, in order; text between blocks is ignored (as Go does). */
export function pemDecodeAll(input: string | Uint8Array, source?: string): PemBlock[] {
  const lines = asText(input).split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec((lines[i] as string).trim());
    if (!begin) continue;
    const label = begin[1] as string;
    const headers: Record<string, string> = {};
    let b64 = '';
    let ended = false;
    let inHeaders = true;
    for (i++; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      const end = END.exec(line);
      if (end) {
        if (end[1] !== label) {
          throw new PkiError('ERR_PKI_MALFORMED_PEM', `malformed PEM${inSource(source)}: block "${label}" ends with "END ${end[1]}"; the file is corrupt or was cut and pasted wrongly`);
        }
        ended = true;
        break;
      }
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (inHeaders && colon > 0 && !BASE64_LINE.test(line)) {
        headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
        continue;
      }
      inHeaders = false;
      if (!BASE64_LINE.test(line)) {
        throw new PkiError('ERR_PKI_MALFORMED_PEM', `malformed PEM${inSource(source)}: block "${label}" contains a line that is not base64 (line ${i + 1}); the file is corrupt`);
      }
      b64 += line;
    }
    if (!ended) {
      throw new PkiError('ERR_PKI_MALFORMED_PEM', `malformed PEM${inSource(source)}: block "${label}" has no "-----END ${label}-----" line; the file is truncated`);
    }
    if (b64.length % 4 !== 0 || /=[^=]/.test(b64)) {
      throw new PkiError('ERR_PKI_MALFORMED_PEM', `malformed PEM${inSource(source)}: block "${label}" has invalid base64 (wrong length or padding); the file is corrupt`);
    }
    blocks.push({ label, headers, der: Buffer.from(b64, 'base64') });
  }
  return blocks;
}

// ---- private keys ---------------------------------------------------------------------------------

/** A private key as Kuma writes it: RSA → PKCS#1, EC → SEC1, Ed25519 → PKCS#8. */
export function privateKeyToPem(key: KeyObject): string {
  if (key.type !== 'private') throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `expected a private key, got a ${key.type} key`);
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return key.export({ type: 'pkcs1', format: 'pem' }) as string;
    case 'ec':
      return key.export({ type: 'sec1', format: 'pem' }) as string;
    case 'ed25519':
      return key.export({ type: 'pkcs8', format: 'pem' }) as string;
    default:
      throw new PkiError('ERR_PKI_UNSUPPORTED_KEY', `unsupported private key type "${key.asymmetricKeyType}": use an RSA, ECDSA or Ed25519 key`);
  }
}

/** A public key as PEM: SPKI "PUBLIC KEY" (default) or, for RSA, PKCS#1 "RSA PUBLIC KEY". */
export function publicKeyToPem(key: KeyObject, format: 'pkcs1' | 'spki' = 'spki'): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.type !== 'public') throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `expected an asymmetric key, got a ${pub.type} key`);
  if (format === 'pkcs1' && pub.asymmetricKeyType !== 'rsa') {
    throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `PKCS#1 holds only RSA keys, this is a ${pub.asymmetricKeyType} key: use the "spki" format`);
  }
  return pub.export({ type: format, format: 'pem' }) as string;
}

const SUPPORTED_PRIVATE = new Set(['rsa', 'ec', 'ed25519']);

function checkSupported(key: KeyObject, source: string | undefined): KeyObject {
  if (!SUPPORTED_PRIVATE.has(key.asymmetricKeyType ?? '')) {
    throw new PkiError('ERR_PKI_UNSUPPORTED_KEY', `unsupported private key type "${key.asymmetricKeyType}"${inSource(source)}: use an RSA, ECDSA or Ed25519 key`);
  }
  return key;
}

const DER_KEY_FORMATS = [
  { type: 'pkcs1', label: 'RSA PRIVATE KEY' },
  { type: 'sec1', label: 'EC PRIVATE KEY' },
  { type: 'pkcs8', label: 'PRIVATE KEY' },
] as const;

function keyFromDer(der: Buffer, types: readonly ('pkcs1' | 'sec1' | 'pkcs8')[], what: string, source: string | undefined): KeyObject {
  let last: unknown;
  for (const type of types) {
    try {
      return checkSupported(createPrivateKey({ key: der, format: 'der', type }), source);
    } catch (err) {
      if (err instanceof PkiError) throw err;
      last = err;
    }
  }
  throw new PkiError('ERR_PKI_MALFORMED_PEM', `malformed private key${inSource(source)}: the ${what} could not be parsed; the file is corrupt or not a private key`, { cause: last });
}

/**
 * A private key from PEM (PKCS#1, SEC1 or PKCS#8; the first key block counts, "EC PARAMETERS" and
 * certificates are skipped) or from raw DER in any of those formats. Encrypted keys are refused:
 * the control plane has no passphrase to open them.
 */
export function parsePrivateKeyPem(input: string | Uint8Array, source?: string): KeyObject {
  if (!looksLikePem(input)) {
    const der = Buffer.from(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
    if (der.length === 0 || der[0] !== 0x30) {
      throw new PkiError('ERR_PKI_NO_KEY', `no private key found${inSource(source)}: expected a PEM block "RSA PRIVATE KEY", "EC PRIVATE KEY" or "PRIVATE KEY"`);
    }
    return keyFromDer(der, ['pkcs1', 'sec1', 'pkcs8'], 'DER key', source);
  }
  const blocks = pemDecodeAll(input, source);
  for (const block of blocks) {
    if (block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(block.headers['Proc-Type'] ?? '')) {
      throw new PkiError('ERR_PKI_ENCRYPTED_KEY', `the private key${inSource(source)} is encrypted with a passphrase, which is not supported: decrypt it first (for example \`openssl pkey -in key.pem -out key-plain.pem\`) and keep the file mode 0600`);
    }
    const format = DER_KEY_FORMATS.find((f) => f.label === block.label);
    if (format) return keyFromDer(block.der, [format.type], `"${block.label}" block`, source);
  }
  const found = blocks.length === 0 ? 'no PEM blocks' : `only ${blocks.map((b) => `"${b.label}"`).join(', ')}`;
  throw new PkiError('ERR_PKI_NO_KEY', `no private key found${inSource(source)} (${found}): expected a PEM block "RSA PRIVATE KEY", "EC PRIVATE KEY" or "PRIVATE KEY"`);
}

/** A public key from PEM ("PUBLIC KEY" SPKI or "RSA PUBLIC KEY" PKCS#1). */
export function parsePublicKeyPem(input: string | Uint8Array, source?: string): KeyObject {
  for (const block of pemDecodeAll(input, source)) {
    const type = block.label === 'PUBLIC KEY' ? 'spki' : block.label === 'RSA PUBLIC KEY' ? 'pkcs1' : undefined;
    if (type === undefined) continue;
    try {
      return createPublicKey({ key: block.der, format: 'der', type });
    } catch (err) {
      throw new PkiError('ERR_PKI_MALFORMED_PEM', `malformed public key${inSource(source)}: the "${block.label}" block could not be parsed; the file is corrupt`, { cause: err });
    }
  }
  throw new PkiError('ERR_PKI_NO_KEY', `no public key found${inSource(source)}: expected a PEM block "PUBLIC KEY" or "RSA PUBLIC KEY"`);
}

// ---- certificates ---------------------------------------------------------------------------------

export const certificateToPem = (cert: X509Certificate | Uint8Array): string =>
  pemEncode('CERTIFICATE', cert instanceof X509Certificate ? cert.raw : cert);

function parseCertificateDer(der: Buffer, index: number, source: string | undefined): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new PkiError('ERR_PKI_MALFORMED_PEM', `certificate #${index + 1}${inSource(source)} is not a valid X.509 certificate; the file is corrupt or holds something else`, { cause: err });
  }
}

/**
 * Every "CERTIFICATE" block in `input`, leaf first as written (other blocks, such as a key in the
 * same file, are skipped like Go's tls.X509KeyPair does). Raw DER input is one certificate.
 */
export function parseCertificatesPem(input: string | Uint8Array, source?: string): X509Certificate[] {
  if (!looksLikePem(input) && typeof input !== 'string' && input.length > 0 && input[0] === 0x30) {
    return [parseCertificateDer(Buffer.from(input), 0, source)];
  }
  const blocks = pemDecodeAll(input, source).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) {
    throw new PkiError('ERR_PKI_NO_CERTIFICATE', `no certificate found${inSource(source)}: expected at least one "-----BEGIN CERTIFICATE-----" PEM block`);
  }
  return blocks.map((b, i) => parseCertificateDer(b.der, i, source));
}
