/**
 * Test support for KDS: certificates minted by the real openssl (a CA, a server certificate for
 * localhost/127.0.0.1, one for another host name, zone client certificates, a foreign CA), a global
 * KDS server on 127.0.0.1:0 over a memory store with a zone token signing key, and zone clients with
 * short backoffs. Test code only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultKumaCpConfig, type KumaCpConfig } from '../../../config/kuma-cp-config.js';
import { recordingLogger, type LogEntry, type Logger } from '../../../core/log.js';
import { ensureSigningKey, ResourceManager } from '../../../managers/index.js';
import { MemoryResourceStore } from '../../../store/memory/memory-store.js';
import { StrictResourceStore } from '../../../store/strict-store.js';
import { ReloadingServerCredentials } from '../../../tls/server-credentials.js';
import { makeCert, type CertFiles } from '../../../tls/testing/openssl-certs.js';
import {
  createZoneTokenIssuer,
  createZoneTokenValidator,
  newSigningKeyPem,
  SecretCache,
  ZONE_TOKEN_SIGNING_KEY_PREFIX,
  type ZoneIdentity,
} from '../../../tokens/index.js';
import { createKdsGlobalServer, kdsServerTlsSettings, type KdsGlobalServer, type KdsGlobalServerOptions } from '../../global-server.js';
import { createKdsZoneClient, type KdsZoneClient, type KdsZoneClientOptions } from '../../zone-client.js';
import type { GlobalSyncHooks, ZoneSyncHooks } from '../sync-hooks.js';

export interface KdsPki {
  dir: string;
  ca: CertFiles;
  otherCa: CertFiles;
  /** Signed by `ca`, valid for localhost and 127.0.0.1. */
  server: CertFiles;
  /** Signed by `ca`, valid only for global.other.example. */
  otherHost: CertFiles;
  /** A client certificate for `zone` (DNS SAN = zone name), signed by `ca`. */
  zoneCert(zone: string): Promise<CertFiles>;
  remove(): Promise<void>;
}

