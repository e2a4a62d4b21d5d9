/**
 * Issue 7 end to end: kuma-cp, two kuma-dp (web → backend) and an echo application, real processes
 * on loopback. Mesh mTLS with a builtin CA, MeshTrafficPermission live, STRICT and PERMISSIVE,
 * renewal of short-lived identities under a long-lived connection, and a CA rotation with traffic
 * flowing throughout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect as netConnect, createServer as createNetServer, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openssl, withTempDir } from '../support/openssl.js';
import { binPath, startProcess, type RunningProcess } from '../support/processes.js';
import { freePort } from '../support/ports.js';

const run = promisify(execFile);
const PORTS_0 = { KUMA_DIAGNOSTICS_SERVER_PORT: '0', KUMA_API_SERVER_HTTP_PORT: '0', KUMA_API_SERVER_HTTPS_PORT: '0', KUMA_DP_SERVER_PORT: '0' };


async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last === undefined ? '' : ` (last error: ${String(last)})`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One HTTP request through `port` on a fresh connection: the body, or the failure. */
async function request(port: number, path = '/'): Promise<{ ok: true; body: string } | { ok: false; reason: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(3000) });
    return { ok: true, body: await res.text() };
  } catch (err) {
    return { ok: false, reason: String((err as { cause?: unknown }).cause ?? err) };
  }
}

/** A raw keep-alive TCP connection that sends a line and reads the echo (the app echoes bytes back). */
class LongLived {
  private readonly socket: Socket;
  private data = '';
  closed = false;
  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (this.data += d));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }
  static async open(port: number): Promise<LongLived> {
    const s = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    return new LongLived(s);
  }
  async roundTrip(line: string, timeoutMs = 3000): Promise<boolean> {
    if (this.closed) return false;
    this.data = '';
    this.socket.write(`${line}\n`);
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !this.closed) {
      if (this.data.includes(line)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.data.includes(line);
  }
  close(): void {
    this.socket.destroy();
  }
}

const dataplaneYaml = (name: string, service: string, inPort: number, appPort: number, outbound?: { port: number; service: string }): string =>
  [
    'type: Dataplane',
    'mesh: default',
    `name: ${name}`,
    'networking:',
    '  address: 127.0.0.1',
    '  inbound:',
    `  - port: ${inPort}`,
    `    servicePort: ${appPort}`,
    '    tags:',
    `      kuma.io/service: ${service}`,
    ...(outbound ? ['  outbound:', `  - port: ${outbound.port}`, '    tags:', `      kuma.io/service: ${outbound.service}`] : []),
    '',
  ].join('\n');

const meshSpec = (enabled: string, backends: string[], mode = 'STRICT', expiration = '1h') => ({
  type: 'Mesh',
  name: 'default',
  mtls: { enabledBackend: enabled, backends: backends.map((name) => ({ name, type: 'builtin', mode, dpCert: { rotation: { expiration } } })) },
});

const mtp = (name: string, action: 'Allow' | 'Deny') => ({
  type: 'MeshTrafficPermission',
  mesh: 'default',
  name,
  spec: { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action } }] },
});

