import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingLogger } from '../../core/log.js';
import { generateKeyPair, privateKeyToPem } from '../../pki/index.js';
import { ProxyIdentity } from './identity.js';
import { createMeshCa, issueWorkload, workloadIdentity } from './testing/mesh-pki.js';

describe('ProxyIdentity', () => {
  it('summarises the identity and counts updates', async () => {
    const ca = await createMeshCa('default');
    const id = new ProxyIdentity(await workloadIdentity(ca, 'web', { tags: { version: ['v1'] } }));
    const s = id.summary();
    assert.equal(s.mesh, 'default');
    assert.deepEqual(s.spiffeIds, ['spiffe://default/web']);
    assert.deepEqual(s.kumaTags['version'], ['v1']);
    assert.equal(s.generation, 1);
    assert.equal(s.trustedRoots, 1);
    const seen: number[] = [];
    id.onUpdate((x) => seen.push(x.generation));
    const before = id.clientContext();
    const ca2 = await createMeshCa('default');
    id.update(await workloadIdentity(ca, 'web', { roots: [ca, ca2] }));
    assert.deepEqual(seen, [2]);
    assert.equal(id.summary().trustedRoots, 2);
    assert.notEqual(id.clientContext(), before);
  });

  it('refuses unusable material with a message that says what is wrong, and keeps the previous identity', async () => {
    const ca = await createMeshCa('default');
    const good = await workloadIdentity(ca, 'web');
    const id = new ProxyIdentity(good);
    const otherKey = privateKeyToPem((await generateKeyPair('ecdsa')).privateKey);
    const keyLine = String(good.privateKey).split('\n')[1] as string; // messages never carry key material
    const cases: [string, Partial<typeof good>, RegExp][] = [
      ['key of another certificate', { privateKey: otherKey }, /does not belong to the identity certificate/],
      ['no roots', { trustedRootsPem: [] }, /no trusted mesh CA roots/],
      ['a root that is not a CA', { trustedRootsPem: [good.certChainPem] }, /trusted root bundle 1 is not usable.*not a CA/],
      ['garbage certificate', { certChainPem: 'hello' }, /not valid PEM/],
      ['no mesh', { mesh: '' }, /no mesh name/],
    ];
    for (const [what, change, message] of cases) {
      assert.throws(() => id.update({ ...good, ...change }), (e: Error & { code?: string }) => e.code === 'ERR_PROXY_IDENTITY' && message.test(e.message) && !e.message.includes(keyLine) && !e.message.includes(otherKey.split('\n')[1] as string), what);
      assert.throws(() => new ProxyIdentity({ ...good, ...change }), { code: 'ERR_PROXY_IDENTITY' }, what);
    }
    assert.equal(id.summary().generation, 1);
  });

  it('warns when its own certificate does not verify against the roots it trusts', async () => {
    const ca = await createMeshCa('default');
    const other = await createMeshCa('default');
    const w = await issueWorkload(ca, { tags: { 'kuma.io/service': ['web'] } });
    const log = recordingLogger();
    new ProxyIdentity({ mesh: 'default', certChainPem: w.certPem, privateKey: w.keyPem, trustedRootsPem: [other.certPem] }, { logger: log });
    assert.ok(log.entries.some((e) => e.level === 'warn' && /does not verify against the trusted mesh roots/.test(e.msg)));
  });
});
