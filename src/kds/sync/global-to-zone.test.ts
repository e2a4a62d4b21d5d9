import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../../core/resources/json.js';
import { secretBytes, secretData } from '../../core/resources/system-types.js';
import { publicKeyPemOf } from '../../tokens/index.js';
import { globalToZoneReceiver, globalToZoneSender } from './directions.js';
import { hashedName } from './naming.js';
import { controlPlane, link, names, quiet, sleep, testNode, testSigningKey, waitFor, type ControlPlane, type Link } from './testing/harness.js';

const allow: JsonObject = { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] };
const deny: JsonObject = { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] };

const mtp = (mesh: string, name: string, spec: JsonObject = allow) => ({ type: 'MeshTrafficPermission', meta: { name, mesh }, spec });
const onZone = (name: string, mesh: string): string => hashedName(name, mesh, '');

function connect(global: ControlPlane, zone: ControlPlane, over: { nackBackoffMs?: number; nackBackoffMaxMs?: number } = {}): Link {
  return link(
    { ...globalToZoneSender({ resources: global.manager, zone: 'zone-1', log: quiet }), debounceMs: 10, ...over },
    globalToZoneReceiver({ resources: zone.manager, zone: 'zone-1', node: testNode('zone-1'), log: quiet }),
  );
}

async function globalWithContent(): Promise<ControlPlane> {
  const g = controlPlane();
  await g.manager.create({ type: 'Mesh', meta: { name: 'm1', mesh: '' }, spec: {} });
  await g.manager.create(mtp('m1', 'allow-all'));
  await g.manager.create({ type: 'Secret', meta: { name: 'user-secret', mesh: 'm1' }, spec: { data: 'c2VjcmV0' } });
  const key = secretData(await testSigningKey());
  for (const name of ['admin-user-token', 'user-token-signing-key-1', 'envoy-admin-ca', 'inter-cp-ca', 'user-token-revocations']) {
    await g.manager.create({ type: 'GlobalSecret', meta: { name, mesh: '' }, spec: { data: key } });
  }
  await g.manager.create({ type: 'GlobalSecret', meta: { name: 'zone-token-signing-key-1', mesh: '' }, spec: { data: key } });
  await g.manager.create({ type: 'GlobalSecret', meta: { name: 'zone-token-revocations', mesh: '' }, spec: { data: '' } });
  await g.manager.create({ type: 'GlobalSecret', meta: { name: 'my-global', mesh: '' }, spec: { data: 'Z2xvYmFs' } });
  // Synced to global from a zone: never sent on to zones by this direction.
  await g.manager.create({ type: 'MeshTrafficPermission', meta: { name: 'from-zone-2', mesh: 'm1', labels: { 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-2' } }, spec: allow });
  return g;
}

describe('KDS global -> zone', () => {
  it('initial sync: meshes, policies (hash-suffixed), secrets; internal secrets stay on global', async () => {
    const g = await globalWithContent();
    const z = controlPlane();
    const l = connect(g, z);
    try {
      await waitFor('policies on the zone', async () => (await names(z, 'MeshTrafficPermission')).length === 1 && (await names(z, 'GlobalSecret')).length === 3);
      const mesh = await z.manager.get({ type: 'Mesh', mesh: '', name: 'm1' });
      assert.deepEqual(mesh.meta.labels, { 'kuma.io/origin': 'global' });
      const policy = await z.manager.get({ type: 'MeshTrafficPermission', mesh: 'm1', name: onZone('allow-all', 'm1') });
      assert.deepEqual(policy.meta.labels, { 'kuma.io/display-name': 'allow-all', 'kuma.io/origin': 'global' });
      assert.deepEqual(policy.spec, allow);
      assert.deepEqual(await names(z, 'GlobalSecret'), ['my-global', 'zone-token-revocations', 'zone-token-signing-public-key-1']);
      const pub = await z.manager.get({ type: 'GlobalSecret', mesh: '', name: 'zone-token-signing-public-key-1' });
      const pem = secretBytes(pub.spec) ?? new Uint8Array();
      assert.deepEqual(pem, publicKeyPemOf(await testSigningKey()));
      assert.match(Buffer.from(pem).toString(), /^-----BEGIN RSA PUBLIC KEY-----/);
      assert.equal(createPublicKey(Buffer.from(pem)).asymmetricKeyType, 'rsa');
      assert.throws(() => createPrivateKey(Buffer.from(pem)));
      // The zone's manager made its own key for the new Mesh; global's key of that name replaced it.
      assert.deepEqual(await names(z, 'Secret', 'm1'), ['dataplane-token-signing-key-m1-1', 'user-secret']);
      const gKey = await g.manager.get({ type: 'Secret', mesh: 'm1', name: 'dataplane-token-signing-key-m1-1' });
      const zKey = await z.manager.get({ type: 'Secret', mesh: 'm1', name: 'dataplane-token-signing-key-m1-1' });
      assert.deepEqual(zKey.spec, gKey.spec);
      assert.equal(zKey.meta.labels['kuma.io/origin'], 'global');
      assert.ok(l.requests.every((r) => !r.errorDetail), 'no NACKs');
      assert.equal(l.requests[0]?.node?.id, 'zone-1');
      assert.equal(l.requests.filter((r) => r.node).length, 1, 'node only on the first request');
    } finally {
      await l.stop();
    }
  });

  it('deltas: creates, updates and deletes arrive; only what changed is sent', async () => {
    const g = await globalWithContent();
    const z = controlPlane();
    const l = connect(g, z);
    try {
      await waitFor('initial sync', async () => (await names(z, 'MeshTrafficPermission')).length === 1);
      await waitFor('all acked', () => l.requests.length >= l.responses.length + 4);
      const before = l.responses.length;
      await g.manager.create(mtp('m1', 'deny-web', deny));
      await waitFor('created', async () => (await names(z, 'MeshTrafficPermission')).includes(onZone('deny-web', 'm1')));
      const created = l.responses.slice(before).filter((r) => r.msg.typeUrl === 'MeshTrafficPermission');
      assert.equal(created.length, 1);
      assert.equal(created[0]?.msg.initial, false);
      assert.deepEqual(created[0]?.msg.resources.map((r) => r.name), [`${onZone('deny-web', 'm1')}.m1`]);

      const current = await g.manager.get({ type: 'MeshTrafficPermission', mesh: 'm1', name: 'allow-all' });
      await g.manager.update({ ...current, spec: deny });
      await waitFor('updated', async () => {
        const p = await z.manager.get({ type: 'MeshTrafficPermission', mesh: 'm1', name: onZone('allow-all', 'm1') });
        return isDeepStrictEqual(p.spec, deny);
      });
      await g.manager.delete({ type: 'Secret', mesh: 'm1', name: 'user-secret' });
      await waitFor('deleted', async () => !(await names(z, 'Secret', 'm1')).includes('user-secret'));
      const removal = l.responses.at(-1)?.msg;
      assert.deepEqual(removal?.removedResources, ['user-secret.m1']);
      assert.equal(removal?.resources.length, 0);

      // A new Mesh and a policy in it, written together: the Mesh reaches the zone first.
      await g.manager.create({ type: 'Mesh', meta: { name: 'm2', mesh: '' }, spec: {} });
      await g.manager.create(mtp('m2', 'allow-all'));
      await waitFor('m2 policy', async () => (await names(z, 'MeshTrafficPermission', 'm2')).length === 1);
      // Deleting the Mesh on global deletes it and what it owns on the zone.
      await g.manager.delete({ type: 'Mesh', mesh: '', name: 'm2' });
      await waitFor('m2 gone', async () => !(await names(z, 'Mesh')).includes('m2') && (await names(z, 'MeshTrafficPermission', 'm2')).length === 0);
      assert.ok(l.requests.every((r) => !r.errorDetail), 'no NACKs');
      // Nothing was sent twice at the same version.
      const seen = new Set<string>();
      for (const { msg } of l.responses) {
        for (const r of msg.resources) {
          const k = `${msg.typeUrl}/${r.name}@${r.version}`;
          assert.ok(!seen.has(k), `sent twice: ${k}`);
          seen.add(k);
        }
      }
    } finally {
      await l.stop();
    }
  });

  it('reconnect (zone and global restart): converges without duplicates, losses or churn', async () => {
    const g = await globalWithContent();
    const z = controlPlane();
    let l = connect(g, z);
    await waitFor('initial sync', async () => (await names(z, 'GlobalSecret')).length === 3);
    await g.manager.create(mtp('m1', 'deny-web', deny));
    await waitFor('delta', async () => (await names(z, 'MeshTrafficPermission')).length === 2);
    await l.stop();

    // While disconnected: global changes; the zone keeps its copies.
    const unchanged = await z.manager.get({ type: 'MeshTrafficPermission', mesh: 'm1', name: onZone('allow-all', 'm1') });
    await g.manager.delete({ type: 'MeshTrafficPermission', mesh: 'm1', name: 'deny-web' });
    await g.manager.create(mtp('m1', 'new-one'));
    await g.manager.delete({ type: 'GlobalSecret', mesh: '', name: 'my-global' });
    await g.manager.create({ type: 'Mesh', meta: { name: 'm3', mesh: '' }, spec: {} });
    // Also a zone-local policy, which the sync must never touch.
    await z.manager.create({ type: 'MeshTrafficPermission', meta: { name: 'zone-local', mesh: 'm1', labels: { 'kuma.io/origin': 'zone' } }, spec: allow });

    for (let round = 0; round < 2; round++) {
      l = connect(g, z);
      try {
        await waitFor('converged', async () => {
          const mtps = await names(z, 'MeshTrafficPermission');
          return mtps.length === 3 && mtps.includes(onZone('new-one', 'm1')) && (await names(z, 'Mesh')).includes('m3');
        });
        await waitFor('all answered', () => l.requests.length >= l.responses.length + 4);
      } finally {
        await l.stop();
      }
      assert.deepEqual(await names(z, 'MeshTrafficPermission'), [onZone('allow-all', 'm1'), onZone('new-one', 'm1'), 'zone-local'].sort());
      assert.deepEqual(await names(z, 'GlobalSecret'), ['zone-token-revocations', 'zone-token-signing-public-key-1']);
      assert.deepEqual(await names(z, 'Mesh'), ['m1', 'm3']);
      const again = await z.manager.get({ type: 'MeshTrafficPermission', mesh: 'm1', name: onZone('allow-all', 'm1') });
      assert.equal(again.meta.version, unchanged.meta.version, 'an unchanged resource is not rewritten');
      assert.ok(l.requests.every((r) => !r.errorDetail), 'no NACKs');
    }
  });

  it('a zone-local Mesh with a global Mesh name is NACKed by name and left untouched', async () => {
    const g = controlPlane();
    await g.manager.create({ type: 'Mesh', meta: { name: 'm1', mesh: '' }, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } });
    await g.manager.create({ type: 'Mesh', meta: { name: 'm2', mesh: '' }, spec: {} });
    const z = controlPlane();
    await z.manager.create({ type: 'Mesh', meta: { name: 'm1', mesh: '' }, spec: {} });
    const local = await z.manager.get({ type: 'Mesh', mesh: '', name: 'm1' });
    const l = connect(g, z);
    try {
      await waitFor('NACK', () => l.requests.some((r) => r.errorDetail));
      await waitFor('m2', async () => (await names(z, 'Mesh')).includes('m2'));
      const nack = l.requests.find((r) => r.errorDetail);
      assert.equal(nack?.typeUrl, 'Mesh');
      assert.equal(nack?.errorDetail?.code, 3);
      assert.match(nack?.errorDetail?.message ?? '', /^1 Mesh resource\(s\) rejected:\n- "m1\.": a Mesh named "m1" already exists on this control plane and was not created by KDS/);
      assert.deepEqual(await z.manager.get({ type: 'Mesh', mesh: '', name: 'm1' }), local);
    } finally {
      await l.stop();
    }
  });

  it('invalid resources are NACKed by name while valid ones apply; the resend backs off; the stream stays up', async () => {
    const g = controlPlane();
    await g.manager.create({ type: 'Mesh', meta: { name: 'm1', mesh: '' }, spec: {} });
    await g.manager.create(mtp('m1', 'good'));
    // Stored around the manager's validation (e.g. written by an older version with laxer rules).
    await g.raw.create({ type: 'MeshTrafficPermission', meta: { name: 'broken', mesh: 'm1' }, spec: { from: [{ targetRef: { kind: 'Mesh' }, default: {} }] } });
    const z = controlPlane();
    const l = connect(g, z, { nackBackoffMs: 100, nackBackoffMaxMs: 400 });
    try {
      await waitFor('good applied', async () => (await names(z, 'MeshTrafficPermission')).includes(onZone('good', 'm1')));
      await waitFor('NACK', () => l.requests.some((r) => r.errorDetail));
      const nack = l.requests.find((r) => r.errorDetail);
      assert.equal(
        nack?.errorDetail?.message,
        `1 MeshTrafficPermission resource(s) rejected:\n- "${onZone('broken', 'm1')}.m1": spec.from[0].default.action: must be defined`,
      );
      assert.deepEqual(await names(z, 'MeshTrafficPermission'), [onZone('good', 'm1')]);

      const start = Date.now();
      await sleep(1200);
      const nacks = l.requests.filter((r) => r.errorDetail).length;
      // 100, 200, 400, 400 ms apart: about five in 1.2 s (a storm would be thousands).
      assert.ok(nacks >= 3 && nacks <= 7, `NACKs in ${Date.now() - start} ms: ${nacks}`);
      const resends = l.responses.filter((r) => r.msg.typeUrl === 'MeshTrafficPermission' && !r.msg.initial);
      assert.ok(resends.every((r) => r.msg.resources.length === 1 && r.msg.resources[0]?.name === `${onZone('broken', 'm1')}.m1`), 'only the rejected resource is resent');

      // Fixing it upstream heals the zone (after the current backoff), and other changes still flow.
      const broken = await g.raw.get({ type: 'MeshTrafficPermission', mesh: 'm1', name: 'broken' });
      await g.raw.update({ ...broken, spec: allow });
      await g.manager.create(mtp('m1', 'later'));
      await waitFor('healed', async () => (await names(z, 'MeshTrafficPermission')).length === 3, 3000);
    } finally {
      await l.stop();
    }
  });
});