export async function makeKdsPki(): Promise<KdsPki> {
  const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  const [ca, otherCa] = await Promise.all([makeCert(dir, 'ca', { cn: 'kds-ca', isCa: true }), makeCert(dir, 'other-ca', { cn: 'other-ca', isCa: true })]);
  const [server, otherHost] = await Promise.all([
    makeCert(dir, 'server', { cn: 'global', sans: ['DNS:localhost', 'IP:127.0.0.1'], ca }),
    makeCert(dir, 'other-host', { cn: 'global', sans: ['DNS:global.other.example'], ca }),
  ]);
  return {
    dir,
    ca,
    otherCa,
    server,
    otherHost,
    zoneCert: (zone) => makeCert(dir, `zone-${zone}`, { cn: zone, sans: [`DNS:${zone}`], ca, clientAuth: true }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

let keyPool: Promise<Uint8Array> | undefined;
/** One RSA signing key per test process (they are slow to make). */
const signingKey = (): Promise<Uint8Array> => (keyPool ??= newSigningKeyPem());

export function memoryResources(): ResourceManager {
  return new ResourceManager(new StrictResourceStore(new MemoryResourceStore()), { newSigningKey: signingKey });
}

export interface GlobalOptions {
  pki: KdsPki;
  /** Default: the real sync engine. */
  sync?: GlobalSyncHooks;
  tls?: boolean;
  cert?: CertFiles;
  auth?: 'none' | 'zoneToken';
  requireClientCert?: boolean;
  maxMsgSize?: number;
  port?: number;
  resources?: ResourceManager;
  options?: KdsGlobalServerOptions;
}

export interface RunningGlobal {
  server: KdsGlobalServer;
  resources: ResourceManager;
  port: number;
  logs: LogEntry[];
  logger: Logger;
  issueToken(identity: ZoneIdentity, opts?: { validForMs?: number; issuedAgoMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

export async function startGlobal(o: GlobalOptions): Promise<RunningGlobal> {
  const cfg = defaultKumaCpConfig();
  cfg.mode = 'global';
  const kds = cfg.multizone.global.kds;
  kds.grpcPort = o.port ?? 0;
  kds.tlsEnabled = o.tls ?? true;
  kds.zoneInsightFlushInterval = 50;
  kds.auth.type = o.auth ?? 'none';
  kds.requireClientCert = o.requireClientCert ?? false;
  kds.tlsCaFile = o.requireClientCert ? o.pki.ca.certFile : '';
  if (o.maxMsgSize !== undefined) kds.maxMsgSize = o.maxMsgSize;
  const logs: LogEntry[] = [];
  const logger = recordingLogger(logs);
  const resources = o.resources ?? memoryResources();
  await ensureSigningKey(resources, ZONE_TOKEN_SIGNING_KEY_PREFIX, signingKey);
  const cache = new SecretCache(resources);
  const cert = o.cert ?? o.pki.server;
  const credentials = kds.tlsEnabled
    ? await ReloadingServerCredentials.load(kdsServerTlsSettings({ ...cert, minVersion: 'TLSv1_2', maxVersion: '', cipherSuites: [] }, cfg), { logger })
    : undefined;
  const server = createKdsGlobalServer({
    config: cfg,
    credentials,
    resources,
    zoneTokenValidator: createZoneTokenValidator(cache, { inMemoryStore: true }),
    instanceId: 'global-test-1',
    logger,
    ...(o.sync ? { sync: o.sync } : {}),
    options: { host: '127.0.0.1', takeoverProbeTimeoutMs: 500, ...o.options },
  });
  try {
    await server.start();
  } catch (err) {
    credentials?.close();
    cache.close();
    throw err;
  }
  return {
    server,
    resources,
    port: server.port,
    logs,
    logger,
    issueToken: ({ zone, scope }, t = {}) =>
      createZoneTokenIssuer(resources, { now: () => Date.now() - (t.issuedAgoMs ?? 0) }).issue({ zone, scope }, t.validForMs ?? 3_600_000),
    async stop() {
      await server.stop();
      credentials?.close();
      cache.close();
    },
  };
}

export interface ZoneOptions {
  zone: string;
  address: string;
  sync: ZoneSyncHooks;
  rootCaFile?: string;
  skipVerify?: boolean;
  token?: string;
  /** Written to a file and used as tokenPath (instead of inline). */
  tokenFile?: { dir: string; token: string };
  clientCert?: CertFiles;
  maxMsgSize?: number;
  options?: KdsZoneClientOptions;
}

export interface RunningZone {
  client: KdsZoneClient;
  logs: LogEntry[];
  cfg: KumaCpConfig;
  stop(): Promise<void>;
}

export async function startZone(o: ZoneOptions): Promise<RunningZone> {
  const cfg = defaultKumaCpConfig();
  cfg.mode = 'zone';
  const z = cfg.multizone.zone;
  z.name = o.zone;
  z.globalAddress = o.address;
  z.kds.rootCaFile = o.rootCaFile ?? '';
  z.kds.tlsSkipVerify = o.skipVerify ?? false;
  z.kds.auth.tokenInline = o.token ?? '';
  if (o.tokenFile !== undefined) {
    const path = join(o.tokenFile.dir, `${o.zone}.token`);
    await writeFile(path, `${o.tokenFile.token}\n`, { mode: 0o600 });
    z.kds.auth.tokenPath = path;
  }
  if (o.clientCert !== undefined) {
    z.kds.tlsCertFile = o.clientCert.certFile;
    z.kds.tlsKeyFile = o.clientCert.keyFile;
  }
  if (o.maxMsgSize !== undefined) z.kds.maxMsgSize = o.maxMsgSize;
  const logs: LogEntry[] = [];
  const client = createKdsZoneClient({
    config: cfg,
    logger: recordingLogger(logs),
    sync: o.sync,
    options: { backoff: { baseMs: 40, capMs: 200, healthyRunMs: 60_000 }, connectTimeoutMs: 3000, ...o.options },
  });
  await client.start();
  return { client, logs, cfg, stop: () => client.stop() };
}

/** Polls `cond` every 10 ms until true; throws `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the zone client logged a failure, and returns its explanation. */
export async function firstFailure(zone: RunningZone, timeoutMs = 5000): Promise<string> {
  await waitFor(() => zone.client.status.lastError !== undefined, 'a connection failure', timeoutMs);
  return zone.client.status.lastError as string;
}
