import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { recordingLogger } from '../core/log.js';
import { KEY_FILE_SETTING, KEY_SETTING, loadSecretsKeyring, secretsKeyId, SecretsKeyring } from './secrets-keyring.js';

const b64 = (bytes: Buffer): string => bytes.toString('base64');
const settings = (key = '', file = '') => ({ secretsEncryptionKey: key, secretsEncryptionKeyFile: file });

describe('secrets encryption keyring', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function keyFile(name: string, text: string, mode = 0o600): Promise<string> {
    const p = join(dir, name);
    await writeFile(p, text);
    await chmod(p, mode);
    return p;
  }

  /** The error the settings cause; checks it names what it should and never echoes key material. */
  async function configError(s: { secretsEncryptionKey: string; secretsEncryptionKeyFile: string }, material: string[] = []): Promise<string> {
    const log = recordingLogger();
    let message = '';
    await assert.rejects(loadSecretsKeyring(s, log), (err: Error & { code: string }) => {
      assert.equal(err.code, 'ERR_SECRETS_ENCRYPTION_CONFIG');
      message = err.message;
      return true;
    });
    for (const m of [s.secretsEncryptionKey, ...material].filter((x) => x.length > 4)) {
      assert.ok(!message.includes(m), `message echoes key material: ${message}`);
      assert.ok(!JSON.stringify(log.entries).includes(m), 'log echoes key material');
    }
    return message;
  }

  test('neither setting: encryption off', async () => {
    assert.equal(await loadSecretsKeyring(settings(), recordingLogger()), undefined);
  });

  test('an inline key: one current key, id is a short hash, never the key', async () => {
    const key = randomBytes(32);
    const log = recordingLogger();
    const ring = await loadSecretsKeyring(settings(b64(key)), log);
    assert.ok(ring);
    assert.equal(ring.current.id, secretsKeyId(key));
    assert.match(ring.current.id, /^[0-9a-f]{12}$/);
    assert.equal(ring.setting, KEY_SETTING);
    assert.deepEqual(ring.ids, [ring.current.id]);
    assert.ok(!key.toString('hex').includes(ring.current.id));
    assert.ok(!inspect(ring, { depth: 5 }).includes(b64(key)));
    assert.ok(!JSON.stringify(log.entries).includes(b64(key)));
    assert.notEqual(secretsKeyId(randomBytes(32)), ring.current.id);
  });

  test('inline key errors name the setting: not base64, wrong length, both set', async () => {
    const notB64 = 'this is not base64 at all, is it?!';
    assert.equal(await configError(settings(notB64)), `${KEY_SETTING} (KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY) is not valid base64`);
    const short = b64(randomBytes(16));
    assert.equal(
      await configError(settings(short)),
      `${KEY_SETTING} (KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY) decodes to 16 bytes, but a key must be exactly 32 bytes (generate one with: openssl rand -base64 32)`,
    );
    const key = b64(randomBytes(32));
    assert.match(await configError(settings(key, '/etc/kuma/key')), /secretsEncryptionKey \(KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY\) and store\.postgres\.secretsEncryptionKeyFile \(KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY_FILE\) are both set: set only one/);
  });

  test('a key file with several keys: first is current, the rest read-only; comments, blanks and CRLF are fine', async () => {
    const [k1, k2, k3] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const log = recordingLogger();
    const file = await keyFile('ring', `# current\r\n${b64(k1)}\r\n\r\n# old ones\r\n${b64(k2)}\r\n  ${b64(k3)}  \r\n${b64(k2)}\r\n`);
    const ring = await loadSecretsKeyring(settings('', file), log);
    assert.ok(ring);
    assert.equal(ring.setting, KEY_FILE_SETTING);
    assert.deepEqual(ring.ids, [secretsKeyId(k1), secretsKeyId(k2), secretsKeyId(k3)]);
    assert.equal(ring.current.id, secretsKeyId(k1));
    assert.ok(ring.find(secretsKeyId(k3)));
    assert.equal(ring.find('000000000000'), undefined);
    assert.ok(log.entries.some((e) => e.level === 'warn' && /same key twice/.test(e.msg) && e.fields['line'] === 7));
    assert.ok(!log.entries.some((e) => /world-readable/.test(e.msg)));
  });

  test('key file errors name the setting and the file: missing, directory, empty, bad line', async () => {
    const missing = join(dir, 'nope');
    assert.equal(await configError(settings('', missing)), `${KEY_FILE_SETTING} (${missing}) does not exist`);
    assert.equal(await configError(settings('', dir)), `${KEY_FILE_SETTING} (${dir}) is a directory, not a file`);
    const empty = await keyFile('empty', '\n# nothing yet\n\n');
    assert.match(await configError(settings('', empty)), new RegExp(`\\(${empty}\\) holds no key: put a base64 key on the first line`));
    const good = b64(randomBytes(32));
    const bad = await keyFile('bad', `${good}\n${b64(randomBytes(24))}\n`);
    assert.equal(
      await configError(settings('', bad), [good]),
      `${KEY_FILE_SETTING} (${bad}): line 2 decodes to 24 bytes, but a key must be exactly 32 bytes (generate one with: openssl rand -base64 32)`,
    );
    const garbage = await keyFile('garbage', `${good}%%\n`);
    assert.equal(await configError(settings('', garbage), [good]), `${KEY_FILE_SETTING} (${garbage}): line 1 is not valid base64`);
    const huge = await keyFile('huge', 'A'.repeat(70 * 1024));
    assert.match(await configError(settings('', huge)), /is 71680 bytes: a key file holds a few lines of base64 keys/);
  });

  test('an unreadable key file is an error', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, async () => {
    const locked = await keyFile('locked', `${b64(randomBytes(32))}\n`, 0o000);
    assert.equal(await configError(settings('', locked)), `${KEY_FILE_SETTING} (${locked}) is not readable by this process (permission denied)`);
  });

  test('a world-readable key file works but is warned about', async () => {
    const file = await keyFile('open', `${b64(randomBytes(32))}\n`, 0o644);
    const log = recordingLogger();
    assert.ok(await loadSecretsKeyring(settings('', file), log));
    assert.ok(log.entries.some((e) => e.level === 'warn' && e.msg === 'secrets encryption key file is world-readable: restrict it (chmod 600 or 400)'));
  });

  test('fromKeys refuses keys of the wrong size and drops repeats', () => {
    assert.throws(() => SecretsKeyring.fromKeys([randomBytes(31)]), { code: 'ERR_SECRETS_ENCRYPTION_CONFIG', message: /key 1 is 31 bytes, it must be 32/ });
    assert.throws(() => SecretsKeyring.fromKeys([]), { code: 'ERR_SECRETS_ENCRYPTION_CONFIG' });
    const k = randomBytes(32);
    assert.equal(SecretsKeyring.fromKeys([k, k]).keys.length, 1);
  });
});
