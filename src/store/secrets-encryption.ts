import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KumaError } from '../core/errors.js';
import type { JsonObject } from '../core/resources/json.js';
import type { ResourceKey } from '../core/resources/resource.js';
import { describeKey } from '../core/resources/resource.js';
import { KEY_FILE_SETTING, KEY_SETTING, type SecretsKeyring } from './secrets-keyring.js';

/**
 * Encryption at rest of Secret and GlobalSecret specs. The stored spec is
 *
 *   { "encrypted": "v1:<keyId>:<base64(iv ‖ ciphertext ‖ tag)>" }
 *
 * where v1 means: AES-256-GCM, a random 96-bit IV per write, a 128-bit tag, plaintext = the JSON of
 * the whole spec, additional authenticated data = JSON ["kuma-ts secret v1", type, mesh, name], so a
 * ciphertext copied into another row (or renamed) does not decrypt. A spec without `encrypted` is a
 * plain one (written before encryption was enabled) and is read as-is.
 */

export const ENCRYPTED_TYPES: ReadonlySet<string> = new Set(['Secret', 'GlobalSecret']);
export const ENCRYPTED_FIELD = 'encrypted';
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

export function isEncryptedType(type: string): boolean {
  return ENCRYPTED_TYPES.has(type);
}

/** A stored ciphertext that cannot be turned back into the spec: malformed, altered or in the wrong row. */
export class SecretDecryptionError extends KumaError {
  readonly key: ResourceKey;
  constructor(key: ResourceKey, reason: string) {
    super('ERR_SECRET_DECRYPTION', `cannot decrypt ${describeKey(key)}: ${reason}`);
    this.key = { ...key };
  }
}

/** The ciphertext names a key this instance does not have. */
export class SecretKeyMissingError extends KumaError {
  readonly key: ResourceKey;
  readonly keyId: string;
  constructor(key: ResourceKey, keyId: string, message: string) {
    super('ERR_SECRET_KEY_MISSING', message);
    this.key = { ...key };
    this.keyId = keyId;
  }
}

interface Envelope {
  keyId: string;
  blob: Buffer;
}

function aad(key: ResourceKey): Buffer {
  return Buffer.from(JSON.stringify(['kuma-ts secret v1', key.type, key.mesh, key.name]), 'utf8');
}

/** True when the stored spec carries a ciphertext (whatever its format). */
export function isEncryptedSpec(spec: JsonObject): boolean {
  return Object.hasOwn(spec, ENCRYPTED_FIELD);
}

function parseEnvelope(spec: JsonObject, key: ResourceKey): Envelope {
  const value = spec[ENCRYPTED_FIELD];
  const extra = Object.keys(spec).filter((k) => k !== ENCRYPTED_FIELD);
  if (typeof value !== 'string' || extra.length > 0) throw new SecretDecryptionError(key, 'the stored value is not a kuma-ts ciphertext (unexpected shape)');
  const [format, keyId, b64, ...rest] = value.split(':');
  if (format !== FORMAT) throw new SecretDecryptionError(key, `unknown ciphertext format ${JSON.stringify(format)} (this version reads ${FORMAT}); was it written by a newer kuma-ts?`);
  if (keyId === undefined || !/^[0-9a-f]{12}$/.test(keyId) || b64 === undefined || rest.length > 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
    throw new SecretDecryptionError(key, 'the stored ciphertext is malformed');
  }
  const blob = Buffer.from(b64, 'base64');
  if (blob.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError(key, 'the stored ciphertext is truncated');
  return { keyId, blob };
}

/** The key id a stored spec is encrypted under; undefined for a plain spec. */
export function encryptionKeyIdOf(spec: JsonObject, key: ResourceKey): string | undefined {
  return isEncryptedSpec(spec) ? parseEnvelope(spec, key).keyId : undefined;
}

/** Encrypts `spec` for the row `key` under the keyring's current key. */
export function encryptSecretSpec(spec: JsonObject, key: ResourceKey, keyring: SecretsKeyring): JsonObject {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, keyring.current.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(key));
  const ct = Buffer.concat([cipher.update(JSON.stringify(spec), 'utf8'), cipher.final()]);
  const blob = Buffer.concat([iv, ct, cipher.getAuthTag()]);
  return { [ENCRYPTED_FIELD]: `${FORMAT}:${keyring.current.id}:${blob.toString('base64')}` };
}

function missingKey(key: ResourceKey, keyId: string, keyring: SecretsKeyring | undefined): SecretKeyMissingError {
  const what = `cannot decrypt ${describeKey(key)}: it is encrypted with key ${keyId}`;
  if (!keyring) {
    return new SecretKeyMissingError(key, keyId, `${what}, but no secrets encryption key is configured: set ${KEY_SETTING} or ${KEY_FILE_SETTING} to that key`);
  }
  const held = `${keyring.setting} holds ${keyring.ids.join(', ')}`;
  const fix =
    keyring.setting === KEY_FILE_SETTING
      ? `add that key to the file on a line after the current key (later lines are only used for reading)`
      : `use ${KEY_FILE_SETTING} instead, with the current key on the first line and that key on a later line`;
  return new SecretKeyMissingError(key, keyId, `${what}, which is missing from ${keyring.setting} (${held}): ${fix}`);
}

/**
 * The plain spec of a stored one. A plain stored spec comes back as a copy (legacy rows); a ciphertext
 * decrypts only if it authenticates for exactly this row, otherwise nothing of it is returned.
 */
export function decryptSecretSpec(stored: JsonObject, key: ResourceKey, keyring: SecretsKeyring | undefined): JsonObject {
  if (!isEncryptedSpec(stored)) return structuredClone(stored);
  const { keyId, blob } = parseEnvelope(stored, key);
  const k = keyring?.find(keyId);
  if (!k) throw missingKey(key, keyId, keyring);
  let plain: string;
  try {
    const decipher = createDecipheriv(ALGORITHM, k.key, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(key));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    // update() output is only used once final() has checked the tag: no partial plaintext escapes.
    plain = Buffer.concat([decipher.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError(
      key,
      `the ciphertext under key ${keyId} does not authenticate: it was altered, or copied from another resource; restore it from a backup or create the secret again`,
    );
  }
  let spec: unknown;
  try {
    spec = JSON.parse(plain);
  } catch {
    spec = undefined;
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new SecretDecryptionError(key, 'the decrypted value is not a spec object');
  return spec as JsonObject;
}

/**
 * True when a stored spec is not under the keyring's current key: plain (legacy) or under an older key.
 * Without a keyring nothing needs re-encryption (encryption is off).
 */
export function needsReencryption(stored: JsonObject, key: ResourceKey, keyring: SecretsKeyring | undefined): boolean {
  if (!keyring) return false;
  return encryptionKeyIdOf(stored, key) !== keyring.current.id;
}