describe('mesh mTLS end to end: kuma-cp, two kuma-dp and an application', () => {
  let home: string;
  let release: () => void;
  let cp: RunningProcess;
  const dps: RunningProcess[] = [];
  let api: string;
  let app: Server;
  let echo: ReturnType<typeof createNetServer>;
  const ports = { webOut: 0, echoOut: 0, backendIn: 0, webIn: 0, httpApp: 0, echoApp: 0, echoIn: 0, webApp: 0 };

  async function put(path: string, body: unknown): Promise<string> {
    const res = await fetch(`${api}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.status === 200 || res.status === 201, `${path}: ${res.status} ${text}`);
    return text;
  }
  async function kumactl(args: string[]): Promise<string> {
    return (await run(process.execPath, [binPath('kumactl'), ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: home } })).stdout;
  }
  async function insightOf(name: string): Promise<Record<string, unknown> | undefined> {
    const res = await fetch(`${api}/meshes/default/dataplanes/${name}/_overview`);
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { dataplaneInsight?: { mTLS?: Record<string, unknown> } };
    return body.dataplaneInsight?.mTLS;
  }

  before(async () => {
    await new Promise<void>((ready) => {
      void withTempDir(async (dir) => {
        home = dir;
        ready();
        await new Promise<void>((r) => (release = r));
      });
    });
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    app = createHttpServer((req, res) => res.end(JSON.stringify({ app: 'backend', path: req.url })));
    await new Promise<void>((r) => app.listen(ports.httpApp, '127.0.0.1', r));
    echo = createNetServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(ports.echoApp, '127.0.0.1', r));

    cp = startProcess('kuma-cp', ['run'], { HOME: home, ...PORTS_0 });
    const ready = await cp.waitForLog((l) => l['msg'] === 'Control Plane is ready');
    api = `http://127.0.0.1:${ready['apiHttpPort'] as number}`;
    await kumactl(['config', 'control-planes', 'add', '--name=cp', `--address=${api}`, '--skip-check']);
    await put('/meshes/default', meshSpec('ca-1', ['ca-1'], 'STRICT', '6s'));

    // backend: two inbounds (HTTP app, byte echo); web: an inbound (nothing behind it) and two outbounds.
    const backendYaml = [
      'type: Dataplane',
      'mesh: default',
      'name: backend-1',
      'networking:',
      '  address: 127.0.0.1',
      '  inbound:',
      `  - port: ${ports.backendIn}`,
      `    servicePort: ${ports.httpApp}`,
      '    tags:',
      '      kuma.io/service: backend',
      `  - port: ${ports.echoIn}`,
      `    servicePort: ${ports.echoApp}`,
      '    tags:',
      '      kuma.io/service: echo',
      '',
    ].join('\n');
    const webYaml = [
      dataplaneYaml('web-1', 'web', ports.webIn, ports.webApp, { port: ports.webOut, service: 'backend' }).trimEnd(),
      `  - port: ${ports.echoOut}`,
      '    tags:',
      '      kuma.io/service: echo',
      '',
    ].join('\n');
    const ca = join(home, '.kuma', 'kuma-cp.crt');
    for (const [name, yaml] of [
      ['backend-1', backendYaml],
      ['web-1', webYaml],
    ] as const) {
      const file = join(home, `${name}.yaml`);
      await writeFile(file, yaml);
      const tokenFile = join(home, `${name}.token`);
      await writeFile(tokenFile, await kumactl(['generate', 'dataplane-token', `--name=${name}`, '--mesh=default', '--valid-for=1h']));
      dps.push(
        startProcess('kuma-dp', ['run', `--cp-address=https://localhost:${ready['dpServerPort'] as number}`, `--ca-cert-file=${ca}`, `--dataplane-file=${file}`, `--dataplane-token-file=${tokenFile}`, '--drain-time=1s'], {
          HOME: home,
          KUMA_READINESS_PORT: '0',
        }),
      );
    }
    for (const dp of dps) await dp.waitForLog((l) => l['msg'] === 'mesh identity certificate applied', 20_000);
  });

  after(async () => {
    for (const dp of dps) await dp.stop('SIGKILL');
    await cp?.stop();
    app?.close();
    echo?.close();
    release?.();
  });

  it('mTLS on and no MeshTrafficPermission: denied; an Allow lets web reach backend through both proxies', async () => {
    const denied = await request(ports.webOut);
    assert.equal(denied.ok, false, 'denied without a MeshTrafficPermission');
    await put('/meshes/default/meshtrafficpermissions/allow-web', mtp('allow-web', 'Allow'));
    const ok = await eventually('allowed', async () => {
      const r = await request(ports.webOut, '/hello');
      return r.ok ? r.body : undefined;
    });
    assert.deepEqual(JSON.parse(ok), { app: 'backend', path: '/hello' });
  });

  it('STRICT: a client without a mesh certificate is refused (openssl s_client, and plaintext)', async () => {
    // TLS 1.2: the handshake itself fails without a client certificate.
    const tls12 = openssl(['s_client', '-connect', `127.0.0.1:${ports.backendIn}`, '-alpn', 'kuma', '-brief', '-tls1_2'], 'GET / HTTP/1.0\r\n\r\n');
    assert.notEqual(tls12.status, 0, tls12.stdout + tls12.stderr);
    // TLS 1.3: the client finishes first and the refusal comes as an alert; no byte reaches the application.
    const tls13 = openssl(['s_client', '-connect', `127.0.0.1:${ports.backendIn}`, '-alpn', 'kuma', '-brief'], 'GET / HTTP/1.0\r\n\r\n');
    assert.doesNotMatch(tls13.stdout, /"app":"backend"/);
    const plain = await request(ports.backendIn);
    assert.equal(plain.ok, false, 'plaintext refused in STRICT');
  });

  it('the inbound sees the client SPIFFE ID: a rules-form permission on spiffe://default/web decides', async () => {
    await put('/meshes/default/meshtrafficpermissions/by-spiffe', {
      type: 'MeshTrafficPermission',
      mesh: 'default',
      name: 'by-spiffe',
      spec: { targetRef: { kind: 'MeshService', name: 'echo' }, rules: [{ default: { allow: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/web' } }] } }] },
    });
    const conn = await eventually('echo through the mesh', async () => {
      const c = await LongLived.open(ports.echoOut);
      if (await c.roundTrip('ping-1')) return c;
      c.close();
      return undefined;
    });
    try {
      // Renewal: identities live 6 s and are renewed at 80 %; the connection outlives two of them.
      const before = Number((await insightOf('web-1'))?.['certificateRegenerations'] ?? 0);
      const until = Date.now() + 11_000;
      let n = 0;
      while (Date.now() < until) {
        assert.ok(await conn.roundTrip(`tick-${n++}`), `the long-lived connection kept working (tick ${n})`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const afterCount = Number((await insightOf('web-1'))?.['certificateRegenerations'] ?? 0);
      assert.ok(afterCount >= before + 1, `identity renewed (${before} -> ${afterCount})`);

      // The rule now denies web: the open connection is closed at once, new ones are refused.
      await put('/meshes/default/meshtrafficpermissions/by-spiffe', {
        type: 'MeshTrafficPermission',
        mesh: 'default',
        name: 'by-spiffe',
        spec: { targetRef: { kind: 'MeshService', name: 'echo' }, rules: [{ default: { deny: [{ spiffeID: { type: 'Prefix', value: 'spiffe://default' } }] } }] },
      });
      await eventually('open connection closed by the new Deny', async () => (conn.closed ? true : undefined), 3000);
      const deniedLog = await dps[0]?.waitForLog((l) => typeof l['msg'] === 'string' && /denied|closed/.test(l['msg'] as string) && JSON.stringify(l).includes('spiffe://default/web'), 5000);
      assert.ok(deniedLog, 'the backend proxy logged the client SPIFFE ID');
    } finally {
      conn.close();
    }
  });

  it('Deny from[] takes effect live; PERMISSIVE lets plaintext in', async () => {
    await put('/meshes/default/meshtrafficpermissions/allow-web', mtp('allow-web', 'Deny'));
    await eventually('denied', async () => ((await request(ports.webOut)).ok ? undefined : true));
    await put('/meshes/default/meshtrafficpermissions/allow-web', mtp('allow-web', 'Allow'));
    await eventually('allowed again', async () => ((await request(ports.webOut)).ok ? true : undefined));
    await put('/meshes/default', meshSpec('ca-1', ['ca-1'], 'PERMISSIVE', '6s'));
    const plain = await eventually('plaintext accepted in PERMISSIVE', async () => {
      const r = await request(ports.backendIn, '/plain');
      return r.ok ? r.body : undefined;
    });
    assert.deepEqual(JSON.parse(plain), { app: 'backend', path: '/plain' });
    await put('/meshes/default', meshSpec('ca-1', ['ca-1'], 'STRICT', '1h'));
    await eventually('plaintext refused again', async () => ((await request(ports.backendIn)).ok ? undefined : true));
  });

  it('CA rotation with traffic flowing: add ca-2, switch to it, remove ca-1; no request fails', async () => {
    let failures = 0;
    let sent = 0;
    let running = true;
    const traffic = (async () => {
      while (running) {
        const r = await request(ports.webOut);
        sent++;
        if (!r.ok) failures++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const settle = () => new Promise((r) => setTimeout(r, 1500));
    await put('/meshes/default', meshSpec('ca-1', ['ca-1', 'ca-2']));
    await settle();
    await put('/meshes/default', meshSpec('ca-2', ['ca-1', 'ca-2']));
    await eventually('both proxies on ca-2', async () => {
      const [a, b] = [await insightOf('web-1'), await insightOf('backend-1')];
      return a?.['issuedBackend'] === 'ca-2' && b?.['issuedBackend'] === 'ca-2' ? true : undefined;
    });
    await settle();
    await put('/meshes/default', meshSpec('ca-2', ['ca-2']));
    await eventually('ca-1 dropped', async () => {
      const a = await insightOf('web-1');
      return JSON.stringify(a?.['supportedBackends']) === '["ca-2"]' ? true : undefined;
    });
    await settle();
    running = false;
    await traffic;
    assert.ok(sent > 20, `traffic flowed (${sent} requests)`);
    assert.equal(failures, 0, `${failures} of ${sent} requests failed during the rotation`);
    const table = await kumactl(['inspect', 'dataplanes', '--mesh=default']);
    assert.match(table, /ca-2/);
  });
});
