import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { KumaCpConfig } from '../config/kuma-cp-schema.js';
import { KumaError } from '../core/errors.js';
import type { Logger } from '../core/log.js';

// The keys that encrypt Secret and GlobalSecret specs at rest (kuma-ts addition; Kuma stores them in
// plain text). Key material never leaves this module except as a KeyObject, which prints no bytes.

export const KEY_SETTING = 'store.postgres.secretsEncryptionKey';
export const KEY_FILE_SETTING = 'store.postgres.secretsEncryptionKeyFile';
const KEY_ENV = 'KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY';
const KEY_FILE_ENV = 'KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY_FILE';
const KEY_BYTES = 32;
const GENERATE_HINT = 'generate one with: openssl rand -base64 32';
/** A key file is a few lines of base64; anything bigger is the wrong file. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** A bad encryption setting, found at start-up; the message names the setting, never the key. */
export class SecretsEncryptionConfigError extends KumaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SECRETS_ENCRYPTION_CONFIG', message, options);
  }
}

export interface SecretsKey {
  /** Short hash of the key: stored beside each ciphertext to pick the key for reading. */
  readonly id: string;
  readonly key: KeyObject;
}

/** Key id: the first 6 bytes of a domain-separated SHA-256 of the key, hex (reveals nothing usable). */
export function secretsKeyId(key: Uint8Array): string {
  return createHash('sha256').update('kuma-ts secrets encryption key id\0').update(key).digest('hex').slice(0, 12);
}

/**
 * The current key (encrypts every write) and older keys (only decrypt), which together make a key
 * rotation: put the new key first, keep the old ones after it until `reencryptAll` has run.
 */
export class SecretsKeyring {
  readonly current: SecretsKey;
  /** Current first, then the read-only keys in file order. */
  readonly keys: readonly SecretsKey[];
  /** The setting the keys came from (named in errors about missing keys). */
  readonly setting: string;

  private constructor(keys: SecretsKey[], setting: string) {
    const first = keys[0];
    if (!first) throw new SecretsEncryptionConfigError(`${setting} holds no key: ${GENERATE_HINT}`);
    this.current = first;
    this.keys = keys;
    this.setting = setting;
  }

  /** Builds a keyring from raw 32-byte keys, current first. */
  static fromKeys(keys: readonly Uint8Array[], setting: string = KEY_FILE_SETTING): SecretsKeyring {
    const out: SecretsKey[] = [];
    for (const [i, k] of keys.entries()) {
      if (k.length !== KEY_BYTES) throw new SecretsEncryptionConfigError(`${setting}: key ${i + 1} is ${k.length} bytes, it must be ${KEY_BYTES}`);
      const id = secretsKeyId(k);
      if (out.some((o) => o.id === id)) continue;
      out.push({ id, key: createSecretKey(Buffer.from(k)) });
    }
    return new SecretsKeyring(out, setting);
  }

  find(id: string): SecretsKey | undefined {
    return this.keys.find((k) => k.id === id);
  }

  get ids(): string[] {
    return this.keys.map((k) => k.id);
  }
}

/** Why `text` is not one key, or the key (canonical standard base64 of exactly 32 bytes). */
function decodeKey(text: string): { key: Buffer } | { problem: string } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return { problem: 'is not valid base64' };
  const key = Buffer.from(text, 'base64');
  if (key.toString('base64') !== text) return { problem: 'is not valid base64' };
  if (key.length !== KEY_BYTES) return { problem: `decodes to ${key.length} bytes, but a key must be exactly ${KEY_BYTES} bytes (${GENERATE_HINT})` };
  return { key };
}

function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'is not readable by this process (permission denied)';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return `cannot be read (${code ?? 'unknown error'})`;
}

/** Parses a key file: one base64 key per line, blank lines and `#` comments ignored, first = current. */
export function parseKeyFile(text: string, where: string, log: Logger): Buffer[] {
  const keys: Buffer[] = [];
  const ids = new Set<string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const decoded = decodeKey(line);
    if ('problem' in decoded) throw new SecretsEncryptionConfigError(`${where}: line ${i + 1} ${decoded.problem}`);
    const id = secretsKeyId(decoded.key);
    if (ids.has(id)) {
      log.warn({ setting: KEY_FILE_SETTING, line: i + 1, keyId: id }, 'secrets encryption key file lists the same key twice; the repeat is ignored');
      continue;
    }
    ids.add(id);
    keys.push(decoded.key);
  }
  if (keys.length === 0) throw new SecretsEncryptionConfigError(`${where} holds no key: put a base64 key on the first line (${GENERATE_HINT})`);
  return keys;
}

export type SecretsEncryptionSettings = Pick<KumaCpConfig['store']['postgres'], 'secretsEncryptionKey' | 'secretsEncryptionKeyFile'>;

/**
 * The keyring the settings ask for, or undefined when neither is set (secrets stay unencrypted, as in
 * Kuma). Throws SecretsEncryptionConfigError for anything that would make secrets unreadable later.
 */
export async function loadSecretsKeyring(settings: SecretsEncryptionSettings, log: Logger): Promise<SecretsKeyring | undefined> {
  const inline = settings.secretsEncryptionKey.trim();
  const file = settings.secretsEncryptionKeyFile.trim();
  if (inline !== '' && file !== '') {
    throw new SecretsEncryptionConfigError(
      `${KEY_SETTING} (${KEY_ENV}) and ${KEY_FILE_SETTING} (${KEY_FILE_ENV}) are both set: set only one (the file can hold several keys for a rotation)`,
    );
  }
  if (inline !== '') {
    const decoded = decodeKey(inline);
    if ('problem' in decoded) throw new SecretsEncryptionConfigError(`${KEY_SETTING} (${KEY_ENV}) ${decoded.problem}`);
    const ring = SecretsKeyring.fromKeys([decoded.key], KEY_SETTING);
    log.info({ keyId: ring.current.id, setting: KEY_SETTING }, 'secrets are encrypted at rest');
    return ring;
  }
  if (file === '') return undefined;

  const where = `${KEY_FILE_SETTING} (${file})`;
  let text: string;
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (st.size > MAX_KEY_FILE_BYTES) throw new SecretsEncryptionConfigError(`${where} is ${st.size} bytes: a key file holds a few lines of base64 keys`);
    // stat follows symlinks, so a Kubernetes secret volume (symlinked files) is judged by its target.
    if ((st.mode & 0o004) !== 0) {
      log.warn({ setting: KEY_FILE_SETTING, file }, 'secrets encryption key file is world-readable: restrict it (chmod 600 or 400)');
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof SecretsEncryptionConfigError) throw err;
    throw new SecretsEncryptionConfigError(`${where} ${readProblem(err)}`, { cause: err });
  }
  const ring = SecretsKeyring.fromKeys(parseKeyFile(text, where, log), KEY_FILE_SETTING);
  log.info({ keyId: ring.current.id, readOnlyKeyIds: ring.ids.slice(1), setting: KEY_FILE_SETTING }, 'secrets are encrypted at rest');
  return ring;
}
