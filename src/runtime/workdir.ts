import { access, constants, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KumaError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { ensurePrivateDir } from '../pki/index.js';

export class WorkDirError extends KumaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WORK_DIR', message, options);
  }
}

const HINT = 'pick another working directory by setting KUMA_GENERAL_WORK_DIR';

/**
 * Resolves `general.workDir` (default `$HOME/.kuma`), creates it 0700, and refuses a directory other
 * users can write to: whoever can write there can swap the control plane's certificate and key.
 */
export async function prepareWorkDir(configured: string, log: Logger, home: () => string = homedir): Promise<string> {
  let dir = configured;
  if (dir === '') {
    let h = '';
    try {
      h = home();
    } catch (err) {
      throw new WorkDirError(`failed to create a working directory inside $HOME: ${String(err)}, please pick a working directory by setting KUMA_GENERAL_WORK_DIR manually`, { cause: err });
    }
    if (h === '') {
      throw new WorkDirError('failed to create a working directory inside $HOME: $HOME is not set, please pick a working directory by setting KUMA_GENERAL_WORK_DIR manually');
    }
    dir = join(h, '.kuma');
  }
  try {
    await ensurePrivateDir(dir);
  } catch (err) {
    throw new WorkDirError(`could not create the working directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; ${HINT}`, { cause: err });
  }
  const st = await stat(dir);
  if (!st.isDirectory()) throw new WorkDirError(`the working directory ${dir} is not a directory; ${HINT}`);
  const mode = st.mode & 0o777;
  if ((mode & 0o022) !== 0) {
    throw new WorkDirError(
      `the working directory ${dir} is writable by other users (mode ${mode.toString(8).padStart(4, '0')}), so they could replace the control plane's certificate and key; run 'chmod 700 ${dir}' or ${HINT}`,
    );
  }
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    log.warn({ workDir: dir, owner: st.uid }, 'the working directory belongs to another user');
  }
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new WorkDirError(`the working directory ${dir} is not writable by this process; fix its permissions or ${HINT}`, { cause: err });
  }
  if ((mode & 0o044) !== 0) {
    log.warn({ workDir: dir, mode: mode.toString(8) }, "the working directory is readable by other users; consider 'chmod 700'");
  }
  log.info({ workDir: dir }, 'using working directory (change it with KUMA_GENERAL_WORK_DIR)');
  return dir;
}
