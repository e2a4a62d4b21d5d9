/**
 * The load generator of bench/dp-server-load.ts, in its own process (started with fork()): N
 * simulated proxies, each doing what kuma-dp does against the DP server — POST /bootstrap (own TLS
 * connection, no keep-alive) and then the config stream on its own HTTP/2 connection, ACKing every
 * response. The stream is a raw node:http2 call with our framing (a gRPC library client burns as much
 * CPU per message as the server being measured), and a response is read only as far as the ACK
 * needs (kind, version, nonce). Driven by IPC messages from the parent:
 *   {cmd:'connect', ...}  -> {type:'connected', ms, failed, errors}
 *   {cmd:'change', body}  -> PUTs the Mesh itself (same clock as the receive times) and answers
 *                            {type:'changed', latenciesMs, missing}
 *   {cmd:'tls-ref', ...}  -> handshakes/s against a bare node:tls server
 *   {cmd:'stop'}          -> closes every stream and exits
 */
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { Code } from '../src/dp-server/grpc/codes.js';
import { RawGrpcCall } from '../src/dp-server/testing/raw-grpc-call.js';
import { ConfigService, DiscoveryRequestSchema, ResourceKind } from '../src/gen/kuma/dp/v1/config_stream_pb.js';

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
  session: ClientHttp2Session;
  call: RawGrpcCall | undefined;
}

const proxies: Proxy[] = [];
let stopping = false;
const STREAM_PATH = `/${ConfigService.typeName}/${ConfigService.method.stream.name}`;

const encodeRequest = (r: MessageInitShape<typeof DiscoveryRequestSchema>): Uint8Array => toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, r));

/** Fields 1-3 of a DiscoveryResponse (kind, version_info, nonce); the payload is skipped, not decoded. */
function responseHead(payload: Uint8Array): { kind: ResourceKind; versionInfo: string; nonce: string } {
  const r = new BinaryReader(payload);
  let kind = ResourceKind.UNSPECIFIED;
  let versionInfo = '';
  let nonce = '';
  while (r.pos < r.len) {
    const [no, wireType] = r.tag();
    if (no === 1) kind = r.int32() as ResourceKind;
    else if (no === 2) versionInfo = r.string();
    else if (no === 3) nonce = r.string();
    else r.skip(wireType, no);
  }
  return { kind, versionInfo, nonce };
}

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
  // One HTTP/2 connection per proxy, as with real kuma-dp processes.
  const session = http2Connect(`https://${c.host}:${c.dpPort}`, { ca: c.ca });
  session.on('error', () => {}); // reported through the call's end
  const p: Proxy = { name: `dp-${i}`, version: '', onVersion: undefined, session, call: undefined };
  proxies.push(p);
  await new Promise<void>((resolve, reject) => {
    let first = true;
    const timer = setTimeout(() => {
      reject(new Error('no first config in time'));
      p.call?.cancel();
    }, c.timeoutMs);
    const call = new RawGrpcCall(
      session,
      { path: STREAM_PATH, metadata: { authorization: c.token } },
      {
        message: (payload) => {
          const r = responseHead(payload);
          if (r.versionInfo !== p.version) {
            p.version = r.versionInfo;
            p.onVersion?.(performance.now());
          }
          call.write(encodeRequest({ kind: r.kind, versionInfo: r.versionInfo, responseNonce: r.nonce }));
          if (first) {
            first = false;
            clearTimeout(timer);
            resolve();
          }
        },
        end: (status) => {
          clearTimeout(timer);
          const text = `${Code[status.code] ?? status.code}: ${status.message}`;
          if (first) reject(new Error(`stream ended before the first config: ${text}`));
          else if (!stopping) process.stderr.write(`${p.name}: stream ended: ${text}\n`);
          session.close();
        },
      },
    );
    p.call = call;
    call.write(encodeRequest({ nodeId: `default.dp-${i}`, kind: ResourceKind.DATAPLANE, node: { dataplaneJson: dpJson, proxyType: 'dataplane', version: { kumaDp: { version: 'bench' } } } }));
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
        stopping = true;
        for (const p of proxies) {
          p.call?.cancel();
          p.session.close();
        }
        setTimeout(() => process.exit(0), 200).unref();
        process.disconnect?.();
        return;
    }
  };
  run().catch((err: unknown) => send({ type: 'error', message: (err as Error).message }));
});
