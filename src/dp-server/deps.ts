import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/log.js';
import type { ResourceManager } from '../managers/index.js';
import type { ReloadingServerCredentials } from '../tls/server-credentials.js';
import type { DataplaneTokenValidator } from '../tokens/index.js';
import type { IdentityCaSource } from '../xds/identity/index.js';

/** What the DP server needs from the composition root. */
export interface DpServerDeps {
  /** `dpServer` (port, authn type, graceful shutdown timeout) and `bootstrapServer.params` (xdsHost/xdsPort). */
  config: Pick<KumaCpConfig, 'dpServer' | 'bootstrapServer'>;
  /**
   * TLS of the port: resolveServerTls(cfg, dpServer section, general pair) loaded with the shared
   * CertWatcherRegistry. The caller owns them (closes them after stop()).
   */
  credentials: ReloadingServerCredentials;
  resources: ResourceManager;
  /** The mesh CAs (MeshCaManagers): identity certificates are issued from them. */
  meshCas: IdentityCaSource;
  /** createDataplaneTokenValidator(secretCache, {useSecrets, publicKeys, inMemoryStore}). */
  tokenValidator: DataplaneTokenValidator;
  /** This instance's id in DataplaneInsight subscriptions (Kuma: `<hostname>-<4 hex>`). */
  controlPlaneInstanceId: string;
  logger: Logger;
  /** The control plane's Prometheus registry: Kuma's dp_server_http_* metrics go there (none when absent). */
  metricsRegistry?: Registry;
  options?: DpServerOptions;
}

/** Tuning with Kuma's defaults; tests shorten the delays. */
export interface DpServerOptions {
  /** Bind address; default all interfaces (Kuma binds 0.0.0.0). */
  host?: string;
  /** Kuma `KUMA_XDS_DATAPLANE_DEREGISTRATION_DELAY`: 10 s. */
  deregistrationDelayMs?: number;
  /** Kuma `xdsServer.dataplaneStatusFlushInterval`: DataplaneInsight writes while a stream is busy, at most every 10 s. */
  insightFlushIntervalMs?: number;
  /** Kuma `metrics.dataplane.subscriptionLimit`: 2. */
  subscriptionLimit?: number;
  /** HTTP/2 PING interval and answer timeout: 15 s / 15 s. */
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  /** Coalescing delay before live streams re-check their token after a store change: 50 ms. */
  recheckDelayMs?: number;
  /** Mesh-wide changes (Dataplanes for endpoints, MeshTrafficPermissions, CA Secrets) are pushed after this coalescing delay: 100 ms. */
  meshChangeCoalesceMs?: number;
  /** Largest /bootstrap body: 1 MiB. */
  bootstrapBodyLimitBytes?: number;
  /** Largest stream message from a proxy: 4 MiB (gRPC's default receive limit). */
  streamMessageLimitBytes?: number;
  /** A config stream must send its first request within this time: 30 s. */
  firstRequestTimeoutMs?: number;
  /** TLS handshake deadline: 10 s. */
  handshakeTimeoutMs?: number;
}

export type ResolvedDpServerOptions = Required<Omit<DpServerOptions, 'host'>> & { host: string | undefined };

export function resolveDpServerOptions(o: DpServerOptions = {}): ResolvedDpServerOptions {
  return {
    host: o.host,
    deregistrationDelayMs: o.deregistrationDelayMs ?? 10_000,
    insightFlushIntervalMs: o.insightFlushIntervalMs ?? 10_000,
    subscriptionLimit: o.subscriptionLimit ?? 2,
    keepaliveIntervalMs: o.keepaliveIntervalMs ?? 15_000,
    keepaliveTimeoutMs: o.keepaliveTimeoutMs ?? 15_000,
    recheckDelayMs: o.recheckDelayMs ?? 50,
    meshChangeCoalesceMs: o.meshChangeCoalesceMs ?? 100,
    bootstrapBodyLimitBytes: o.bootstrapBodyLimitBytes ?? 1024 * 1024,
    streamMessageLimitBytes: o.streamMessageLimitBytes ?? 4 * 1024 * 1024,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? 10_000,
    firstRequestTimeoutMs: o.firstRequestTimeoutMs ?? 30_000,
  };
}

/** The running DP server. */
export interface DpServer {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** The bound port (after start; useful with dpServer.port 0). */
  readonly port: number;
  /** Live config streams on this instance. */
  readonly streams: number;
  /** Dataplanes waiting for (or in) deregistration. */
  readonly pendingDeregistrations: number;
}
