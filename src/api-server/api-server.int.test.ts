import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultKumaCpConfig, type KumaCpConfig } from '../config/kuma-cp-config.js';
import { recordingLogger } from '../core/log.js';
import { ResourceManager, ensureDefaultResources } from '../managers/index.js';
import { createCaCertificate, generateKeyPair, issueLeafCertificate } from '../pki/index.js';
import { MemoryResourceStore } from '../store/memory/memory-store.js';
import { StrictResourceStore } from '../store/strict-store.js';
import { ReloadingServerCredentials } from '../tls/server-credentials.js';
import { apiServerTlsSettings, createApiServer, type ApiServer } from './api-server.js';
import { testSigningKey } from './testing/harness.js';
import { createApiTokens, type ApiTokensHandle } from './tokens.js';

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** curl -w prints the status after the body. */
async function curlStatus(args: string[]): Promise<{ status: number; body: string }> {
  const r = await curl([...args, '-w', '\n%{http_code}']);
  assert.equal(r.code, 0, r.stderr);
  const i = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
}

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate, as files in `dir`. */
async function writePki(dir: string): Promise<void> {
  const caKeys = await generateKeyPair('ecdsa');
  const ca = createCaCertificate({ subject: { commonName: 'kuma-ts test CA' }, keyPair: caKeys });
  await writeFile(join(dir, 'ca.crt'), ca.certPem);
  const now = Date.now();
  for (const [name, eku, dns, ip] of [
    ['server', 'serverAuth', ['localhost'], ['127.0.0.1']],
    ['client', 'clientAuth', [], []],
  ] as const) {
    const keys = await generateKeyPair('ecdsa');
    const leaf = issueLeafCertificate({
      ca: { certificate: ca.certificate, privateKey: caKeys.privateKey },
      publicKey: keys.publicKey,
      dnsSans: dns,
      ipSans: ip,
      ekus: [eku],
      keyUsage: ['digitalSignature'],
      subject: { commonName: name },
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3600_000),
    });
    await writeFile(join(dir, `${name}.crt`), leaf.certPem);
    await writeFile(join(dir, `${name}.key`), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
}

interface Running {
  server: ApiServer;
  creds: ReloadingServerCredentials;
  tokens: ApiTokensHandle;
  stop(): Promise<void>;
}

async function start(dir: string, configure: (c: KumaCpConfig) => void = () => {}): Promise<Running> {
  const config = defaultKumaCpConfig();
  config.apiServer.http.interface = '127.0.0.1';
  config.apiServer.http.port = 0;
  config.apiServer.https.interface = '127.0.0.1';
  config.apiServer.https.port = 0;
  configure(config);
  const key = await testSigningKey();
  const manager = new ResourceManager(new StrictResourceStore(new MemoryResourceStore()), { newSigningKey: async () => key });
  await ensureDefaultResources(manager, { newSigningKey: async () => key });
  const log = recordingLogger();
  const creds = await ReloadingServerCredentials.load(
    apiServerTlsSettings({ certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), minVersion: 'TLSv1_2', maxVersion: '', cipherSuites: [] }, config),
    { logger: log },
  );
  const tokens = await createApiTokens(manager, config);
  const server = await createApiServer({ config, resources: manager, tokens: tokens.tokens, logger: log, instance: { hostname: 'h', instanceId: 'h-1' }, httpsCredentials: creds });
  for (const c of server.components) await c.start(new AbortController().signal);
  return {
    server,
    creds,
    tokens,
    async stop() {
      for (const c of [...server.components].reverse()) await c.stop();
      await server.close();
      creds.close();
      tokens.close();
    },
  };
}

