/**
 * Issue 6 benchmark: KDS between real `kuma-cp run` processes (one global, two zones, all on this
 * machine, memory stores, TLS on KDS with a kumactl-generated certificate).
 *
 * 1. Zone -> global initial sync of DATAPLANES (default 5,000). zone-2 dials the global through a TCP
 *    gate in this process (bench/_kds-sync-support.ts KdsGate). It first connects to receive the
 *    Mesh `default` (a federated zone cannot create meshes), then the gate cuts it off and HOLDS its
 *    reconnection attempts unanswered; the Dataplanes are PUT on zone-2's API meanwhile. Opening the
 *    gate lets the held attempt through. Measured: from zone-2's log line "connected to the global
 *    control plane" (its pino timestamp; logged when the first message of the global arrives, i.e.
 *    TCP + TLS + HTTP/2 + admission are done) until the global's API lists all of them
 *    (`GET /dataplanes?size=1` total, polled every 20 ms). The gate only relays bytes.
 * 2. Global -> zone initial sync of POLICIES (default 10,000 MeshTrafficPermissions over 4 meshes),
 *    PUT on the global's API (32 in flight) while no zone is connected; then zone-1 starts, dialling
 *    the global directly. Measured the same way: from zone-1's "connected" log line until its API
 *    lists them all (`GET /meshtrafficpermissions?size=1`). Also shown: from spawning zone-1 (process
 *    start-up included). Then zone-2 (already holding the 5,000 Dataplanes) reconnects through the
 *    gate and receives the same set: a second sample.
 *    Reference, same run: the same 10,000 policies written into a zone's store directly, in this
 *    process: ResourceManager over StrictResourceStore(MemoryResourceStore) (what a memory-store
 *    zone runs), one create at a time as the KDS receiver applies them; their meshes are created
 *    first and timed apart (each new Mesh generates an RSA key). For scale, the time the global's
 *    API took to take them (32 in flight) is printed too, and the zones' receivers' own log of how
 *    long their store writes took is summed beside each sync.
 * 3. Single changes, both zones connected and synced (so the global sends each policy change to
 *    both): CHANGES (50) times, one MeshTrafficPermission
 *    changed on the global (action Allow -> Deny) until zone-1's API shows it, and one Dataplane
 *    changed on zone-2 (an inbound tag) until the global's API shows it; each polled every 10 ms
 *    (GET of that one resource, under its KDS name); latency = from before the PUT is sent to the
 *    first answer showing the change (so it includes the PUT itself). p50 / p99 / max.
 *
 * Targets: each initial sync < 10 s; single-change p99 < 500 ms (each direction).
 *
 * Options (env): POLICIES (10000), DATAPLANES (5000), MESHES (4), CHANGES (50), CONCURRENCY (32, API
 * writes in flight), SYNC_TIMEOUT_S (120), CP_PROFILE_DIR (runs every kuma-cp with --cpu-prof into
 * <dir>/<global|zone-1|zone-2> and stops them with SIGTERM so the profiles get written), CP_LOG_DIR
 * (writes each kuma-cp's log lines to <dir>/<name>.log).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JsonObject } from '../src/core/resources/json.js';
import { ResourceManager } from '../src/managers/resource-manager.js';
import { hashedName } from '../src/kds/sync/naming.js';
import { MemoryResourceStore } from '../src/store/memory/memory-store.js';
import { StrictResourceStore } from '../src/store/strict-store.js';
import { binPath } from '../test/support/processes.js';
import { KdsGate, getJson, logTime, pct, pollUntil, putAll, sleep, startCp, stopCp, totalOf, type Cp } from './_kds-sync-support.js';
import { printTable, runCommand, verdict, type Cell } from './_util.js';

const POLICIES = Number(process.env['POLICIES'] ?? 10_000);
const DATAPLANES = Number(process.env['DATAPLANES'] ?? 5000);
const MESHES = Number(process.env['MESHES'] ?? 4);
const CHANGES = Number(process.env['CHANGES'] ?? 50);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 32);
const SYNC_TIMEOUT_MS = Number(process.env['SYNC_TIMEOUT_S'] ?? 120) * 1000;
const PROFILE_DIR = process.env['CP_PROFILE_DIR'];
const LOG_DIR = process.env['CP_LOG_DIR'];
const CONNECTED = 'connected to the global control plane (GlobalToZone and ZoneToGlobal streams open)';

const meshOf = (i: number): string => `bench-${i % MESHES}`;
const mtpSpec = (i: number, action: 'Allow' | 'Deny'): JsonObject => ({
  targetRef: { kind: 'Mesh' },
  from: [{ targetRef: { kind: 'MeshService', name: `client-${i}` }, default: { action } }],
});
const mtpBody = (i: number, action: 'Allow' | 'Deny'): { path: string; body: unknown } => ({
  path: `/meshes/${meshOf(i)}/meshtrafficpermissions/mtp-${i}`,
  body: { type: 'MeshTrafficPermission', mesh: meshOf(i), name: `mtp-${i}`, spec: mtpSpec(i, action) },
});
const dpBody = (i: number, version: string): { path: string; body: unknown } => ({
  path: `/meshes/default/dataplanes/dp-${i}`,
  body: {
    type: 'Dataplane',
    mesh: 'default',
    name: `dp-${i}`,
    networking: {
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      inbound: [{ port: 8080, servicePort: 18080, tags: { 'kuma.io/service': `svc-${i % 100}`, version } }],
    },
  },
});

interface Timing {
  /** From the zone's "connected" log line to the API showing everything. */
  fromConnectMs: number;
  /** From a reference instant (zone spawn, gate opening) to the API showing everything. */
  fromStartMs: number;
}

