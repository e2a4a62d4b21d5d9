import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { writeCertificateFile, writePrivateKeyFile } from './files.js';
import { withTempDir } from '../../test/support/openssl.js';

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe('key and certificate files', () => {
  it('a key is written 0600 into a created 0700 directory, atomically, and overwritten in place', async () => {
    await withTempDir(async (dir) => {
      const keyDir = join(dir, 'work', 'certs');
      const p = join(keyDir, 'kuma-cp.key');
      await writePrivateKeyFile(p, 'KEY-1\n');
      assert.equal(await readFile(p, 'utf8'), 'KEY-1\n');
      assert.equal(await mode(p), 0o600);
      assert.equal(await mode(keyDir), 0o700);
      await writePrivateKeyFile(p, 'KEY-2\n');
      assert.equal(await readFile(p, 'utf8'), 'KEY-2\n');
      assert.deepEqual(await readdir(keyDir), ['kuma-cp.key']); // no temp files left
    });
  });

  it('an existing key file with a wider mode ends up 0600', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'k.pem');
      await writeFile(p, 'old', { mode: 0o644 });
      await writePrivateKeyFile(p, 'new');
      assert.equal(await mode(p), 0o600);
    });
  });

  it('certificates: 0644 by default, or the given mode', async () => {
    await withTempDir(async (dir) => {
      await writeCertificateFile(join(dir, 'a.crt'), 'A');
      await writeCertificateFile(join(dir, 'b.crt'), 'B', 0o600);
      assert.equal(await mode(join(dir, 'a.crt')), 0o644);
      assert.equal(await mode(join(dir, 'b.crt')), 0o600);
    });
  });

  it('failures are ERR_PKI_WRITE_FILE naming the path, and leave nothing behind', async () => {
    await withTempDir(async (dir) => {
      const blocker = join(dir, 'file');
      await writeFile(blocker, 'x');
      const p = join(blocker, 'k.pem');
      await assert.rejects(writePrivateKeyFile(p, 'k'), (e: unknown) => hasCode(e, 'ERR_PKI_WRITE_FILE') && (e as Error).message.includes(p));
      await assert.rejects(writePrivateKeyFile(dir, 'k'), (e: unknown) => hasCode(e, 'ERR_PKI_WRITE_FILE'));
      assert.deepEqual((await readdir(dir)).sort(), ['file']);
    });
  });
});
