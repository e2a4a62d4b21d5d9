import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { messageOf } from '../../../core/errors.js';
import { CliError } from '../../program.js';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const URL_TIMEOUT_MS = 10_000;

async function readUrl(url: string): Promise<string> {
  try {
    new URL(url);
  } catch (err) {
    throw new CliError(`invalid URL for --file: ${messageOf(err)}`);
  }
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(URL_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new CliError(`error with GET http request: ${messageOf(err)}${cause ? `: ${messageOf(cause)}` : ''}`);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new CliError(`error while retrieving URL: ${url} answered ${res.status} ${res.statusText}`.trimEnd());
  }
  return res.text();
}

/** Every .yaml/.yml/.json file of a directory (not recursing), sorted by name, joined as documents. */
async function readDirectory(dir: string): Promise<string> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    throw new CliError(`error reading directory: ${messageOf(err)}`);
  }
  const parts: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!EXTENSIONS.has(extname(name).toLowerCase())) continue;
    try {
      if ((await stat(path)).isDirectory()) continue; // also symlinks to directories
      parts.push(await readFile(path, 'utf8'));
    } catch (err) {
      throw new CliError(`error reading file ${path}: ${messageOf(err)}`);
    }
  }
  return parts.join('\n---\n');
}

/** What `apply -f` names: `-` (stdin), an http(s) URL, a directory or a file. */
export async function readApplyInput(file: string, readStdin: () => Promise<string>): Promise<string> {
  if (file === '-') return readStdin();
  if (file.startsWith('http://') || file.startsWith('https://')) return readUrl(file);
  try {
    if ((await stat(file)).isDirectory()) return await readDirectory(file);
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`error while reading provided file: ${messageOf(err)}`);
  }
}