/** Waits for the zone's "connected" line logged at or after `since`; then polls until `done`. */
async function timeSync(zone: Cp, since: number, done: () => Promise<boolean>, what: string): Promise<Timing> {
  const connected = await zone.proc.waitForLog((l) => l['msg'] === CONNECTED && logTime(l) >= since, SYNC_TIMEOUT_MS);
  const end = await pollUntil(done, 20, SYNC_TIMEOUT_MS);
  if (end === undefined) throw new Error(`${what}: not complete after ${SYNC_TIMEOUT_MS / 1000} s`);
  return { fromConnectMs: end - logTime(connected), fromStartMs: end - since };
}

/**
 * The reference: the same policies into a zone's store directly (in this process), one create at a
 * time. Their meshes are created first, untimed (each new Mesh generates an RSA signing key).
 */
async function directWriteMs(): Promise<{ policiesMs: number; meshesMs: number }> {
  const manager = new ResourceManager(new StrictResourceStore(new MemoryResourceStore()));
  const t0 = performance.now();
  for (let m = 0; m < MESHES; m++) {
    await manager.create({ type: 'Mesh', meta: { name: `bench-${m}`, mesh: '', labels: { 'kuma.io/origin': 'global' } }, spec: {} });
  }
  const t1 = performance.now();
  for (let i = 0; i < POLICIES; i++) {
    const mesh = meshOf(i);
    await manager.create({
      type: 'MeshTrafficPermission',
      meta: { name: hashedName(`mtp-${i}`, mesh, ''), mesh, labels: { 'kuma.io/origin': 'global', 'kuma.io/display-name': `mtp-${i}`, 'kuma.io/mesh': mesh } },
      spec: mtpSpec(i, 'Allow'),
    });
  }
  return { policiesMs: performance.now() - t1, meshesMs: t1 - t0 };
}

/** What the zone's receiver logged about applying one type since `since`: responses and store time. */
function appliedSummary(cp: Cp, type: string, since: number): string {
  const lines = cp.proc.logs.filter((l) => l['msg'] === 'applied resources from upstream' && l['type'] === type && logTime(l) >= since);
  const ms = lines.reduce((a, l) => a + Number(l['ms'] ?? 0), 0);
  const n = lines.reduce((a, l) => a + Number(l['created'] ?? 0) + Number(l['updated'] ?? 0), 0);
  return `${n} ${type} written in ${lines.length} responses, ${ms} ms applying them`;
}

