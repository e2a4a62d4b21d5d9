/**
 * HTTPS `GET /meshes/default/dataplanes` (100 Dataplanes) on our API server against a bare
 * `node:https` server that answers the same bytes, in the same run: requests per second and latency
 * (p50/p99) with keep-alive connections and a fixed number of requests in flight.
 *
 * The servers run in a child process (one core); the load generator here (the other core) keeps
 * CONCURRENCY connections, each with one request outstanding, and parses only what it must (status
 * line, Content-Length). Cases: bare; ours as the localhost admin; ours with localhostIsAdmin off,
 * anonymous and with a user token on every request.
 * Targets: ours (admin) >= 70% of bare; token at most 15% slower than anonymous.
 *
 * On a 2-core machine the TLS client (which decrypts every byte the server encrypts) can saturate its
 * core before the server does, which flattens req/s ratios towards 100%. So the server process also
 * reports its CPU time, and the verdicts use server CPU per request (capacity = 1 / CPU per request),
 * which does not depend on who saturates first nor on other processes taking turns on the cores;
 * req/s is printed beside it for reference.
 *
 * Options (env): DURATION_MS (default 5000 per case), WARMUP_MS (1500), CONCURRENCY (32). Every case
 * runs once untimed before the measured round.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { connect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { apiServerTlsSettings, createApiServer, createApiTokens, type ApiServer } from '../src/api-server/index.js';
import { defaultKumaCpConfig } from '../src/config/kuma-cp-config.js';
import { silentLogger } from '../src/core/log.js';
import { ResourceManager, ensureDefaultResources } from '../src/managers/index.js';
import { createCaCertificate, generateKeyPair, issueLeafCertificate } from '../src/pki/index.js';
import { MemoryResourceStore } from '../src/store/memory/memory-store.js';
import { StrictResourceStore } from '../src/store/strict-store.js';
import { ReloadingServerCredentials } from '../src/tls/server-credentials.js';
import { newSigningKeyPem } from '../src/tokens/index.js';
import { printTable, verdict } from './_util.js';

const DURATION_MS = Number(process.env['DURATION_MS'] ?? 5000);
const WARMUP_MS = Number(process.env['WARMUP_MS'] ?? 1500);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 32);
const PATH = '/meshes/default/dataplanes';

interface ServeInfo {
  bare: number;
  admin: number;
  noLocalAdmin: number;
  token: string;
  bodyBytes: number;
}

// ---------------------------------------------------------------- servers (child process)

async function writePki(dir: string): Promise<void> {
  const caKeys = await generateKeyPair('ecdsa');
  const ca = createCaCertificate({ subject: { commonName: 'bench CA' }, keyPair: caKeys });
  const keys = await generateKeyPair('ecdsa');
  const now = Date.now();
  const leaf = issueLeafCertificate({
    ca: { certificate: ca.certificate, privateKey: caKeys.privateKey },
    publicKey: keys.publicKey,
    dnsSans: ['localhost'],
    ipSans: ['127.0.0.1'],
    ekus: ['serverAuth'],
    keyUsage: ['digitalSignature'],
    subject: { commonName: 'localhost' },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3600_000),
  });
  await writeFile(join(dir, 'ca.crt'), ca.certPem);
  await writeFile(join(dir, 'server.crt'), leaf.certPem);
  await writeFile(join(dir, 'server.key'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

async function ourServer(dir: string, manager: ResourceManager, localhostIsAdmin: boolean): Promise<ApiServer> {
  const config = defaultKumaCpConfig();
  config.apiServer.http.enabled = false;
  config.apiServer.https.interface = '127.0.0.1';
  config.apiServer.https.port = 0;
  config.apiServer.authn.localhostIsAdmin = localhostIsAdmin;
  const creds = await ReloadingServerCredentials.load(
    apiServerTlsSettings({ certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), minVersion: 'TLSv1_2', maxVersion: '', cipherSuites: [] }, config),
    { logger: silentLogger },
  );
  const tokens = await createApiTokens(manager, config);
  const server = await createApiServer({ config, resources: manager, tokens: tokens.tokens, logger: silentLogger, instance: { hostname: 'bench', instanceId: 'bench-1' }, httpsCredentials: creds });
  for (const c of server.components) await c.start(new AbortController().signal);
  return server;
}

async function serve(dir: string): Promise<void> {
  const key = await newSigningKeyPem();
  const manager = new ResourceManager(new StrictResourceStore(new MemoryResourceStore()), { newSigningKey: async () => key });
  await ensureDefaultResources(manager, { newSigningKey: async () => key });
  for (let i = 0; i < 100; i++) {
    const name = `dp-${String(i).padStart(3, '0')}`;
    await manager.create({
      type: 'Dataplane',
      meta: { name, mesh: 'default', labels: { 'kuma.io/mesh': 'default', 'kuma.io/proxy-type': 'sidecar' } },
      spec: {
        networking: {
          address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
          inbound: [{ port: 8080, servicePort: 18080, tags: { 'kuma.io/service': `svc-${i % 10}`, 'kuma.io/protocol': 'http', version: 'v1' } }],
          outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }],
        },
      },
    });
  }
  const admin = await ourServer(dir, manager, true);
  const noLocalAdmin = await ourServer(dir, manager, false);
  const res = await admin.api.app.inject({ url: PATH, headers: { host: 'localhost' } });
  if (res.statusCode !== 200) throw new Error(`our server answered ${res.statusCode}`);
  const body = res.rawPayload;
  const bare = createServer({ cert: await readFile(join(dir, 'server.crt')), key: await readFile(join(dir, 'server.key')) }, (_req, r) => {
    r.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    r.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const addr = bare.address();
  const token = await admin.api.context.tokens.userIssuer.issue({ name: 'bench-user', groups: ['viewers'] }, 3600_000);
  const info: ServeInfo = { bare: typeof addr === 'object' && addr ? addr.port : 0, admin: admin.https?.port ?? 0, noLocalAdmin: noLocalAdmin.https?.port ?? 0, token, bodyBytes: body.length };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  // `cpu` on stdin: answer with this process's CPU time; exit when the parent closes stdin.
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (l) => {
    if (l === 'cpu') {
      const u = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ cpuUs: u.user + u.system })}\n`);
    }
  });
  lines.on('close', () => process.exit(0));
}

// ---------------------------------------------------------------- load generator (parent)

interface CaseResult {
  rps: number;
  /** Server CPU per request. */
  cpuUsPerReq: number;
  p50: number;
  p99: number;
  errors: number;
}

