/**
 * The load generator of bench/dp-server-load.ts, in its own process (started with fork()): N
 * simulated proxies, each doing what kuma-dp does against the DP server — POST /bootstrap (own TLS
 * connection, no keep-alive) and then the config stream on its own HTTP/2 connection, ACKing every
 * response. Driven by IPC messages from the parent:
 *   {cmd:'connect', ...}  -> {type:'connected', ms, failed, errors}
 *   {cmd:'change', body}  -> PUTs the Mesh itself (same clock as the receive times) and answers
 *                            {type:'changed', latenciesMs, missing}
 *   {cmd:'tls-ref', ...}  -> handshakes/s against a bare node:tls server
 *   {cmd:'stop'}          -> closes every stream and exits
 */
import { request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ConfigService, ResourceKind } from '../src/gen/kuma/dp/v1/config_stream_pb.js';
import { RequestQueue } from '../src/proxy/agent/request-queue.js';

export interface ConnectCmd {
  cmd: 'connect';
  dpPort: number;
  host: string;
  ca: string;
  token: string;
  n: number;
  concurrency: number;
  timeoutMs: number;
}
export interface ChangeCmd {
  cmd: 'change';
  apiPort: number;
  body: string;
  timeoutMs: number;
}
export interface TlsRefCmd {
  cmd: 'tls-ref';
  port: number;
  host: string;
  ca: string;
  durationMs: number;
  concurrency: number;
}
export type GeneratorCmd = ConnectCmd | ChangeCmd | TlsRefCmd | { cmd: 'stop' };

export type GeneratorReply =
  | { type: 'connected'; ms: number; connected: number; failed: number; errors: string[] }
  | { type: 'changed'; latenciesMs: number[]; missing: number; putStatus: number }
  | { type: 'tls-ref'; handshakesPerSec: number; errors: number }
  | { type: 'error'; message: string };

interface Proxy {
  name: string;
  version: string;
  /** Called when a response with a version other than the last one arrives. */
  onVersion: ((at: number) => void) | undefined;
  queue: RequestQueue;
  abort: AbortController;
}

const proxies: Proxy[] = [];

function send(reply: GeneratorReply): void {
  process.send?.(reply);
}

function dataplaneJson(i: number): string {
  return JSON.stringify({
    type: 'Dataplane',
    mesh: 'default',
    name: `dp-${i}`,
    networking: { address: '127.0.0.1', inbound: [{ port: 20000 + i, servicePort: 40000 + (i % 20000), tags: { 'kuma.io/service': `svc-${i % 50}` } }] },
  });
}

