/**
 * Atomic writes of key and certificate files: a temp file in the same directory, fsync, rename.
 * A reader (or a crash) never sees a half-written key, and keys are never readable by others:
 * the file is created 0600 and a missing parent directory 0700.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PkiError } from './errors.js';

/**
 * Creates `dir` and any missing parents with mode 0700. Walks the path itself instead of
 * `mkdir({recursive: true})`, which loops forever on Node 20 when a parent cannot hold directories
 * (for example under /proc).
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const parent = dirname(dir);
    if (parent !== dir) await ensurePrivateDir(parent);
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (mkdirErr) {
      if ((mkdirErr as NodeJS.ErrnoException).code !== 'EEXIST') throw mkdirErr;
    }
    return;
  }
  throw Object.assign(new Error(`${dir} exists and is not a directory`), { code: 'ENOTDIR' });
}

async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await ensurePrivateDir(dir);
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.chmod(mode); // the umask may have narrowed or the caller asked for a wider mode
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new PkiError('ERR_PKI_WRITE_FILE', `could not write ${path}: ${reason}; check that the directory exists or can be created and is writable`, { cause: err });
  }
}

/**
 * Writes a private key file with mode 0600 (parent directory created 0700 when missing). A caller
 * may ask for a narrower mode (kumactl writes 0400, as Kuma does), never a wider one.
 */
export const writePrivateKeyFile = (path: string, pem: string, mode = 0o600): Promise<void> => {
  if ((mode & 0o077) !== 0) throw new PkiError('ERR_PKI_WRITE_FILE', `refusing to write the private key ${path} readable by other users (mode ${mode.toString(8)})`);
  return writeAtomically(path, pem, mode);
};

/** Writes a certificate file, mode 0644 unless given (Kuma writes its own with 0600). */
export const writeCertificateFile = (path: string, pem: string, mode = 0o644): Promise<void> => writeAtomically(path, pem, mode);
