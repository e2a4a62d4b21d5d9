import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferIo } from '../../io.js';
import { main } from '../main.js';

export interface KumactlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** HOME for the run; always set so tests never touch the real ~/.kumactl. */
  home: string;
  stdin?: string;
  now?: Date;
}

/** Runs kumactl in-process with captured output. */
export async function runKumactl(opts: RunOptions, ...argv: string[]): Promise<KumactlRun> {
  const io = bufferIo({ HOME: opts.home });
  const code = await main(argv, io, {
    readStdin: () => Promise.resolve(opts.stdin ?? ''),
    ...(opts.now && { now: () => opts.now as Date }),
  });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** A temp HOME (kuma-ts-*), removed afterwards. */
export async function withHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  try {
    return await fn(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
