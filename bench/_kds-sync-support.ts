/**
 * Helpers of bench/kds-sync.ts: kuma-cp processes (optionally CPU-profiled), a TCP gate that holds a
 * zone's KDS connection until it is opened, bulk API writes with bounded concurrency, list totals,
 * and fast polling.
 */
import { spawn } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { binPath } from '../test/support/processes.js';

const PORTS_0 = { KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A running `kuma-cp run` and its parsed JSON log lines. */
export interface CpProcess {
  pid: number;
  logs: Record<string, unknown>[];
  /** The first log line (already seen or still to come) matching `pred`. */
  waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Like test/support/processes.ts startProcess, plus node flags: `--cpu-prof` is refused in
 * NODE_OPTIONS, so profiling needs its own command line.
 */
function spawnCp(execArgv: string[], env: Record<string, string>): CpProcess {
  const child = spawn(process.execPath, [...execArgv, binPath('kuma-cp'), 'run'], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<(l: Record<string, unknown>) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = { msg: line };
    }
    logs.push(parsed);
    for (const w of [...waiters]) w(parsed);
  });
  return {
    pid: child.pid ?? 0,
    logs,
    waitForLog(pred, timeoutMs) {
      const hit = logs.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(onLine);
        };
        const onLine = (l: Record<string, unknown>): void => {
          if (!pred(l)) return;
          done();
          resolve(l);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for a kuma-cp log line; stderr: ${stderr}; last logs: ${JSON.stringify(logs.slice(-5))}`));
        }, timeoutMs);
        waiters.add(onLine);
        void exited.then(() => {
          done();
          reject(new Error(`kuma-cp exited (${child.exitCode ?? child.signalCode}) before the expected log line; stderr: ${stderr}`));
        });
      });
    },
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface Cp {
  /** Its work directory name: global, zone-1, ... */
  name: string;
  proc: CpProcess;
  api: string;
  ready: Record<string, unknown>;
  /** Date.now() just before the process was spawned. */
  spawnedAt: number;
}

/** `kuma-cp run` with every port 0; with `profileDir`, node writes a .cpuprofile into `<profileDir>/<workDir>` on SIGTERM. */
export async function startCp(home: string, workDir: string, env: Record<string, string>, profileDir: string | undefined): Promise<Cp> {
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, workDir)}`] : [];
  const spawnedAt = Date.now();
  const proc = spawnCp(execArgv, { HOME: home, ...PORTS_0, KUMA_GENERAL_WORK_DIR: join(home, workDir), ...env });
  const ready = await proc.waitForLog((l) => l['msg'] === 'Control Plane is ready', 60_000);
  return { name: workDir, proc, api: `http://localhost:${String(ready['apiHttpPort'])}`, ready, spawnedAt };
}

/** Stops a CP; SIGTERM first when profiling (the profile is written on a clean exit). */
export async function stopCp(cp: Cp | undefined, profiling: boolean): Promise<void> {
  if (!cp) return;
  if (profiling) await Promise.race([cp.proc.stop('SIGTERM'), sleep(20_000)]);
  await cp.proc.stop('SIGKILL');
}

/** The pino `time` of a log line (ISO, ms precision) as epoch ms. */
export const logTime = (l: Record<string, unknown>): number => Date.parse(String(l['time']));

/**
 * A TCP forwarder in front of the global's KDS port. Closed, it accepts connections and holds them
 * unread (the zone's TLS handshake waits; its connect timeout is 10 s); opening forwards the held
 * connection at once, so the zone connects without waiting out a reconnect backoff. `cut()` drops
 * every forwarded connection and closes the gate again.
 */
export class KdsGate {
  private readonly server: Server;
  private open = false;
  private readonly held = new Set<Socket>();
  private readonly live = new Set<Socket>();

  private constructor(private readonly targetPort: number) {
    this.server = createServer((s) => this.onConnection(s));
  }

  static async start(targetPort: number): Promise<KdsGate & { port: number }> {
    const g = new KdsGate(targetPort);
    await new Promise<void>((resolve) => g.server.listen(0, resolve));
    const addr = g.server.address();
    return Object.assign(g, { port: typeof addr === 'object' && addr ? addr.port : 0 });
  }

  private onConnection(s: Socket): void {
    s.on('error', () => s.destroy());
    if (this.open) return this.forward(s);
    this.held.add(s);
    s.once('close', () => this.held.delete(s));
  }

  private forward(s: Socket): void {
    const up = createConnection({ host: 'localhost', port: this.targetPort });
    up.setNoDelay(true);
    s.setNoDelay(true);
    up.on('error', () => s.destroy());
    s.on('error', () => up.destroy());
    up.once('close', () => s.destroy());
    s.once('close', () => up.destroy());
    this.live.add(s).add(up);
    s.once('close', () => this.live.delete(s));
    up.once('close', () => this.live.delete(up));
    s.pipe(up);
    up.pipe(s);
  }

  /** Let connections through (held ones first). */
  setOpen(): void {
    this.open = true;
    for (const s of this.held) this.forward(s);
    this.held.clear();
  }

  /** Drop every forwarded connection and hold new ones. */
  cut(): void {
    this.open = false;
    for (const s of this.live) s.destroy();
    this.live.clear();
  }

  async close(): Promise<void> {
    this.cut();
    for (const s of this.held) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** PUTs every body (JSON) with `concurrency` requests in flight; throws on the first non-2xx. */
export async function putAll(api: string, items: readonly { path: string; body: unknown }[], concurrency: number): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const it = items[next++];
        if (!it) break;
        const r = await fetch(`${api}${it.path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(it.body) });
        const text = await r.text();
        if (r.status >= 300) throw new Error(`PUT ${it.path}: HTTP ${r.status}: ${text.slice(0, 500)}`);
      }
    }),
  );
  return performance.now() - start;
}

/** `total` of a list endpoint, read with `?size=1`. */
export async function totalOf(api: string, path: string): Promise<number> {
  const r = await fetch(`${api}${path}?size=1`);
  const body = (await r.json()) as { total?: number };
  if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}`);
  return body.total ?? 0;
}

export async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  const r = await fetch(url);
  if (r.status !== 200) {
    await r.text();
    return undefined;
  }
  return (await r.json()) as Record<string, unknown>;
}

/**
 * Calls `check` back to back (`intervalMs` between answers) until it is true; resolves with
 * Date.now() when the first true answer arrived, or undefined after `timeoutMs`.
 */
export async function pollUntil(check: () => Promise<boolean>, intervalMs: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let ok = false;
    try {
      ok = await check();
    } catch {
      ok = false;
    }
    if (ok) return Date.now();
    await sleep(intervalMs);
  }
  return undefined;
}

/** Nearest-rank percentile of ascending `sorted`. */
export const pct = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
