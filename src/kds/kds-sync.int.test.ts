/**
 * The real sync engine over the real transport: a global and a zone control plane's stores (memory)
 * in one process, connected over TLS on 127.0.0.1:0 with zone-token authentication.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ORIGIN_LABEL, ZONE_LABEL, type Resource } from '../core/resources/index.js';
import type { ResourceManager } from '../managers/index.js';
import { createKdsZoneClient } from './zone-client.js';
import { defaultKumaCpConfig } from '../config/kuma-cp-config.js';
import { recordingLogger, type LogEntry } from '../core/log.js';
import { makeKdsPki, memoryResources, startGlobal, waitFor, type KdsPki, type RunningGlobal } from './transport/testing/kds-fixture.js';
import { isZoneOnline } from './zone-insights.js';

let pki: KdsPki;
before(async () => {
  pki = await makeKdsPki();
});
after(async () => {
  await pki.remove();
});

function startZoneCp(port: number, resources: ResourceManager, token: string) {
  const cfg = defaultKumaCpConfig();
  cfg.multizone.zone.name = 'zone-1';
  cfg.multizone.zone.globalAddress = `grpcs://localhost:${port}`;
  cfg.multizone.zone.kds.rootCaFile = pki.ca.certFile;
  cfg.multizone.zone.kds.auth.tokenInline = token;
  const logs: LogEntry[] = [];
  const client = createKdsZoneClient({
    config: cfg,
    resources,
    instanceId: 'zone-1-instance',
    configJson: '{"mode":"zone"}',
    logger: recordingLogger(logs),
    options: { backoff: { baseMs: 40, capMs: 200, healthyRunMs: 60_000 } },
  });
  return { client, logs };
}

const find = async (rm: ResourceManager, type: string, pred: (r: Resource) => boolean): Promise<Resource | undefined> => (await rm.list(type)).items.find(pred);

test('a Mesh created on the global reaches the zone, a Dataplane created on the zone reaches the global (labelled with the zone), and sync resumes after the global restarts', async () => {
  const globalResources = memoryResources();
  const zoneResources = memoryResources();
  let global: RunningGlobal | undefined = await startGlobal({ pki, resources: globalResources, auth: 'zoneToken' });
  const port = global.port;
  const zone = startZoneCp(port, zoneResources, await global.issueToken({ zone: 'zone-1', scope: ['cp'] }));
  await zone.client.start();
  try {
    await globalResources.create({ type: 'Mesh', meta: { name: 'demo', mesh: '' }, spec: {} });
    await waitFor(async () => (await find(zoneResources, 'Mesh', (r) => r.meta.name === 'demo')) !== undefined, 'Mesh demo on the zone');
    const mesh = await zoneResources.get({ type: 'Mesh', mesh: '', name: 'demo' });
    assert.equal(mesh.meta.labels[ORIGIN_LABEL], 'global');

    await zoneResources.create({
      type: 'Dataplane',
      meta: { name: 'web-1', mesh: 'demo', labels: { [ORIGIN_LABEL]: 'zone' } },
      spec: { networking: { address: '10.0.0.5', inbound: [{ port: 15001, servicePort: 8080, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }] } },
    });
    await waitFor(async () => (await find(globalResources, 'Dataplane', (r) => r.meta.mesh === 'demo')) !== undefined, 'the Dataplane on the global', 10_000);
    const dp = (await find(globalResources, 'Dataplane', (r) => r.meta.mesh === 'demo')) as Resource;
    assert.equal(dp.meta.labels[ZONE_LABEL], 'zone-1');
    assert.equal(dp.meta.labels[ORIGIN_LABEL], 'zone');

    const insight = await globalResources.get({ type: 'ZoneInsight', mesh: '', name: 'zone-1' });
    assert.equal(isZoneOnline(insight.spec), true);

    // The global restarts (same store, same port): the zone reconnects and sync resumes.
    await global.stop();
    global = undefined;
    global = await startGlobal({ pki, resources: globalResources, auth: 'zoneToken', port });
    await globalResources.create({ type: 'Mesh', meta: { name: 'later', mesh: '' }, spec: {} });
    await waitFor(async () => (await find(zoneResources, 'Mesh', (r) => r.meta.name === 'later')) !== undefined, 'Mesh later on the zone after the restart', 10_000);
    assert.ok(zone.logs.some((l) => l.level === 'error' && l.msg.includes('failed')), 'the zone logged the lost connection');
  } finally {
    await zone.client.stop();
    await global?.stop();
  }
});
