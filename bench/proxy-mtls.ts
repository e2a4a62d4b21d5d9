/**
 * kuma-dp's own proxy pair (outbound + inbound, mesh mTLS) against HAProxy configured as the same
 * pair with the same certificates, each in front of the same echo application, in one run on
 * loopback:
 *
 *   load generator (this process) -> outbound -> mTLS -> inbound -> echo (own process)
 *
 * Ours: two Node processes (one per sidecar, as two kuma-dp would run). HAProxy: two processes with
 * one thread each. The load generator speaks plain TCP to the outbound, in this process, so it
 * never shares a proxy's event loop. Workloads, each at fixed concurrency on kept-alive connections:
 *   - throughput: each connection sends 64 KiB and waits for the 64 KiB echo, again and again;
 *   - request/response: 1 KiB request, 1 KiB response, one in flight per connection (req/s, p50/p99);
 *   - connection setup (extra): connect, 1 KiB each way, close; a full mTLS handshake per connection
 *     (HAProxy's TLS session reuse is switched off so both do the same work).
 * Besides rates, the proxies' CPU time per unit of work (from /proc) is shown: on 2 cores the five
 * processes compete, and CPU per unit says which proxy is cheaper regardless of who saturates first.
 * Targets: throughput >= 60% of HAProxy's, p99 <= 2x HAProxy's.
 *
 * Options (env): DURATION_MS (default 5000 per case), WARMUP_MS (1500), RR_CONCURRENCY (32),
 * TP_CONCURRENCY (8), CONN_CONCURRENCY (8).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createCaCertificate, generateKeyPair, issueLeafCertificate, privateKeyToPem } from '../src/pki/index.js';
import { printTable, runCommand, verdict } from './_util.js';

const DURATION_MS = Number(process.env['DURATION_MS'] ?? 5000);
const WARMUP_MS = Number(process.env['WARMUP_MS'] ?? 1500);
const RR_CONCURRENCY = Number(process.env['RR_CONCURRENCY'] ?? 32);
const TP_CONCURRENCY = Number(process.env['TP_CONCURRENCY'] ?? 8);
const CONN_CONCURRENCY = Number(process.env['CONN_CONCURRENCY'] ?? 8);
const BIG = 64 * 1024;
const SMALL = 1024;
const CLK_TCK = Number(runCommand('getconf', ['CLK_TCK']).trim()) || 100;

// ---------------------------------------------------------------- set-up

/** The builtin mesh CA (RSA 2048, as Kuma's default) and two identities with kuma-dp's ECDSA P-256 keys. */
async function writePki(dir: string): Promise<void> {
  const caKeys = await generateKeyPair('rsa');
  const ca = createCaCertificate({ subject: { organization: 'Kuma', organizationalUnit: 'Mesh', commonName: 'default' }, keyPair: caKeys, uriSans: ['spiffe://default'] });
  await writeFile(join(dir, 'ca.crt'), ca.certPem);
  for (const service of ['web', 'backend']) {
    const keys = await generateKeyPair('ecdsa');
    const now = Date.now();
    const leaf = issueLeafCertificate({
      ca: { certificate: ca.certificate, privateKey: caKeys.privateKey },
      publicKey: keys.publicKey,
      uriSans: [`spiffe://default/${service}`, `kuma://kuma.io/service/${service}`],
      ekus: ['serverAuth', 'clientAuth'],
      notBefore: new Date(now - 10_000),
      notAfter: new Date(now + 24 * 3600_000),
    });
    const keyPem = privateKeyToPem(keys.privateKey);
    await writeFile(join(dir, `${service}.crt`), leaf.certPem);
    await writeFile(join(dir, `${service}.key`), keyPem, { mode: 0o600 });
    await writeFile(join(dir, `${service}.pem`), `${leaf.certPem}${keyPem}`, { mode: 0o600 });
  }
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Proc {
  child: ChildProcess;
  pid: number;
  port: number;
  name: string;
}

const children: ChildProcess[] = [];

async function spawnRole(name: string, args: string[]): Promise<Proc> {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), '_proxy-mtls-roles.js');
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  const info = JSON.parse(first) as { port: number; pid: number };
  return { child, pid: info.pid, port: info.port, name };
}