/** One timed change per round; `changed` resolves when the other side shows round `i`'s change. */
async function singleChanges(what: string, change: (i: number) => Promise<void>, visible: (i: number) => Promise<boolean>): Promise<{ sorted: number[]; missed: number }> {
  const latencies: number[] = [];
  let missed = 0;
  for (let i = 0; i < CHANGES; i++) {
    const t0 = Date.now();
    await change(i);
    const t1 = await pollUntil(() => visible(i), 10, 10_000);
    if (t1 === undefined) missed++;
    else latencies.push(t1 - t0);
    await sleep(100 + Math.random() * 100);
  }
  const sorted = latencies.sort((a, b) => a - b);
  process.stdout.write(`${what}: ${sorted.length} changes seen, ${missed} missed; p50 ${pct(sorted, 50)} ms, p99 ${pct(sorted, 99)} ms, max ${sorted.at(-1) ?? NaN} ms\n`);
  return { sorted, missed };
}

async function put(api: string, item: { path: string; body: unknown }): Promise<void> {
  const r = await fetch(`${api}${item.path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item.body) });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`PUT ${item.path}: HTTP ${r.status}: ${text.slice(0, 300)}`);
}

/** Stops the CPs (newest first); with CP_LOG_DIR, writes each one's JSON log lines to <dir>/<name>.log. */
async function stopAll(cps: (Cp | undefined)[]): Promise<void> {
  for (const cp of cps.reverse()) {
    await stopCp(cp, PROFILE_DIR !== undefined);
    if (LOG_DIR && cp) {
      await mkdir(LOG_DIR, { recursive: true });
      await writeFile(join(LOG_DIR, `${cp.name}.log`), cp.proc.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
    }
  }
  cps.length = 0;
}

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  const cps: (Cp | undefined)[] = [];
  let gate: Awaited<ReturnType<typeof KdsGate.start>> | undefined;
  try {
    if (PROFILE_DIR) for (const d of ['global', 'zone-1', 'zone-2']) await mkdir(join(PROFILE_DIR, d), { recursive: true });
    const crt = join(home, 'tls.crt');
    const key = join(home, 'tls.key');
    runCommand(process.execPath, [binPath('kumactl'), 'generate', 'tls-certificate', '--type=server', '--hostname=localhost', `--cert-file=${crt}`, `--key-file=${key}`]);
    const ca = join(home, 'ca.crt');
    await writeFile(ca, await readFile(crt));
    process.stdout.write(`kds-sync: ${POLICIES} MeshTrafficPermissions over ${MESHES} meshes (global -> zone), ${DATAPLANES} Dataplanes (zone -> global), ${CHANGES} single changes each way; API writes ${CONCURRENCY} in flight\n`);

    const global = await startCp(home, 'global', { KUMA_MODE: 'global', KUMA_MULTIZONE_GLOBAL_KDS_GRPC_PORT: '0', KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE: crt, KUMA_MULTIZONE_GLOBAL_KDS_TLS_KEY_FILE: key }, PROFILE_DIR);
    cps.push(global);
    const kdsPort = global.ready['kdsPort'] as number;
    const zoneEnv = (name: string, port: number): Record<string, string> => ({
      KUMA_MODE: 'zone',
      KUMA_MULTIZONE_ZONE_NAME: name,
      KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS: `grpcs://localhost:${port}`,
      KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE: ca,
    });

    // 1. Zone -> global: zone-2 gets Mesh default, is cut off, takes the Dataplanes, reconnects.
    gate = await KdsGate.start(kdsPort);
    gate.setOpen();
    const zone2 = await startCp(home, 'zone-2', zoneEnv('zone-2', gate.port), PROFILE_DIR);
    cps.push(zone2);
    if ((await pollUntil(async () => (await getJson(`${zone2.api}/meshes/default`)) !== undefined, 50, 30_000)) === undefined) throw new Error('Mesh default never reached zone-2');
    gate.cut();
    await sleep(200);
    const dps = Array.from({ length: DATAPLANES }, (_, i) => dpBody(i, 'v0'));
    const dpWriteMs = await putAll(zone2.api, dps, CONCURRENCY);
    process.stdout.write(`zone-2 (cut off): ${DATAPLANES} Dataplanes PUT in ${(dpWriteMs / 1000).toFixed(2)} s\n`);
    const openedAt = Date.now();
    gate.setOpen();
    const up = await timeSync(zone2, openedAt, async () => (await totalOf(global.api, '/dataplanes')) >= DATAPLANES, 'zone -> global Dataplanes');
    process.stdout.write(`zone -> global: ${DATAPLANES} Dataplanes on the global ${(up.fromConnectMs / 1000).toFixed(2)} s after zone-2 connected (${(up.fromStartMs / 1000).toFixed(2)} s after the gate opened); global receiver: ${appliedSummary(global, 'Dataplane', openedAt)}\n`);

    // 2. Global -> zone: load the global with no zone connected, then start zone-1.
    gate.cut();
    const meshes = Array.from({ length: MESHES }, (_, m) => ({ path: `/meshes/bench-${m}`, body: { type: 'Mesh', name: `bench-${m}` } }));
    await putAll(global.api, meshes, CONCURRENCY);
    const policyLoadMs = await putAll(global.api, Array.from({ length: POLICIES }, (_, i) => mtpBody(i, 'Allow')), CONCURRENCY);
    const onGlobal = await totalOf(global.api, '/meshtrafficpermissions');
    process.stdout.write(`global: ${POLICIES} MeshTrafficPermissions PUT in ${(policyLoadMs / 1000).toFixed(2)} s (${onGlobal} listed)\n`);

    const zone1 = await startCp(home, 'zone-1', zoneEnv('zone-1', kdsPort), PROFILE_DIR);
    cps.push(zone1);
    const down = await timeSync(zone1, zone1.spawnedAt, async () => (await totalOf(zone1.api, '/meshtrafficpermissions')) >= onGlobal, 'global -> zone-1 policies');
    const zone1ReadyMs = logTime(zone1.ready) - zone1.spawnedAt;
    process.stdout.write(`global -> zone-1: ${onGlobal} policies on zone-1 ${(down.fromConnectMs / 1000).toFixed(2)} s after it connected (${(down.fromStartMs / 1000).toFixed(2)} s after spawning it; ready after ${(zone1ReadyMs / 1000).toFixed(2)} s); zone-1 receiver: ${appliedSummary(zone1, 'MeshTrafficPermission', 0)}\n`);

    const reopenedAt = Date.now();
    gate.setOpen();
    const down2 = await timeSync(zone2, reopenedAt, async () => (await totalOf(zone2.api, '/meshtrafficpermissions')) >= onGlobal, 'global -> zone-2 policies');
    process.stdout.write(`global -> zone-2 (holding ${DATAPLANES} Dataplanes): ${onGlobal} policies ${(down2.fromConnectMs / 1000).toFixed(2)} s after it reconnected; zone-2 receiver: ${appliedSummary(zone2, 'MeshTrafficPermission', reopenedAt)}\n`);
    if ((await pollUntil(async () => (await totalOf(global.api, '/dataplanes')) === DATAPLANES, 50, 30_000)) === undefined) throw new Error('the global lost Dataplanes after zone-2 reconnected');

    // 3. Single changes.
    await sleep(1000);
    const g2z = await singleChanges(
      'global -> zone-1 policy change',
      (i) => put(global.api, mtpBody(i, 'Deny')),
      async (i) => {
        const r = await getJson(`${zone1.api}/meshes/${meshOf(i)}/meshtrafficpermissions/${hashedName(`mtp-${i}`, meshOf(i), '')}`);
        const from = (r?.['spec'] as { from?: { default?: { action?: string } }[] } | undefined)?.from;
        return from?.[0]?.default?.action === 'Deny';
      },
    );
    const z2g = await singleChanges(
      'zone-2 -> global Dataplane change',
      (i) => put(zone2.api, dpBody(i, `v${i + 1}`)),
      async (i) => {
        const r = await getJson(`${global.api}/meshes/default/dataplanes/${hashedName(`dp-${i}`, 'default', 'zone-2')}`);
        const inbound = ((r?.['networking'] as { inbound?: { tags?: Record<string, string> }[] } | undefined)?.inbound ?? [])[0];
        return inbound?.tags?.['version'] === `v${i + 1}`;
      },
    );

    await stopAll(cps);
    const ref = await directWriteMs();
    const refMs = ref.policiesMs;
    process.stdout.write(
      `reference: ${POLICIES} MeshTrafficPermissions into ResourceManager(StrictResourceStore(MemoryResourceStore)) in this process, one at a time: ${(refMs / 1000).toFixed(2)} s (their ${MESHES} meshes before that: ${(ref.meshesMs / 1000).toFixed(2)} s)\n\n`,
    );

    const s = (ms: number): number => ms / 1000;
    const rows: Cell[][] = [['figure', 'resources', 'from connect (s)', 'from start (s)', 'vs direct write', 'target']];
    rows.push([`global -> zone-1 initial sync (MTPs)`, onGlobal, s(down.fromConnectMs), `${s(down.fromStartMs).toFixed(2)} (spawn)`, `${(down.fromConnectMs / refMs).toFixed(1)}x`, '< 10 s']);
    rows.push([`global -> zone-2 initial sync (MTPs, zone has DPs)`, onGlobal, s(down2.fromConnectMs), '-', `${(down2.fromConnectMs / refMs).toFixed(1)}x`, '< 10 s']);
    rows.push([`zone-2 -> global initial sync (Dataplanes)`, DATAPLANES, s(up.fromConnectMs), '-', '-', '< 10 s']);
    rows.push([`reference: direct write into a zone store`, POLICIES, '-', s(refMs), '1.0x', '-']);
    rows.push([`info: PUT via the global's API (${CONCURRENCY} in flight)`, POLICIES, '-', s(policyLoadMs), `${(policyLoadMs / refMs).toFixed(1)}x`, '-']);
    rows.push([`info: PUT via zone-2's API (${CONCURRENCY} in flight)`, DATAPLANES, '-', s(dpWriteMs), '-', '-']);
    printTable(rows);
    process.stdout.write('\n');
    printTable([
      ['single change', 'n', 'missed', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'target p99'],
      ['global -> zone (MTP)', g2z.sorted.length, g2z.missed, pct(g2z.sorted, 50), pct(g2z.sorted, 99), g2z.sorted.at(-1) ?? NaN, '< 500 ms'],
      ['zone -> global (Dataplane)', z2g.sorted.length, z2g.missed, pct(z2g.sorted, 50), pct(z2g.sorted, 99), z2g.sorted.at(-1) ?? NaN, '< 500 ms'],
    ]);
    process.stdout.write('\n');
    verdict(down.fromConnectMs < 10_000, `global -> zone initial sync of ${onGlobal} policies under 10 s (${s(down.fromConnectMs).toFixed(2)} s; a reconnecting zone: ${s(down2.fromConnectMs).toFixed(2)} s)`);
    verdict(up.fromConnectMs < 10_000, `zone -> global initial sync of ${DATAPLANES} Dataplanes under 10 s (${s(up.fromConnectMs).toFixed(2)} s)`);
    verdict(g2z.missed === 0 && pct(g2z.sorted, 99) < 500, `global -> zone single-change p99 under 500 ms (${pct(g2z.sorted, 99)} ms, ${g2z.missed} missed)`);
    verdict(z2g.missed === 0 && pct(z2g.sorted, 99) < 500, `zone -> global single-change p99 under 500 ms (${pct(z2g.sorted, 99)} ms, ${z2g.missed} missed)`);
  } finally {
    await stopAll(cps);
    await gate?.close();
    await rm(home, { recursive: true, force: true });
  }
}

await main();
