import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../core/log.js';
import { dataplaneTemplate, opensslSelfSigned, secretData, startFixture, type Fixture } from '../../dp-server/testing/dp-fixture.js';
import { startAgent, type AgentOptions, type RunningAgent } from './agent.js';
import { parseDataplaneDefinition } from './dataplane-template.js';

async function ready(agent: RunningAgent): Promise<number> {
  const port = await agent.readinessPort();
  const res = await fetch(`http://127.0.0.1:${port}/ready`);
  await res.text();
  return res.status;
}

async function eventually(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

describe('kuma-dp agent against an in-process DP server', () => {
  let fx: Fixture;
  const running: RunningAgent[] = [];
  before(async () => {
    fx = await startFixture();
  });
  after(async () => {
    for (const a of running) a.stop();
    await Promise.allSettled(running.map((a) => a.done));
    await fx.close();
  });

  const options = async (name: string, extra: Partial<AgentOptions> = {}): Promise<AgentOptions> => ({
    cpAddress: new URL(`https://localhost:${fx.port}`),
    tls: { caPem: fx.cert.certPem, caPemSource: 'KUMA_CONTROL_PLANE_CA_CERT' },
    mesh: 'default',
    name,
    definition: parseDataplaneDefinition(JSON.stringify(dataplaneTemplate('default', name)), 'test'),
    token: { kind: 'inline', token: await fx.issue({ mesh: 'default', name }), source: '--dataplane-token' },
    drainTimeMs: 0,
    readinessPort: 0,
    retryBackoffMs: 50,
    retryMaxDurationMs: 5000,
    streamBackoff: { baseMs: 50, capMs: 200 },
    ...extra,
  });
  const start = (o: AgentOptions): RunningAgent => {
    const a = startAgent(o, silentLogger);
    running.push(a);
    return a;
  };

  it('bootstraps, registers, ACKs and reports ready; stops cleanly', async () => {
    const agent = start(await options('dp-1'));
    assert.equal(await ready(agent), 503);
    await eventually(async () => (await ready(agent)) === 200);
    assert.equal(agent.config()?.desired?.inbounds[0]?.port, 15001);
    const dp = await fx.resources.get({ type: 'Dataplane', mesh: 'default', name: 'dp-1' });
    assert.equal(dp.meta.name, 'dp-1');
    agent.stop();
    await agent.done;
  });

  it('fails fast on a CA that did not sign the server certificate', async () => {
    const other = await opensslSelfSigned(fx.dir, 'other-ca', ['localhost']);
    const agent = start(await options('dp-ca', { tls: { caPem: other.certPem, caPemSource: 'KUMA_CONTROL_PLANE_CA_CERT' } }));
    await assert.rejects(agent.done, /not signed by the CA given in KUMA_CONTROL_PLANE_CA_CERT/);
  });

  it('fails fast on a hostname the certificate does not cover', async () => {
    const wrongHost = await startFixture({ cert: (d) => opensslSelfSigned(d, 'elsewhere', ['cp.example.test']) });
    try {
      const o = await options('dp-host', { cpAddress: new URL(`https://localhost:${wrongHost.port}`), tls: { caPem: wrongHost.cert.certPem } });
      const agent = start(o);
      await assert.rejects(agent.done, /the certificate is valid for \[cp\.example\.test\] but you connected to localhost/);
    } finally {
      await wrongHost.close();
    }
  });

  it('fails fast with the server text when no token is given (422)', async () => {
    const agent = start(await options('dp-notoken', { token: { kind: 'none' } }));
    await assert.rejects(agent.done, {
      code: 'ERR_DP_BOOTSTRAP_REJECTED',
      message:
        "Failed to fetch Envoy bootstrap config. Invalid request: Dataplane Token is required. Generate token using 'kumactl generate dataplane-token > /path/file' and provide it via --dataplane-token-file=/path/file argument to Kuma DP (HTTP 422 from /bootstrap)",
    });
  });

  it('rejects a malformed token before dialling, without echoing it', async () => {
    const agent = start(await options('dp-bad', { token: { kind: 'inline', token: 'not-a-jwt-secret', source: '--dataplane-token' } }));
    await assert.rejects(agent.done, (err: Error) => /^dataplane token is invalid, not valid JWT token\. Can't parse it\./.test(err.message) && !err.message.includes('not-a-jwt-secret'));
  });

  it('retries 404 until the Dataplane exists', async () => {
    const agent = start(await options('dp-late', { definition: undefined }));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await ready(agent), 503);
    const t = dataplaneTemplate('default', 'dp-late');
    await fx.resources.create({ type: 'Dataplane', meta: { mesh: 'default', name: 'dp-late' }, spec: { networking: t['networking'] as never } });
    await eventually(async () => (await ready(agent)) === 200);
  });

  it('exits with the server message when the token is for another Dataplane', async () => {
    const agent = start(await options('dp-x', { token: { kind: 'inline', token: await fx.issue({ mesh: 'default', name: 'dp-y' }), source: '--dataplane-token' } }));
    await assert.rejects(agent.done, /proxy name|dp-y|not valid for this Dataplane/);
  });

  it('re-reads the token file, and stops when another kuma-dp takes over', async () => {
    const file = join(fx.dir, 'token');
    await writeFile(file, `${await fx.issue({ mesh: 'default', name: 'dp-2' })}\n`);
    const first = start(await options('dp-2', { token: { kind: 'file', path: file } }));
    await eventually(async () => (await ready(first)) === 200);
    const second = start(await options('dp-2', { token: { kind: 'file', path: file } }));
    await assert.rejects(first.done, /another kuma-dp took over/);
    await eventually(async () => (await ready(second)) === 200);
  });

  it('exits 1 with the server message when its token is revoked while connected', async () => {
    const o = await options('dp-rev');
    const agent = start(o);
    await eventually(async () => (await ready(agent)) === 200);
    const token = o.token.kind === 'inline' ? o.token.token : '';
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti: string }).jti;
    const stopped = assert.rejects(agent.done, /the control plane refused the dataplane token: dataplane token revoked: authentication failed: token is revoked/);
    const key = { type: 'Secret', mesh: 'default', name: 'dataplane-token-revocations-default' };
    await fx.resources.create({ type: 'Secret', meta: { mesh: key.mesh, name: key.name }, spec: { data: secretData(Buffer.from(jti)) } });
    try {
      await stopped;
    } finally {
      await fx.resources.delete(key);
    }
  });

  it('recognises the API server port', async () => {
    const api = createHttpServer((_, res) => res.writeHead(404).end('{"title":"Not Found"}'));
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    try {
      const port = (api.address() as AddressInfo).port;
      const agent = start(await options('dp-api', { cpAddress: new URL(`https://localhost:${port}`) }));
      await assert.rejects(agent.done, /API server port \(5681\/5682\); the DP server listens on 5678/);
    } finally {
      api.close();
    }
  });

  it('drains: readiness 503 TERMINATING during the drain time', async () => {
    const agent = start(await options('dp-drain', { drainTimeMs: 300 }));
    await eventually(async () => (await ready(agent)) === 200);
    const port = await agent.readinessPort();
    agent.stop();
    const res = await fetch(`http://127.0.0.1:${port}/ready`);
    assert.equal(res.status, 503);
    assert.equal(await res.text(), 'TERMINATING');
    await agent.done;
  });
});