function postBootstrap(c: ConnectCmd, i: number, dpJson: string): Promise<void> {
  const body = JSON.stringify({ mesh: 'default', name: `dp-${i}`, proxyType: 'dataplane', dataplaneToken: c.token, dataplaneResource: dpJson, version: { kumaDp: { version: 'bench' } } });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: c.host, port: c.dpPort, path: '/bootstrap', method: 'POST', agent: false, ca: c.ca, headers: { 'content-type': 'application/json' }, timeout: c.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`bootstrap HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`))));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('bootstrap timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Bootstrap, open the stream, resolve at the first config; the stream keeps running afterwards. */
async function startProxy(c: ConnectCmd, i: number): Promise<void> {
  const dpJson = dataplaneJson(i);
  await postBootstrap(c, i, dpJson);
  // One transport per proxy = one HTTP/2 connection per proxy, as with real kuma-dp processes.
  const transport = createGrpcTransport({ baseUrl: `https://${c.host}:${c.dpPort}`, nodeOptions: { ca: c.ca } });
  const client = createClient(ConfigService, transport);
  const p: Proxy = { name: `dp-${i}`, version: '', onVersion: undefined, queue: new RequestQueue(), abort: new AbortController() };
  proxies.push(p);
  p.queue.pushRequest({ nodeId: `default.dp-${i}`, kind: ResourceKind.DATAPLANE, node: { dataplaneJson: dpJson, proxyType: 'dataplane', version: { kumaDp: { version: 'bench' } } } });
  await new Promise<void>((resolve, reject) => {
    let first = true;
    const timer = setTimeout(() => reject(new Error('no first config in time')), c.timeoutMs);
    void (async () => {
      try {
        for await (const r of client.stream(p.queue, { headers: { authorization: c.token }, signal: p.abort.signal })) {
          p.queue.pushRequest({ kind: r.kind, versionInfo: r.versionInfo, responseNonce: r.nonce });
          if (r.versionInfo !== p.version) {
            p.version = r.versionInfo;
            p.onVersion?.(performance.now());
          }
          if (first) {
            first = false;
            clearTimeout(timer);
            resolve();
          }
        }
        if (first) reject(new Error('stream ended before the first config'));
      } catch (err) {
        clearTimeout(timer);
        if (first) reject(err instanceof Error ? err : new Error(String(err)));
        else if (!p.abort.signal.aborted) process.stderr.write(`${p.name}: stream failed: ${(err as Error).message}\n`);
      }
    })();
  });
}

async function connectAll(c: ConnectCmd): Promise<void> {
  const start = performance.now();
  let next = 0;
  let failed = 0;
  const errors = new Map<string, number>();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < c.n; i = next++) {
      try {
        await startProxy(c, i);
      } catch (err) {
        failed++;
        const msg = (err as Error).message.slice(0, 160);
        errors.set(msg, (errors.get(msg) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.concurrency, c.n) }, worker));
  send({ type: 'connected', ms: performance.now() - start, connected: c.n - failed, failed, errors: [...errors].map(([m, k]) => `${k}x ${m}`) });
}

function put(apiPort: number, body: string): Promise<number> {
  return fetch(`http://localhost:${apiPort}/meshes/default`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body }).then(async (r) => {
    await r.text();
    return r.status;
  });
}

async function change(c: ChangeCmd): Promise<void> {
  const latencies: number[] = [];
  let pending = proxies.length;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const t0 = performance.now();
  for (const p of proxies) {
    p.onVersion = (at) => {
      p.onVersion = undefined;
      latencies.push(at - t0);
      if (--pending === 0) done();
    };
  }
  const status = await put(c.apiPort, c.body);
  if (pending > 0) await Promise.race([all, new Promise((r) => setTimeout(r, c.timeoutMs))]);
  for (const p of proxies) p.onVersion = undefined;
  send({ type: 'changed', latenciesMs: latencies, missing: pending, putStatus: status });
}

/** Handshakes per second: `concurrency` loops, each connecting, finishing the handshake, closing. */
async function tlsRef(c: TlsRefCmd): Promise<void> {
  let count = 0;
  let errors = 0;
  const end = performance.now() + c.durationMs;
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const s = tlsConnect({ host: c.host, port: c.port, ca: c.ca, servername: 'localhost' }, () => {
        count++;
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        errors++;
        resolve();
      });
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: c.concurrency }, async () => {
      while (performance.now() < end) await once();
    }),
  );
  send({ type: 'tls-ref', handshakesPerSec: (count / (performance.now() - start)) * 1000, errors });
}

if (!process.send) {
  process.stderr.write('dp-load-generator is the child process of dp-server-load: run `npm run bench -- dp-server-load`\n');
  process.exit(2);
}

process.on('message', (m: GeneratorCmd) => {
  const run = async (): Promise<void> => {
    switch (m.cmd) {
      case 'connect':
        return connectAll(m);
      case 'change':
        return change(m);
      case 'tls-ref':
        return tlsRef(m);
      case 'stop':
        for (const p of proxies) {
          p.queue.end();
          p.abort.abort();
        }
        setTimeout(() => process.exit(0), 200).unref();
        process.disconnect?.();
        return;
    }
  };
  run().catch((err: unknown) => send({ type: 'error', message: (err as Error).message }));
});
