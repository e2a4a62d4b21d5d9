import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { recordingLogger, type LogEntry } from '../core/log.js';
import { MeshCaManagers } from '../managers/mesh-ca/index.js';
import { createCaCertificate, generateKeyPair } from '../pki/index.js';
import { MemoryResourceStore } from '../store/memory/memory-store.js';
import { StrictResourceStore } from '../store/strict-store.js';
import { CaExpiryWatch } from './ca-expiry-watch.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-28T12:00:00Z');

async function providedMesh(name: string, validFrom: Date, validityMs: number) {
  const ca = createCaCertificate({ subject: { organization: 'Acme', commonName: name }, keyPair: await generateKeyPair('ecdsa'), now: validFrom, validityMs });
  return {
    type: 'Mesh',
    meta: { mesh: '', name },
    spec: { mtls: { enabledBackend: 'p-1', backends: [{ name: 'p-1', type: 'provided', conf: { cert: { inlineString: ca.certPem }, key: { inlineString: ca.keyPem } } }] } },
  };
}

describe('mesh CA expiry watch', () => {
  it('a gauge per backend; warns inside 30 days, errors when expired or unreadable, quiet otherwise', async () => {
    const store = new StrictResourceStore(new MemoryResourceStore());
    for (const m of [
      await providedMesh('fine', NOW, 3650 * DAY),
      await providedMesh('soon', NOW, 10 * DAY),
      await providedMesh('expired', new Date(NOW.getTime() - 20 * DAY), 10 * DAY),
    ]) {
      await store.create(m);
    }
    await store.create({ type: 'Mesh', meta: { mesh: '', name: 'broken' }, spec: { mtls: { enabledBackend: 'p-1', backends: [{ name: 'p-1', type: 'provided', conf: { cert: { secret: 'missing' }, key: { secret: 'missing' } } }] } } });
    await store.create({ type: 'Mesh', meta: { mesh: '', name: 'plain' }, spec: {} });
    const logs: LogEntry[] = [];
    const registry = new Registry();
    const watch = new CaExpiryWatch({ meshes: store, ca: new MeshCaManagers({ store, now: () => NOW }), registry, log: recordingLogger(logs), now: () => NOW, intervalMs: 3_600_000 });
    await watch.check();

    const byMesh = (mesh: string) => logs.filter((l) => l.fields['mesh'] === mesh);
    assert.deepEqual(byMesh('fine'), []);
    assert.deepEqual(byMesh('plain'), []);
    const soon = byMesh('soon');
    assert.equal(soon.length, 1);
    assert.equal(soon[0]?.level, 'warn');
    assert.equal(soon[0]?.fields['daysLeft'], 10);
    assert.match(String(soon[0]?.msg), /expires soon: rotate it: add a new backend/);
    assert.match(String(byMesh('expired')[0]?.msg), /has expired/);
    assert.equal(byMesh('expired')[0]?.level, 'error');
    assert.equal(byMesh('broken')[0]?.level, 'error');
    assert.match(String(byMesh('broken')[0]?.msg), /cannot be read/);

    const text = await registry.metrics();
    assert.match(text, /mesh_ca_expiration_timestamp_seconds\{mesh="soon",backend="p-1"\} (\d+)/);
    const soonAt = Number(/mesh_ca_expiration_timestamp_seconds\{mesh="soon",backend="p-1"\} (\d+)/.exec(text)?.[1]);
    assert.ok(Math.abs(soonAt - (NOW.getTime() + 10 * DAY) / 1000) < 60);
    assert.doesNotMatch(text, /mesh="broken"/);
    await watch.stop();
  });
});
