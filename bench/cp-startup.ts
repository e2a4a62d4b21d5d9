/**
 * `kuma-cp run` from spawn to ready (the "Control Plane is ready" log line, then /ready = 200),
 * with a fresh work dir (RSA-2048 certificate generated) and with an existing one (reused and
 * checked). Reference in the same run: spawning a bare `node -e ''`, the floor of any Node CLI.
 * Targets: fresh < 1.5 s, existing < 0.5 s.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { printTable, verdict } from './_util.js';

const RUNS = Number(process.env['RUNS'] ?? 10);
const launcher = fileURLToPath(new URL('../../bin/kuma-cp', import.meta.url));

function timeBareNode(): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('exit', () => resolve(performance.now() - start));
    child.once('error', reject);
  });
}

function readyStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/ready' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** Spawns kuma-cp on `home`, resolves with ms until ready, then stops it. */
async function timeStart(home: string): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [launcher, 'run'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: home, KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      const m = /"diagnosticsPort":(\d+),[^\n]*"msg":"Control Plane is ready"/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`kuma-cp exited with ${code} before it was ready`)));
  });
  const elapsed = performance.now() - start;
  if ((await readyStatus(port)) !== 200) throw new Error('/ready did not answer 200 after the ready log line');
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return elapsed;
}

const stats = (xs: number[]): { p50: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor((s.length - 1) / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
};

const bare: number[] = [];
const fresh: number[] = [];
const existing: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const home = await mkdtemp(join(tmpdir(), 'kuma-ts-bench-'));
  try {
    bare.push(await timeBareNode());
    fresh.push(await timeStart(home));
    existing.push(await timeStart(home));
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

const b = stats(bare);
const f = stats(fresh);
const e = stats(existing);
const ms = (x: number): string => `${x.toFixed(0)} ms`;
console.log(`kuma-cp run: spawn to ready, ${RUNS} runs each (Node ${process.version})`);
printTable([
  ['case', 'p50', 'max', 'target', 'p50 / bare node'],
  ['bare `node -e ""` (reference)', ms(b.p50), ms(b.max), '', '1.0x'],
  ['fresh work dir (RSA-2048 cert generated)', ms(f.p50), ms(f.max), '< 1500 ms', `${(f.p50 / b.p50).toFixed(1)}x`],
  ['existing work dir (cert reused, checked)', ms(e.p50), ms(e.max), '< 500 ms', `${(e.p50 / b.p50).toFixed(1)}x`],
]);
verdict(f.p50 < 1500, `fresh start under 1.5 s (p50 ${ms(f.p50)}; slowest run ${ms(f.max)})`);
verdict(e.p50 < 500, `restart under 0.5 s (p50 ${ms(e.p50)}; slowest run ${ms(e.max)})`);