function runConnection(ca: Buffer, port: number, request: Buffer, until: () => boolean, latencies: number[] | undefined, counters: { ok: number; errors: number }): Promise<void> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca });
    let head: Buffer = Buffer.alloc(0);
    let remaining = -1;
    let status = 0;
    let sentAt = 0;
    const send = (): void => {
      if (until()) {
        socket.end();
        resolve();
        return;
      }
      head = Buffer.alloc(0);
      remaining = -1;
      sentAt = performance.now();
      socket.write(request);
    };
    const complete = (): void => {
      if (status === 200) counters.ok++;
      else counters.errors++;
      latencies?.push(performance.now() - sentAt);
      send();
    };
    socket.on('secureConnect', send);
    socket.on('data', (chunk: Buffer) => {
      if (remaining < 0) {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const headers = head.subarray(0, end).toString('latin1');
        status = Number(headers.slice(9, 12));
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
        remaining = Number(m?.[1] ?? 0) - (head.length - end - 4);
      } else {
        remaining -= chunk.length;
      }
      if (remaining <= 0) complete();
    });
    socket.on('error', () => {
      counters.errors++;
      resolve();
    });
  });
}

async function load(ca: Buffer, port: number, token: string | undefined, serverCpu: () => Promise<number>): Promise<CaseResult> {
  const auth = token ? `Authorization: Bearer ${token}\r\n` : '';
  const request = Buffer.from(`GET ${PATH} HTTP/1.1\r\nHost: localhost:${port}\r\n${auth}\r\n`);
  const run = async (ms: number, latencies?: number[]) => {
    const counters = { ok: 0, errors: 0 };
    const start = performance.now();
    const deadline = start + ms;
    const until = (): boolean => performance.now() >= deadline;
    await Promise.all(Array.from({ length: CONCURRENCY }, () => runConnection(ca, port, request, until, latencies, counters)));
    return { ...counters, elapsed: performance.now() - start };
  };
  await run(WARMUP_MS);
  const latencies: number[] = [];
  const cpuBefore = await serverCpu();
  const { ok, errors, elapsed } = await run(DURATION_MS, latencies);
  const cpuUsPerReq = ((await serverCpu()) - cpuBefore) / Math.max(ok, 1);
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: (ok / elapsed) * 1000, cpuUsPerReq, p50: at(0.5), p99: at(0.99), errors };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  try {
    await writePki(dir);
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    const childLines = createInterface({ input: child.stdout });
    const nextLine = (): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        childLines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
      });
    const info = JSON.parse(await nextLine()) as ServeInfo;
    const serverCpu = async (): Promise<number> => {
      const reply = nextLine();
      child.stdin?.write('cpu\n');
      return (JSON.parse(await reply) as { cpuUs: number }).cpuUs;
    };
    const ca = await readFile(join(dir, 'ca.crt'));
    process.stdout.write(`HTTPS GET ${PATH}: ${info.bodyBytes} bytes, ${CONCURRENCY} keep-alive connections, ${DURATION_MS} ms per case\n\n`);
    // One untimed pass over every case first, so no case pays for JIT warm-up of code it shares.
    for (const [port, token] of [[info.bare, undefined], [info.admin, undefined], [info.noLocalAdmin, undefined], [info.noLocalAdmin, info.token]] as const) {
      await load(ca, port, token, serverCpu);
    }
    const bare = await load(ca, info.bare, undefined, serverCpu);
    const admin = await load(ca, info.admin, undefined, serverCpu);
    const anonymous = await load(ca, info.noLocalAdmin, undefined, serverCpu);
    const token = await load(ca, info.noLocalAdmin, info.token, serverCpu);
    const ms = (x: number): string => `${x.toFixed(2)} ms`;
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    const row = (name: string, r: CaseResult): (string | number)[] => [name, r.rps, pct(r.rps / bare.rps), `${r.cpuUsPerReq.toFixed(0)} µs`, pct(bare.cpuUsPerReq / r.cpuUsPerReq), ms(r.p50), ms(r.p99), r.errors];
    printTable([
      ['case', 'req/s', 'req/s vs bare', 'server CPU/req', 'capacity vs bare', 'p50', 'p99', 'errors'],
      row('bare node:https (same bytes)', bare),
      row('kuma-ts, localhost admin', admin),
      row('kuma-ts, anonymous (localhostIsAdmin off)', anonymous),
      row('kuma-ts, user token on every request', token),
    ]);
    process.stdout.write('\n');
    const capacity = bare.cpuUsPerReq / admin.cpuUsPerReq;
    const rate = admin.rps / bare.rps;
    verdict(capacity >= 0.7, `kuma-ts has ${pct(capacity)} of the bare server's capacity (server CPU per request; measured rate ${pct(rate)}) (target >= 70%)`);
    const slowerCpu = (token.cpuUsPerReq / anonymous.cpuUsPerReq - 1) * 100;
    const slowerRate = (1 - token.rps / anonymous.rps) * 100;
    verdict(slowerCpu <= 15, `a user token on every request costs ${slowerCpu.toFixed(1)}% more server CPU than anonymous (measured rate ${slowerRate.toFixed(1)}% lower) (target <= 15%)`);
    child.stdin?.end();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] ?? '.');
} else {
  await main();
}
