/**
 * Issue 4 benchmark: N simulated proxies against a real `kuma-cp run` (its own process), driven by a
 * load generator in another process (bench/_dp-load-generator.ts). Each proxy does what kuma-dp does:
 * POST /bootstrap over TLS with a mesh-wide dataplane token and its Dataplane, then the config stream
 * on its own HTTP/2 + TLS connection, ACKing every response.
 *
 * Per N (default 1000 5000; `npm run bench -- dp-server-load 1000 5000`): time until all N streams
 * got their first config; kuma-cp VmRSS before the proxies and after all are connected, per proxy;
 * p50/p99 per-proxy time from `PUT /meshes/default` (toggling mTLS, which changes every proxy's
 * config) to the new version arriving. Reference: handshakes/s of a bare node:tls server (own
 * process, same certificate) against the same client process. Targets at N = 5000: all connected
 * within 30 s, <= 150 KB RSS per proxy, p99 propagation < 1 s.
 *
 * Options (env): CONNECT_CONCURRENCY (proxies starting at once, default 200), ROUNDS (measured mesh
 * changes, default 5, after one warm-up), TIMEOUT_S (per N, default 120), REF_MS (3000),
 * CP_PROFILE_DIR (runs kuma-cp with --cpu-prof into that directory and stops it with SIGTERM so that
 * the profile gets written).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { binPath } from '../test/support/processes.js';
import { printTable, runCommand, verdict, type Cell } from './_util.js';
import type { GeneratorCmd, GeneratorReply } from './_dp-load-generator.js';

const CONCURRENCY = Number(process.env['CONNECT_CONCURRENCY'] ?? 200);
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const TIMEOUT_MS = Number(process.env['TIMEOUT_S'] ?? 120) * 1000;
const REF_MS = Number(process.env['REF_MS'] ?? 3000);
const PROFILE_DIR = process.env['CP_PROFILE_DIR'];
const PORTS_0 = { KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' };
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

const MTLS_ON = JSON.stringify({ type: 'Mesh', name: 'default', mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } });
const MTLS_OFF = JSON.stringify({ type: 'Mesh', name: 'default', mtls: { backends: [{ name: 'ca-1', type: 'builtin' }] } });

/** A forked load generator with a request/answer helper over IPC. */
class Generator {
  readonly child: ChildProcess = fork(here('./_dp-load-generator.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
  private readonly exited = new Promise<void>((r) => this.child.once('exit', () => r()));

  ask<T extends GeneratorReply['type']>(cmd: GeneratorCmd, type: T): Promise<Extract<GeneratorReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMsg = (m: GeneratorReply): void => {
        if (m.type === 'error') reject(new Error(`load generator: ${m.message}`));
        else if (m.type === type) resolve(m as Extract<GeneratorReply, { type: T }>);
        else return;
        this.child.off('message', onMsg);
      };
      this.child.on('message', onMsg);
      this.child.once('exit', (code) => reject(new Error(`load generator exited (${code})`)));
      this.child.send(cmd);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ cmd: 'stop' } satisfies GeneratorCmd);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(t);
  }
}

/** CPU time (user + system) of a process so far, in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface RunningCp {
  child: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** `kuma-cp run` in its own process; `ready` is its "Control Plane is ready" log line. */
