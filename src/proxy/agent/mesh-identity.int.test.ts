/**
 * The agent's mesh identity against an in-process DP server with a builtin mesh CA: the key and CSR
 * are made by the proxy, the certificate follows the Dataplane's tags (a new CSR when they change),
 * a mesh turning mTLS off withdraws it, and the proxy's listeners wait for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../core/log.js';
import { startFixture, type Fixture } from '../../dp-server/testing/dp-fixture.js';
import { startAgent, type AgentOptions, type RunningAgent } from './agent.js';
import { parseDataplaneDefinition } from './dataplane-template.js';
import { freePort } from '../../../test/support/ports.js';

const MESH = 'secure';
const MTLS = { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] };


async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('kuma-dp mesh identity', () => {
  let fx: Fixture;
  let agent: RunningAgent | undefined;
  before(async () => {
    fx = await startFixture({ options: { meshChangeCoalesceMs: 20 } });
    await fx.resources.create({ type: 'Mesh', meta: { mesh: '', name: MESH }, spec: { mtls: MTLS } });
  });
  after(async () => {
    agent?.stop();
    await agent?.done.catch(() => {});
    await fx.close();
  });

  it('gets an identity for its own key, follows tag changes with a new CSR, and drops it when the mesh turns mTLS off', async () => {
    const inbound = await freePort();
    const template = { type: 'Dataplane', mesh: MESH, name: 'web-1', networking: { address: '127.0.0.1', inbound: [{ port: inbound, servicePort: await freePort(), tags: { 'kuma.io/service': 'web', version: 'v1' } }] } };
    const o: AgentOptions = {
      cpAddress: new URL(`https://localhost:${fx.port}`),
      tls: { caPem: fx.cert.certPem, caPemSource: 'KUMA_CONTROL_PLANE_CA_CERT' },
      mesh: MESH,
      name: 'web-1',
      definition: parseDataplaneDefinition(JSON.stringify(template), 'test'),
      token: { kind: 'inline', token: await fx.issue({ mesh: MESH, name: 'web-1' }), source: '--dataplane-token' },
      drainTimeMs: 0,
      readinessPort: 0,
      retryBackoffMs: 50,
      retryMaxDurationMs: 5000,
      streamBackoff: { baseMs: 50, capMs: 200 },
    };
    const a = startAgent(o, silentLogger);
    agent = a;
    const first = await eventually('identity', () => (a.dataPath().identity.state === 'active' ? a.dataPath().identity : undefined));
    assert.deepEqual(first.spiffeIds, ['spiffe://secure/web']);
    assert.equal(a.dataPath().inbounds[0]?.state, 'running');
    assert.equal(a.dataPath().inbounds[0]?.mode, 'STRICT');

    // New tags in the store: the proxy asks again with a CSR for the new identity.
    const stored = await fx.resources.get({ type: 'Dataplane', mesh: MESH, name: 'web-1' });
    const networking = stored.spec['networking'] as { inbound: { tags: Record<string, string> }[] };
    (networking.inbound[0] as { tags: Record<string, string> }).tags['version'] = 'v2';
    await fx.resources.update(stored);
    const renewed = await eventually('identity for the new tags', () => {
      const id = a.dataPath().identity;
      return (id.generation ?? 0) > (first.generation ?? 0) ? id : undefined;
    });
    assert.ok((renewed.generation ?? 0) > (first.generation ?? 0));
    const insight = await eventually('insight', async () => {
      const i = await fx.resources.get({ type: 'DataplaneInsight', mesh: MESH, name: 'web-1' }).catch(() => undefined);
      const m = i?.spec['mTLS'] as Record<string, unknown> | undefined;
      return (m?.['certificateRegenerations'] as number | undefined) === 2 ? m : undefined;
    });
    assert.equal(insight['issuedBackend'], 'ca-1');

    // mTLS off: the identity is withdrawn and the inbound forwards plain TCP.
    const mesh = await fx.resources.get({ type: 'Mesh', mesh: '', name: MESH });
    await fx.resources.update({ ...mesh, spec: {} });
    await eventually('mTLS off', () => (a.dataPath().inbounds[0]?.mode === 'OFF' ? true : undefined));
    assert.notEqual(a.dataPath().identity.state, 'active');
  });
});
