/**
 * The zone control plane's KDS client: while this instance leads (the runtime starts it in each term
 * of leadership), it dials `multizone.zone.globalAddress`, opens GlobalToZoneSync and
 * ZoneToGlobalSync on ONE HTTP/2 connection with the zone's metadata (client-id, kds-version,
 * version, and the zone token re-read before every connect), and runs the sync engine on both. When
 * either stream fails, both are torn down, the failure is logged as what to fix (connect-diagnosis.ts),
 * and it reconnects with jittered exponential backoff (5 s base, 1 min cap, reset after a healthy run).
 */
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { VERSION } from '../core/version.js';
import { KDSSyncService, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from '../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceManager } from '../managers/index.js';
import { buildClientTlsOptions, type ClientTlsOptions } from '../tls/client-options.js';
import { responseSizeAgainst } from './sync/index.js';
import { createZoneSyncHooks } from './sync-wiring.js';
import { ReconnectBackoff, sleep } from './transport/backoff.js';
import { Channel } from './transport/channel.js';
import { KdsClientSession } from './transport/client-session.js';
import { explainKdsFailure } from './transport/connect-diagnosis.js';
import { hostPort, parseGlobalAddress, type GlobalAddress } from './transport/global-address.js';
import { KdsError, KdsStatusError } from './transport/kds-errors.js';
import { AUTHORIZATION_HEADER, CLIENT_ID_HEADER, KDS_VERSION, KDS_VERSION_HEADER, VERSION_HEADER } from './transport/metadata.js';
import type { ProbeResult } from './transport/port-probe.js';
import { observed } from './transport/stream-runner.js';
import type { ZoneSyncHooks } from './transport/sync-hooks.js';
import { readZoneToken } from './transport/token-source.js';

export interface KdsZoneClientDeps {
  /** `multizone.zone` (name, globalAddress, kds.*). */
  config: Pick<KumaCpConfig, 'multizone'>;
  logger: Logger;
  /** This zone CP's store: what syncs from and to the global (needed unless `sync` is given). */
  resources?: ResourceManager;
  /** This instance's id (`<hostname>-<4 hex>`), shown as zoneInstanceId in the global's ZoneInsight. */
  instanceId?: string;
  /** The effective config as JSON, secrets masked (redactKumaCpConfig), shown in ZoneInsight. */
  configJson?: string;
  /** The sync engine; default createZoneSyncHooks over `resources`. Tests pass a fake. */
  sync?: ZoneSyncHooks;
  options?: KdsZoneClientOptions;
}

export interface KdsZoneClientOptions {
  /** Reconnect backoff: Kuma's resilient component, 5 s base and 1 min cap; healthy after a run of `capMs`. */
  backoff?: { baseMs: number; capMs: number; healthyRunMs?: number };
  /** HTTP/2 PING interval and answer timeout: 15 s / 15 s (Kuma's gRPC keepalive). */
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  /** Give up a connection attempt (TCP + TLS) after this long: 10 s. */
  connectTimeoutMs?: number;
  /** Replaces the port probe of the diagnosis (tests). */
  probe?: (host: string, port: number) => Promise<ProbeResult>;
}

export interface KdsZoneClientStatus {
  /** Both streams are open and the global answered. */
  connected: boolean;
  /** Connection attempts made in this term. */
  attempts: number;
  /** The explanation of the last failure. */
  lastError: string | undefined;
}

export interface KdsZoneClient {
  readonly name: string;
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  readonly status: KdsZoneClientStatus;
}

const MAX_MSG_SETTINGS = 'multizone.zone.kds.maxMsgSize (KUMA_MULTIZONE_ZONE_KDS_MAX_MSG_SIZE) on the zone and multizone.global.kds.maxMsgSize on the global';

/** What ended one connection: the first error of either stream (undefined: a stream ended cleanly). */
interface RunOutcome {
  error: unknown;
  /** Something came back from the global on the streams. */
  answered: boolean;
  /** The failure is on this side (token file, TLS files, the sync engine): its explanation. */
  local?: string;
}

function defaultSync(deps: KdsZoneClientDeps): ZoneSyncHooks {
  if (deps.resources === undefined) throw new KdsError('ERR_KDS_ZONE_CLIENT', 'the KDS zone client needs the resource manager (or sync hooks)');
  return createZoneSyncHooks({ resources: deps.resources, config: deps.config, instanceId: deps.instanceId ?? '', configJson: deps.configJson ?? '', logger: deps.logger });
}

export function createKdsZoneClient(deps: KdsZoneClientDeps): KdsZoneClient {
  const zoneCfg = deps.config.multizone.zone;
  const kds = zoneCfg.kds;
  const address: GlobalAddress = parseGlobalAddress(zoneCfg.globalAddress);
  const o = deps.options ?? {};
  const log = deps.logger.child({ component: 'kds-zone-client', zone: zoneCfg.name, global: hostPort(address) });
  const backoff = new ReconnectBackoff({ baseMs: 5000, capMs: 60_000, ...(o.backoff ?? {}) });
  const status: KdsZoneClientStatus = { connected: false, attempts: 0, lastError: undefined };
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  const sync = deps.sync ?? defaultSync(deps);

  function securityWarnings(): void {
    if (!address.tls) {
      log.warn({ setting: 'multizone.zone.globalAddress' }, 'WARNING: connecting to the global control plane over plaintext gRPC (grpc://): the zone token and every synced resource, Secrets included, cross the network unencrypted; use grpcs://');
    } else if (kds.tlsSkipVerify) {
      log.warn(
        { setting: 'multizone.zone.kds.tlsSkipVerify' },
        "WARNING: the global control plane's certificate is NOT verified (multizone.zone.kds.tlsSkipVerify=true): anyone on the network path can pose as the global, read the zone token and push resources to this zone; set KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE to the global's CA and turn skip-verify off",
      );
    }
  }

  async function tlsOptions(): Promise<ClientTlsOptions | undefined> {
    if (!address.tls) return undefined;
    return buildClientTlsOptions({
      caFile: kds.rootCaFile,
      skipVerify: kds.tlsSkipVerify,
      clientCertFile: kds.tlsCertFile,
      clientKeyFile: kds.tlsKeyFile,
    });
  }

  /** Opens the HTTP/2 connection; throws what went wrong (TLS, refused, timeout). */
  function openSession(tls: ClientTlsOptions | undefined): Promise<KdsClientSession> {
    return KdsClientSession.open({
      baseUrl: address.baseUrl,
      tls,
      keepalive: { intervalMs: o.keepaliveIntervalMs ?? 15_000, timeoutMs: o.keepaliveTimeoutMs ?? 15_000 },
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    });
  }

  /** One connection: both streams until either ends; resolves with why. */
  async function runConnection(token: string | undefined, manager: KdsClientSession): Promise<RunOutcome> {
    const transport = createGrpcTransport({ baseUrl: address.baseUrl, sessionManager: manager, readMaxBytes: kds.maxMsgSize, writeMaxBytes: kds.maxMsgSize });
    const client = createClient(KDSSyncService, transport);
    const headers: Record<string, string> = { [CLIENT_ID_HEADER]: zoneCfg.name, [KDS_VERSION_HEADER]: KDS_VERSION, [VERSION_HEADER]: VERSION };
    if (token !== undefined) headers[AUTHORIZATION_HEADER] = token;
    const local = new AbortController();
    const signal = AbortSignal.any([stop.signal, local.signal]);
    const toGlobalRequests = new Channel<DeltaDiscoveryRequest>({ sendTimeoutMs: kds.msgSendTimeout, what: 'requests to the global' });
    const toGlobalResources = new Channel<DeltaDiscoveryResponse>({ sendTimeoutMs: kds.msgSendTimeout, what: 'resources to the global' });
    const outcome: RunOutcome = { error: undefined, answered: false };
    const answered = (): void => {
      if (outcome.answered) return;
      outcome.answered = true;
      status.connected = true;
      log.info({}, 'connected to the global control plane (GlobalToZone and ZoneToGlobal streams open)');
    };
    const streamErrors: unknown[] = [];
    const fromGlobal = observed(client.globalToZoneSync(toGlobalRequests, { headers, signal }), answered, (e) => streamErrors.push(e));
    const requestsFromGlobal = observed(client.zoneToGlobalSync(toGlobalResources, { headers, signal }), answered, (e) => streamErrors.push(e));
    const sendResource = (m: DeltaDiscoveryResponse): Promise<void> => {
      const size = responseSizeAgainst(m, kds.maxMsgSize);
      if (size > kds.maxMsgSize) {
        return Promise.reject(new KdsStatusError(Code.ResourceExhausted, 'ERR_KDS_MESSAGE_TOO_LARGE', `a KDS message to the global (type ${m.typeUrl}) is ${size} bytes, more than maxMsgSize (${kds.maxMsgSize}); raise ${MAX_MSG_SETTINGS}`));
      }
      return toGlobalResources.push(m);
    };
    const runs = [
      sync.globalToZone(fromGlobal, (m) => toGlobalRequests.push(m), signal).then(() => 'GlobalToZone stream ended'),
      sync.zoneToGlobal(requestsFromGlobal, sendResource, signal).then(() => 'ZoneToGlobal stream ended'),
    ];
    try {
      const ended = await Promise.race(runs);
      outcome.error = streamErrors[0] ?? manager.error ?? new ConnectError(`${ended} (closed by the global control plane)`, Code.Unavailable);
    } catch (err) {
      // The gRPC error (what the global said) explains more than the sync engine's wrapper of it.
      outcome.error = streamErrors[0] ?? manager.error ?? err;
      if (outcome.error === err && !(err instanceof ConnectError) && !(err instanceof KdsError)) {
        outcome.local = `KDS sync failed on this zone control plane: ${messageOf(err)}`;
      }
    } finally {
      local.abort();
      const closed = new KdsError('ERR_KDS_STREAM_CLOSED', 'the connection to the global control plane was closed');
      toGlobalRequests.fail(closed);
      toGlobalResources.fail(closed);
      await Promise.race([Promise.allSettled(runs), new Promise((r) => setTimeout(r, 5000).unref())]);
      manager.close();
      status.connected = false;
    }
    return outcome;
  }

  /** One attempt: token, TLS, connection, streams. Resolves with the failure (never throws). */
  async function attempt(): Promise<RunOutcome> {
    status.attempts += 1;
    let manager: KdsClientSession | undefined;
    let token: string | undefined;
    let tls: ClientTlsOptions | undefined;
    try {
      token = await readZoneToken(kds.auth);
      tls = await tlsOptions();
    } catch (err) {
      const local = err instanceof KdsError ? err.message : `cannot set up TLS to the global control plane (multizone.zone.kds.rootCaFile, tlsCertFile, tlsKeyFile): ${messageOf(err)}`;
      return { error: err, answered: false, local };
    }
    try {
      securityWarnings();
      log.debug({ address: address.text, token: token !== undefined }, 'connecting to the global control plane');
      manager = await openSession(tls);
      return await runConnection(token, manager);
    } catch (err) {
      manager?.close();
      return { error: err, answered: false };
    }
  }

  async function run(): Promise<void> {
    while (!stop.signal.aborted) {
      const started = Date.now();
      const outcome = await attempt();
      if (stop.signal.aborted) return;
      const explanation =
        outcome.local ??
        (await explainKdsFailure(outcome.error, { address, rootCaFile: kds.rootCaFile, clientCertFile: kds.tlsCertFile, maxMsgSize: kds.maxMsgSize, ...(o.probe ? { probe: o.probe } : {}) }));
      status.lastError = explanation;
      const delay = backoff.next(outcome.answered ? Date.now() - started : 0);
      log.error({ retryInMs: delay, attempt: status.attempts }, explanation);
      if (!(await sleep(delay, stop.signal))) return;
    }
  }

  return {
    name: 'kds-zone-client',
    status,
    async start() {
      log.info({ address: address.text }, 'starting the KDS client (this zone control plane leads)');
      loop = run().catch((err: unknown) => log.error({ reason: messageOf(err) }, 'KDS client stopped unexpectedly'));
    },
    async stop() {
      stop.abort();
      await loop;
      log.info({}, 'KDS client stopped');
    },
  };
}
