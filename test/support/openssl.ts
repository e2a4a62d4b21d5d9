/**
 * Test support: the `openssl` command line as an independent peer that checks what we produce.
 * Used only by tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function openssl(args: readonly string[], input?: string | Uint8Array): OpensslResult {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** openssl that must succeed; returns stdout. */
export function opensslOk(args: readonly string[], input?: string | Uint8Array): string {
  const r = openssl(args, input);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs `fn` with a fresh temp dir (kuma-ts-*) and removes it afterwards. */
export async function withTempDir<T>(fn: (dir: string, write: (name: string, data: string | Uint8Array) => Promise<string>) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  const write = async (name: string, data: string | Uint8Array): Promise<string> => {
    const p = join(dir, name);
    await writeFile(p, data);
    return p;
  };
  try {
    return await fn(dir, write);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `openssl x509 -noout -text` of a PEM certificate. */
export const certText = (pem: string): string => opensslOk(['x509', '-noout', '-text'], pem);

/** The lines following an extension's header in `openssl x509 -text` output, e.g. "X509v3 Key Usage". */
export function extensionText(text: string, name: string): { critical: boolean; value: string } | undefined {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.trim().startsWith(`${name}:`));
  if (i < 0) return undefined;
  return { critical: (lines[i] as string).includes('critical'), value: (lines[i + 1] ?? '').trim() };
}
