/** Small helpers shared by benchmarks: timed loops, external commands, and a printed table. */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface RateOptions {
  /** Measured time (after warm-up). */
  durationMs: number;
  warmupMs?: number;
  /** Calls between clock reads, to keep timing overhead out of the figure. */
  batch?: number;
}

/** Operations per second of a synchronous function called with an increasing counter. */
export function measureRate(fn: (i: number) => unknown, opts: RateOptions): number {
  const batch = opts.batch ?? 50;
  let i = 0;
  const run = (ms: number): { n: number; elapsed: number } => {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < ms) {
      for (let k = 0; k < batch; k++) fn(i++);
      n += batch;
    }
    return { n, elapsed: performance.now() - start };
  };
  run(opts.warmupMs ?? 300);
  const { n, elapsed } = run(opts.durationMs);
  return (n / elapsed) * 1000;
}

/** Operations per second of an async function, awaited one at a time (sequential). */
export async function measureRateAsync(fn: (i: number) => Promise<unknown>, opts: RateOptions): Promise<number> {
  let i = 0;
  const run = async (ms: number): Promise<{ n: number; elapsed: number }> => {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < ms) {
      await fn(i++);
      n++;
    }
    return { n, elapsed: performance.now() - start };
  };
  await run(opts.warmupMs ?? 300);
  const { n, elapsed } = await run(opts.durationMs);
  return (n / elapsed) * 1000;
}

/** Runs a command and returns its stdout (stderr appended, since some tools print results there). */
export function runCommand(cmd: string, args: readonly string[], timeoutMs = 60_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

export type Cell = string | number;

const fmt = (c: Cell): string => (typeof c === 'number' ? (Number.isInteger(c) || Math.abs(c) >= 100 ? Math.round(c).toLocaleString('en-US') : c.toFixed(2)) : c);

/** Prints rows as an aligned text table (first row is the header). */
export function printTable(rows: readonly (readonly Cell[])[]): void {
  const text = rows.map((r) => r.map(fmt));
  const widths = text[0]?.map((_, col) => Math.max(...text.map((r) => (r[col] ?? '').length))) ?? [];
  const line = (r: readonly string[]): string => r.map((c, col) => c.padEnd(widths[col] ?? 0)).join('  ').trimEnd();
  const [head, ...body] = text;
  if (!head) return;
  process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of body) process.stdout.write(`${line(r)}\n`);
}

/** "PASS"/"FAIL" line for a figure against its target. */
export function verdict(pass: boolean, what: string): void {
  process.stdout.write(`${pass ? 'PASS' : 'FAIL'}: ${what}\n`);
}