describe('API server over real HTTP and HTTPS', () => {
  let dir: string;
  let cp: Running;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
    await writePki(dir);
    cp = await start(dir);
  });
  after(async () => {
    await cp?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds both listeners on port 0 and reports the ports', () => {
    assert.ok((cp.server.http?.port ?? 0) > 0);
    assert.ok((cp.server.https?.port ?? 0) > 0);
    assert.notEqual(cp.server.http?.port, cp.server.https?.port);
  });

  it('seed flow with curl --cacert: GET / and GET /meshes over HTTPS', async () => {
    const base = `https://localhost:${cp.server.https?.port}`;
    const index = await curlStatus(['--cacert', join(dir, 'ca.crt'), `${base}/`]);
    assert.equal(index.status, 200);
    assert.equal(JSON.parse(index.body).product, 'Kuma');
    const meshes = await curlStatus(['--cacert', join(dir, 'ca.crt'), `${base}/meshes`]);
    assert.deepEqual(JSON.parse(meshes.body).items.map((m: { name: string }) => m.name), ['default']);
    // Without the CA curl refuses the certificate.
    assert.notEqual((await curl([`${base}/`])).code, 0);
  });

  it('apply a Mesh over HTTPS from localhost, list it; next links use https', async () => {
    const base = `https://localhost:${cp.server.https?.port}`;
    const put = await curlStatus(['--cacert', join(dir, 'ca.crt'), '-X', 'PUT', '-H', 'Content-Type: application/json', '--data', '{"type":"Mesh","name":"demo"}', `${base}/meshes/demo`]);
    assert.deepEqual([put.status, put.body], [201, '{}']);
    const list = await curlStatus(['--cacert', join(dir, 'ca.crt'), `${base}/meshes?size=1`]);
    assert.equal(JSON.parse(list.body).next, `https://localhost:${cp.server.https?.port}/meshes?offset=1&size=1`);
  });

  it('§8 item 21 over the wire: localhost is admin on HTTP and HTTPS; proxy headers and foreign origins are not', async () => {
    const http = `http://127.0.0.1:${cp.server.http?.port}`;
    const https = `https://localhost:${cp.server.https?.port}`;
    assert.equal((await curlStatus([`${http}/global-secrets`])).status, 200);
    assert.equal((await curlStatus(['--cacert', join(dir, 'ca.crt'), `${https}/global-secrets`])).status, 200);
    assert.equal((await curlStatus(['-H', 'X-Forwarded-For: 1.2.3.4', `${http}/global-secrets`])).status, 403);
    assert.equal((await curlStatus(['-H', 'Origin: https://evil.com', `${http}/global-secrets`])).status, 403);
    assert.equal((await curlStatus(['-H', `Origin: http://127.0.0.1:${cp.server.http?.port}`, `${http}/global-secrets`])).status, 200);
    assert.equal((await curlStatus(['-H', 'Host: cp.example.com', `${http}/global-secrets`])).status, 403);
  });

  it('a token minted through the API works without the localhost rule, a tampered one is 401', async () => {
    const minted = await curlStatus(['-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"name":"ops","groups":["mesh-system:admin"],"validFor":"1h"}', `http://127.0.0.1:${cp.server.http?.port}/tokens/user`]);
    assert.equal(minted.status, 200);
    const who = await curlStatus(['-H', 'X-Forwarded-For: 1.2.3.4', '-H', `Authorization: Bearer ${minted.body}`, `http://127.0.0.1:${cp.server.http?.port}/who-am-i`]);
    assert.deepEqual(JSON.parse(who.body), { name: 'ops', groups: ['mesh-system:admin', 'mesh-system:authenticated'] });
    const bad = await curlStatus(['-H', 'X-Forwarded-For: 1.2.3.4', '-H', `Authorization: Bearer ${minted.body}x`, `http://127.0.0.1:${cp.server.http?.port}/who-am-i`]);
    assert.equal(bad.status, 401);
  });

  it('keep-alive: many requests on one connection (node:http agent)', async () => {
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: cp.server.http?.port, path: '/meshes', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    const statuses = await Promise.all(Array.from({ length: 20 }, get));
    agent.destroy();
    assert.ok(statuses.every((s) => s === 200));
  });
});

describe('HTTPS with requireClientCert', () => {
  let dir: string;
  let cp: Running;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
    await writePki(dir);
    cp = await start(dir, (c) => {
      c.apiServer.http.enabled = false;
      c.apiServer.https.requireClientCert = true;
      c.apiServer.https.tlsCaFile = join(dir, 'ca.crt');
    });
  });
  after(async () => {
    await cp?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a handshake without a client certificate and serves one with it', async () => {
    assert.equal(cp.server.http, undefined);
    const url = `https://localhost:${cp.server.https?.port}/`;
    const without = await curl(['--cacert', join(dir, 'ca.crt'), url]);
    assert.notEqual(without.code, 0);
    const withCert = await curlStatus(['--cacert', join(dir, 'ca.crt'), '--cert', join(dir, 'client.crt'), '--key', join(dir, 'client.key'), url]);
    assert.equal(withCert.status, 200);
  });
});