function startCp(env: Record<string, string>, execArgv: string[]): RunningCp {
  const child = spawn(process.execPath, [...execArgv, binPath('kuma-cp'), 'run'], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('Control Plane is ready')) return;
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    void exited.then(() => reject(new Error(`kuma-cp exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function rssKb(pid: number): Promise<number> {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withTimeout<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: aborted after ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

async function tlsReference(cert: string, key: string, ca: string): Promise<number> {
  const server = spawn(process.execPath, [here('./_dp-load-tls-server.js'), cert, key], { stdio: ['ignore', 'pipe', 'inherit'] });
  const gen = new Generator();
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', resolve);
      server.once('exit', (c) => reject(new Error(`bare TLS server exited (${c})`)));
    });
    const port = (JSON.parse(first) as { port: number }).port;
    await gen.ask({ cmd: 'tls-ref', port, host: '127.0.0.1', ca, durationMs: 500, concurrency: 32 }, 'tls-ref'); // warm-up
    const r = await gen.ask({ cmd: 'tls-ref', port, host: '127.0.0.1', ca, durationMs: REF_MS, concurrency: 32 }, 'tls-ref');
    if (r.errors > 0) process.stdout.write(`note: ${r.errors} bare TLS handshakes failed\n`);
    return r.handshakesPerSec;
  } finally {
    await gen.stop();
    server.kill('SIGTERM');
  }
}

interface RunResult {
  n: number;
  connectMs: number;
  connected: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  p50: number;
  p99: number;
  maxMs: number;
  missing: number;
}

async function runOnce(home: string, n: number, cert: string, key: string, ca: string, state: { cp?: RunningCp; gen?: Generator }): Promise<RunResult> {
  const cp = startCp({ HOME: home, ...PORTS_0, KUMA_DP_SERVER_TLS_CERT_FILE: cert, KUMA_DP_SERVER_TLS_KEY_FILE: key }, PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []);
  state.cp = cp;
  const ready = await withTimeout('kuma-cp start', cp.ready, 30_000);
  const dpPort = ready['dpServerPort'] as number;
  const apiPort = ready['apiHttpPort'] as number;
  const res = await fetch(`http://localhost:${apiPort}/tokens/dataplane`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mesh: 'default', validFor: '24h' }) });
  const token = await res.text();
  if (res.status !== 200) throw new Error(`token request failed: HTTP ${res.status}: ${token}`);
  const pid = cp.child.pid ?? 0;
  await sleep(1000);
  const rssBeforeKb = await rssKb(pid);

  const gen = new Generator();
  state.gen = gen;
  const cpuBefore = await cpuMs(pid);
  const c = await gen.ask({ cmd: 'connect', dpPort, host: 'localhost', ca, token, n, concurrency: CONCURRENCY, timeoutMs: 60_000 }, 'connected');
  const rssAtConnectKb = await rssKb(pid);
  const cpConnectCpu = (await cpuMs(pid)) - cpuBefore;
  const genConnectCpu = await cpuMs(gen.child.pid ?? 0);
  if (c.failed > 0) process.stdout.write(`N=${n}: ${c.failed} proxies failed to connect:\n  ${c.errors.join('\n  ')}\n`);
  await sleep(3000); // let insight writes and GC settle
  const rssAfterKb = await rssKb(pid);
  process.stdout.write(`N=${n}: ${c.connected} connected in ${(c.ms / 1000).toFixed(2)} s; kuma-cp RSS ${Math.round(rssBeforeKb / 1024)} MB before, ${Math.round(rssAtConnectKb / 1024)} MB at connect, ${Math.round(rssAfterKb / 1024)} MB 3 s later; CPU during connect: kuma-cp ${(cpConnectCpu / 1000).toFixed(1)} s, load generator ${(genConnectCpu / 1000).toFixed(1)} s\n`);

  const latencies: number[] = [];
  let missing = 0;
  const maxes: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const cp0 = await cpuMs(pid);
    const gen0 = await cpuMs(gen.child.pid ?? 0);
    const r = await gen.ask({ cmd: 'change', apiPort, body: round % 2 === 0 ? MTLS_ON : MTLS_OFF, timeoutMs: 20_000 }, 'changed');
    if (r.putStatus >= 300) throw new Error(`PUT /meshes/default answered HTTP ${r.putStatus}`);
    const sorted = [...r.latenciesMs].sort((a, b) => a - b);
    process.stdout.write(`N=${n}: change ${round === 0 ? 'warm-up' : round}: ${r.latenciesMs.length} reached, ${r.missing} missing, p50 ${pct(sorted, 50).toFixed(0)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms; CPU kuma-cp ${(await cpuMs(pid)) - cp0} ms, load generator ${(await cpuMs(gen.child.pid ?? 0)) - gen0} ms\n`);
    if (round > 0) {
      latencies.push(...r.latenciesMs);
      missing += r.missing;
      maxes.push(sorted.at(-1) ?? NaN);
    }
    await sleep(1500);
  }
  const sorted = latencies.sort((a, b) => a - b);
  return { n, connectMs: c.ms, connected: c.connected, rssBeforeKb, rssAfterKb, p50: pct(sorted, 50), p99: pct(sorted, 99), maxMs: Math.max(...maxes), missing };
}

async function main(): Promise<void> {
  const ns = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const sizes = ns.length > 0 ? ns : [1000, 5000];
  const home = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  try {
    const cert = join(home, 'tls.crt');
    const key = join(home, 'tls.key');
    runCommand(process.execPath, [binPath('kumactl'), 'generate', 'tls-certificate', '--type=server', '--hostname=localhost', `--cert-file=${cert}`, `--key-file=${key}`]);
    const ca = readFileSync(cert, 'utf8');
    process.stdout.write(`dp-server-load: N = ${sizes.join(', ')}; ${CONCURRENCY} proxies starting at once; ${ROUNDS} mesh changes (+1 warm-up); fd limit ${runCommand('sh', ['-c', 'ulimit -n']).trim()}\n`);
    const refRate = await tlsReference(cert, key, ca);
    process.stdout.write(`reference: bare node:tls server, ${(REF_MS / 1000).toFixed(1)} s, 32 clients: ${Math.round(refRate)} handshakes/s\n`);

    const results: RunResult[] = [];
    for (const n of sizes) {
      const state: { cp?: RunningCp; gen?: Generator } = {};
      try {
        results.push(await withTimeout(`N=${n}`, runOnce(home, n, cert, key, ca, state), TIMEOUT_MS));
      } catch (err) {
        process.stdout.write(`N=${n}: FAILED: ${(err as Error).message}\n`);
      } finally {
        await state.gen?.stop();
        if (PROFILE_DIR && state.cp) await Promise.race([state.cp.stop('SIGTERM'), sleep(20_000)]);
        await state.cp?.stop('SIGKILL');
      }
    }

    const rows: Cell[][] = [['N', 'connected', 'all connected (s)', 'TLS handshakes/s', 'vs bare TLS', 'cp RSS before (MB)', 'cp RSS after (MB)', 'KB/proxy', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'missed']];
    for (const r of results) {
      const hsRate = (2 * r.connected) / (r.connectMs / 1000); // bootstrap + stream: two handshakes per proxy
      rows.push([r.n, r.connected, r.connectMs / 1000, hsRate, `${((hsRate / refRate) * 100).toFixed(0)}%`, r.rssBeforeKb / 1024, r.rssAfterKb / 1024, (r.rssAfterKb - r.rssBeforeKb) / r.connected, r.p50, r.p99, r.maxMs, r.missing]);
    }
    rows.push(['bare node:tls', '-', '-', refRate, '100%', '-', '-', '-', '-', '-', '-', '-']);
    process.stdout.write('\n');
    printTable(rows);
    process.stdout.write('\n');
    const at5k = results.find((r) => r.n === 5000);
    if (!at5k) {
      process.stdout.write('no result at N = 5000: targets not checked\n');
    } else {
      verdict(at5k.connected === 5000 && at5k.connectMs <= 30_000, `5000 proxies connected within 30 s (${at5k.connected} in ${(at5k.connectMs / 1000).toFixed(1)} s)`);
      const kb = (at5k.rssAfterKb - at5k.rssBeforeKb) / at5k.connected;
      verdict(kb <= 150, `at most 150 KB kuma-cp RSS per proxy (${kb.toFixed(0)} KB)`);
      verdict(at5k.missing === 0 && at5k.p99 < 1000, `p99 mesh-change propagation under 1 s (${at5k.p99.toFixed(0)} ms, ${at5k.missing} missed)`);
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

await main();
