import { chmod, mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { messageOf } from '../../../core/errors.js';
import { CliError } from '../../program.js';
import { parseConfig, serializeConfig } from './config-codec.js';
import type { KumactlConfig } from './config-model.js';
import { defaultConfig } from './config-model.js';

/** `$HOME/.kumactl/config` (HOME from the command's environment, else the OS's idea of home). */
export function defaultConfigFile(env: Readonly<Record<string, string | undefined>>): string {
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir();
  return join(home, '.kumactl', 'config');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the configuration: mode 0600 always (it may hold bearer tokens), atomically (temp file +
 * rename, so a crash never leaves half a file), through a symlink to its target. A missing directory
 * is created 0700 (Kuma uses 0755; nothing else needs to read it).
 */
export async function saveConfigFile(file: string, cfg: KumactlConfig): Promise<void> {
  let target = file;
  try {
    target = await realpath(file);
  } catch {
    // does not exist yet
  }
  const dir = dirname(target);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CliError(`Failed to create a directory "${dir}": ${messageOf(err)}`);
  }
  const tmp = join(dir, `.${basename(target)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, serializeConfig(cfg), { mode: 0o600 });
    await chmod(tmp, 0o600); // the umask may have narrowed it further, never widened; be explicit
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`Failed to write configuration into file "${file}": ${messageOf(err)}`);
  }
}

/**
 * Loads the configuration; a file that does not exist is first created with the default content
 * (Kuma's first-run behaviour, for the default path and an explicit --config-file alike).
 */
export async function loadOrCreateConfigFile(file: string): Promise<KumactlConfig> {
  if (!(await exists(file))) {
    const cfg = defaultConfig();
    await saveConfigFile(file, cfg);
    return cfg;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`Failed to read configuration from file "${file}": ${messageOf(err)}`);
  }
  try {
    return parseConfig(text);
  } catch (err) {
    throw new CliError(`Failed to parse configuration from file "${file}": ${messageOf(err)}`);
  }
}