async function waitForPort(port: number, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not start listening on ${port}`);
}

async function spawnHaproxy(name: string, dir: string, config: string, port: number): Promise<Proc> {
  const file = join(dir, `${name}.cfg`);
  await writeFile(file, config);
  runCommand('haproxy', ['-c', '-q', '-f', file]);
  const child = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitForPort(port, name);
  return { child, pid: child.pid ?? 0, port, name };
}

const HAPROXY_GLOBAL = `global
  nbthread 1
  maxconn 4000
  ssl-default-bind-options ssl-min-ver TLSv1.2
  ssl-default-server-options ssl-min-ver TLSv1.2
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
`;

/** The same pair in HAProxy: the outbound verifies the inbound's chain; the inbound requires a client certificate from the mesh CA. */
function haproxyConfigs(dir: string, outPort: number, inPort: number, echoPort: number): { outbound: string; inbound: string } {
  return {
    outbound: `${HAPROXY_GLOBAL}frontend outbound
  bind 127.0.0.1:${outPort}
  default_backend backend
backend backend
  server backend-1 127.0.0.1:${inPort} ssl crt ${join(dir, 'web.pem')} ca-file ${join(dir, 'ca.crt')} verify required alpn kuma no-ssl-reuse
`,
    inbound: `${HAPROXY_GLOBAL}frontend inbound
  bind 127.0.0.1:${inPort} ssl crt ${join(dir, 'backend.pem')} ca-file ${join(dir, 'ca.crt')} verify required alpn kuma
  default_backend app
backend app
  server app 127.0.0.1:${echoPort}
`,
  };
}

/** utime + stime of a process, in microseconds. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

// ---------------------------------------------------------------- load

interface Measured {
  ops: number;
  bytes: number;
  elapsedMs: number;
  latencies: number[];
  errors: number;
}

type Loop = (port: number, until: () => boolean, m: Measured) => Promise<void>;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** On one kept-alive connection: send `size` bytes, wait for all of them back, repeat. */
function echoLoop(size: number, record: boolean): Loop {
  const payload = Buffer.alloc(size, 0x61);
  return async (port, until, m) => {
    const s = await open(port);
    await new Promise<void>((resolve) => {
      let got = 0;
      let sentAt = 0;
      const send = (): void => {
        if (until()) {
          s.destroy();
          resolve();
          return;
        }
        got = 0;
        sentAt = performance.now();
        s.write(payload);
      };
      s.on('data', (c: Buffer) => {
        got += c.length;
        if (got < size) return;
        m.ops++;
        m.bytes += size;
        if (record) m.latencies.push(performance.now() - sentAt);
        send();
      });
      s.on('error', () => {
        m.errors++;
        resolve();
      });
      s.on('close', () => resolve());
      send();
    });
  };
}

/** A new connection per request: connect, 1 KiB each way, close. */
const connectLoop: Loop = async (port, until, m) => {
  const payload = Buffer.alloc(SMALL, 0x62);
  while (!until()) {
    const start = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => s.write(payload));
      let got = 0;
      s.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= SMALL) {
          s.destroy();
          resolve(true);
        }
      });
      s.on('error', () => resolve(false));
      s.on('close', () => resolve(got >= SMALL));
    });
    if (ok) {
      m.ops++;
      m.bytes += SMALL;
      m.latencies.push(performance.now() - start);
    } else m.errors++;
  }
};

interface CaseResult {
  rate: number;
  mibPerS: number;
  p50: number;
  p99: number;
  cpuUsPerOp: number;
  errors: number;
}

async function run(loop: Loop, concurrency: number, port: number, ms: number, pids: readonly number[]): Promise<CaseResult> {
  const m: Measured = { ops: 0, bytes: 0, elapsedMs: 0, latencies: [], errors: 0 };
  const cpu0 = pids.reduce((a, p) => a + cpuUs(p), 0);
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(Array.from({ length: concurrency }, () => loop(port, () => performance.now() >= deadline, m)));
  m.elapsedMs = performance.now() - start;
  const cpu = pids.reduce((a, p) => a + cpuUs(p), 0) - cpu0;
  m.latencies.sort((x, y) => x - y);
  const at = (q: number): number => m.latencies[Math.min(m.latencies.length - 1, Math.floor(q * m.latencies.length))] ?? 0;
  return {
    rate: (m.ops / m.elapsedMs) * 1000,
    mibPerS: (m.bytes / (1024 * 1024) / m.elapsedMs) * 1000,
    p50: at(0.5),
    p99: at(0.99),
    cpuUsPerOp: cpu / Math.max(1, m.ops),
    errors: m.errors,
  };
}

/** Plaintext straight to an inbound must get nothing back: proves each pair really runs mTLS. */
async function checkInboundRefusesPlaintext(port: number, name: string): Promise<void> {
  const got = await new Promise<number>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write('GET / HTTP/1.1\r\n\r\n'));
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('error', () => resolve(n));
    s.on('close', () => resolve(n));
    setTimeout(() => s.destroy(), 1000);
  });
  if (got > 0 && got !== 7) throw new Error(`${name} answered plaintext with ${got} bytes: it is not enforcing mTLS`);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  try {
    runCommand('haproxy', ['-v']);
  } catch {
    process.stderr.write('HAProxy is needed as the reference: apt-get update && apt-get install -y haproxy\n');
    process.exit(1);
  }
  const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  try {
    await writePki(dir);
    const echo = await spawnRole('echo', ['echo']);
    const ourIn = await spawnRole('our inbound', ['inbound', dir, String(echo.port)]);
    const ourOut = await spawnRole('our outbound', ['outbound', dir, String(ourIn.port)]);
    const [hOutPort, hInPort] = [await freePort(), await freePort()];
    const cfg = haproxyConfigs(dir, hOutPort, hInPort, echo.port);
    const hIn = await spawnHaproxy('haproxy-inbound', dir, cfg.inbound, hInPort);
    const hOut = await spawnHaproxy('haproxy-outbound', dir, cfg.outbound, hOutPort);
    await checkInboundRefusesPlaintext(ourIn.port, 'our inbound');
    await checkInboundRefusesPlaintext(hIn.port, 'HAProxy inbound');
    const haproxyVersion = runCommand('haproxy', ['-v']).split('\n')[0] ?? '';
    process.stdout.write(`proxy pair on loopback, mesh mTLS (TLS 1.3, CA RSA-2048, identities ECDSA P-256); ${haproxyVersion}; Node ${process.version}\n`);
    process.stdout.write(`${DURATION_MS} ms per case; concurrency: throughput ${TP_CONCURRENCY}, request/response ${RR_CONCURRENCY}, connection setup ${CONN_CONCURRENCY}\n\n`);

    const pairs = [
      { name: 'kuma-ts', port: ourOut.port, pids: [ourOut.pid, ourIn.pid] },
      { name: 'HAProxy', port: hOut.port, pids: [hOut.pid, hIn.pid] },
    ] as const;
    const workloads = [
      { key: 'tp', loop: echoLoop(BIG, false), concurrency: TP_CONCURRENCY },
      { key: 'rr', loop: echoLoop(SMALL, true), concurrency: RR_CONCURRENCY },
      { key: 'conn', loop: connectLoop, concurrency: CONN_CONCURRENCY },
    ] as const;
    for (const w of workloads) for (const p of pairs) await run(w.loop, w.concurrency, p.port, WARMUP_MS, p.pids);
    const results: Record<string, Record<string, CaseResult>> = {};
    for (const w of workloads) {
      results[w.key] = {};
      // Alternate the order per workload, so neither pair always runs on a warmer machine.
      const order = w.key === 'rr' ? [...pairs].reverse() : pairs;
      for (const p of order) (results[w.key] as Record<string, CaseResult>)[p.name] = await run(w.loop, w.concurrency, p.port, DURATION_MS, p.pids);
    }
    const r = (w: string, p: string): CaseResult => (results[w] as Record<string, CaseResult>)[p] as CaseResult;
    const ours = (w: string): CaseResult => r(w, 'kuma-ts');
    const hap = (w: string): CaseResult => r(w, 'HAProxy');
    const ms = (x: number): string => `${x.toFixed(2)} ms`;
    const us = (x: number): string => `${x.toFixed(1)} µs`;
    const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
    printTable([
      ['figure', 'kuma-ts', 'HAProxy', 'kuma-ts / HAProxy'],
      ['64 KiB echo: MiB/s (each way)', ours('tp').mibPerS, hap('tp').mibPerS, pct(ours('tp').mibPerS / hap('tp').mibPerS)],
      ['64 KiB echo: proxy CPU per MiB', us(ours('tp').cpuUsPerOp * 16), us(hap('tp').cpuUsPerOp * 16), pct(ours('tp').cpuUsPerOp / hap('tp').cpuUsPerOp)],
      ['1 KiB req/resp: req/s', ours('rr').rate, hap('rr').rate, pct(ours('rr').rate / hap('rr').rate)],
      ['1 KiB req/resp: p50', ms(ours('rr').p50), ms(hap('rr').p50), `${(ours('rr').p50 / hap('rr').p50).toFixed(2)}x`],
      ['1 KiB req/resp: p99', ms(ours('rr').p99), ms(hap('rr').p99), `${(ours('rr').p99 / hap('rr').p99).toFixed(2)}x`],
      ['1 KiB req/resp: proxy CPU per request', us(ours('rr').cpuUsPerOp), us(hap('rr').cpuUsPerOp), pct(ours('rr').cpuUsPerOp / hap('rr').cpuUsPerOp)],
      ['new connection (mTLS handshake): conn/s', ours('conn').rate, hap('conn').rate, pct(ours('conn').rate / hap('conn').rate)],
      ['new connection: p50', ms(ours('conn').p50), ms(hap('conn').p50), `${(ours('conn').p50 / hap('conn').p50).toFixed(2)}x`],
      ['new connection: p99', ms(ours('conn').p99), ms(hap('conn').p99), `${(ours('conn').p99 / hap('conn').p99).toFixed(2)}x`],
      ['new connection: proxy CPU per connection', us(ours('conn').cpuUsPerOp), us(hap('conn').cpuUsPerOp), pct(ours('conn').cpuUsPerOp / hap('conn').cpuUsPerOp)],
      ['errors (tp / rr / conn)', `${ours('tp').errors} / ${ours('rr').errors} / ${ours('conn').errors}`, `${hap('tp').errors} / ${hap('rr').errors} / ${hap('conn').errors}`, ''],
    ]);
    process.stdout.write('\n');
    const tpRatio = ours('tp').mibPerS / hap('tp').mibPerS;
    verdict(tpRatio >= 0.6, `throughput (64 KiB transfers) is ${pct(tpRatio)} of HAProxy's (target >= 60%)`);
    const p99Ratio = ours('rr').p99 / hap('rr').p99;
    verdict(p99Ratio <= 2, `p99 latency (1 KiB request/response, ${RR_CONCURRENCY} in flight) is ${p99Ratio.toFixed(2)}x HAProxy's (target <= 2x)`);
  } finally {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.stdin?.end();
        c.kill('SIGTERM');
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
