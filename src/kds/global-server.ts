/**
 * The global control plane's KDS server: gRPC KDSSyncService on `multizone.global.kds.grpcPort`
 * (5685) over HTTP/2, TLS (>= 1.2, certificate hot-reloaded) unless `tlsEnabled: false`, optionally
 * demanding a client certificate. Each stream is admitted (zone-admission.ts: client-id, zone token
 * or certificate bound to the zone, Zone resource), holds the zone's single connection slot on this
 * instance (zone-connections.ts), is recorded in the zone's ZoneInsight, then runs the sync engine.
 */
import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type Http2Session } from 'node:http2';
import { toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextKey, createContextValues, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { ZoneType } from '../core/resources/index.js';
import {
  DeltaDiscoveryRequestSchema,
  KDSSyncService,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../gen/kuma/kds/v1/kds_pb.js';
import type { ResourceManager } from '../managers/index.js';
import { listen } from '../net/listen.js';
import type { ReloadingServerCredentials } from '../tls/server-credentials.js';
import type { ZoneTokenValidator } from '../tokens/index.js';
import { responseSizeAgainst } from './sync/index.js';
import { createGlobalSyncHooks } from './sync-wiring.js';
import { KdsError, KdsStatusError, toConnectError } from './transport/kds-errors.js';
import { keepSessionAlive } from '../net/http2-keepalive.js';
import { readKdsMetadata } from './transport/metadata.js';
import { closeLater, inputStatus, MAX_MSG_SETTINGS, peerCertificateOf, peerOf, type Peer } from './transport/server-support.js';
import { runHook, type Hook } from './transport/stream-runner.js';
import type { GlobalSyncHooks } from './transport/sync-hooks.js';
import { ZoneConnections, type StreamKind, type ZoneConnection } from './transport/zone-connections.js';
import { admitZone, zoneDisabledError } from './zone-admission.js';
import { createZoneAuthenticator } from './zone-auth.js';
import { ZoneInsightSink, type ZoneInsightTracker } from './zone-insights.js';
import { ZoneSubscription } from './zone-subscription.js';
import { reactToZoneChange } from './zone-watch.js';

export interface KdsGlobalServerDeps {
  config: Pick<KumaCpConfig, 'multizone'>;
  /** TLS of the port (resolveServerTls + kdsServerTlsSettings); undefined only with tlsEnabled: false. */
  credentials?: ReloadingServerCredentials | undefined;
  resources: ResourceManager;
  /** createZoneTokenValidator(secretCache) on the global; needed with auth.type zoneToken. */
  zoneTokenValidator?: ZoneTokenValidator | undefined;
  /** This instance's id (`<hostname>-<4 hex>`), recorded in ZoneInsight. */
  instanceId: string;
  logger: Logger;
  /** The sync engine; default createGlobalSyncHooks over `resources`. Tests pass a fake. */
  sync?: GlobalSyncHooks;
  options?: KdsGlobalServerOptions;
}

export interface KdsGlobalServerOptions {
  /** Bind address; default every interface. */
  host?: string;
  /** HTTP/2 PING interval and answer timeout: 15 s / 15 s (Kuma). */
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  /** How long a zone's old connection may take to answer a PING before a newcomer replaces it: 5 s. */
  takeoverProbeTimeoutMs?: number;
  /** TLS handshake deadline: 10 s. */
  handshakeTimeoutMs?: number;
  /** Kuma `metrics.zone.subscriptionLimit`: 10. */
  subscriptionLimit?: number;
  /** How long stop() lets streams send their final status: 1 s. */
  shutdownGraceMs?: number;
}

export interface KdsGlobalServer {
  readonly name: string;
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** The bound port (after start). */
  readonly port: number;
  /** Zones with a live connection to this instance. */
  readonly connectedZones: string[];
}

const peerKey = createContextKey<Peer>({ rawHeaders: [], address: '', session: undefined, stream: undefined });

export function createKdsGlobalServer(deps: KdsGlobalServerDeps): KdsGlobalServer {
  const kds = deps.config.multizone.global.kds;
  const o = deps.options ?? {};
  const log = deps.logger.child({ component: 'kds-global' });
  if (kds.tlsEnabled && deps.credentials === undefined) {
    throw new KdsError('ERR_KDS_TLS', 'multizone.global.kds.tlsEnabled is true but no TLS credentials were given to the KDS server');
  }
  const authenticator = createZoneAuthenticator({ type: kds.auth.type, validator: deps.zoneTokenValidator, requireClientCert: kds.tlsEnabled && kds.requireClientCert });
  const connections = new ZoneConnections({ probeTimeoutMs: o.takeoverProbeTimeoutMs ?? 5000 });
  const insights = new ZoneInsightSink(deps.resources, {
    flushIntervalMs: kds.zoneInsightFlushInterval,
    subscriptionLimit: o.subscriptionLimit ?? 10,
    logger: log.child({ part: 'zone-insights' }),
  });
  const trackers = new WeakMap<ZoneConnection, { sub: ZoneSubscription; tracker: ZoneInsightTracker }>();
  const sync = deps.sync ?? createGlobalSyncHooks({ resources: deps.resources, config: deps.config, instanceId: deps.instanceId, logger: deps.logger });
  const stop = new AbortController();
  const sessions = new Set<Http2Session>();
  let server: Http2Server | Http2SecureServer | undefined;
  let boundPort = 0;
  let unwatch: (() => void) | undefined;

  /** Admits the stream and claims the zone's slot; throws a ConnectError to refuse. */
  async function open(kind: StreamKind, peer: Peer): Promise<{ zone: string; connection: ZoneConnection }> {
    if (stop.signal.aborted) throw new ConnectError('the global control plane is shutting down; the zone reconnects', Code.Unavailable);
    const md = readKdsMetadata(peer.rawHeaders);
    let zone: string;
    try {
      zone = await admitZone({ resources: deps.resources, authenticator, logger: log }, md, { authorizations: md.authorizations, peerCertificate: peerCertificateOf(peer.session) });
    } catch (err) {
      const status = toConnectError(err);
      log.warn({ rpc: kind, address: peer.address, clientId: md.clientIds[0]?.slice(0, 80), code: Code[status.code], reason: status.rawMessage }, 'refused a KDS stream');
      throw status;
    }
    if (peer.session === undefined) throw new ConnectError('KDS needs HTTP/2', Code.InvalidArgument);
    const claim = await connections.claim(zone, kind, peer.session, peer.address);
    if (claim.kind === 'refused') {
      log.warn({ zone, rpc: kind, address: peer.address, connectedAddress: claim.holder.address, reason: claim.error.message }, 'refused a KDS stream: the zone is already connected');
      throw claim.error.toConnectError();
    }
    const { connection } = claim;
    if (claim.replaced !== undefined) {
      log.warn({ zone, address: peer.address, previousAddress: claim.replaced.address }, 'the zone reconnected; its previous connection did not answer a PING and was closed');
    }
    if (claim.isNew) {
      const sub = new ZoneSubscription(deps.instanceId, md.authorizations.length === 1);
      trackers.set(connection, { sub, tracker: insights.track(zone, sub) });
      log.info({ zone, address: peer.address, version: md.version, authenticated: authenticator.type === 'zoneToken' || authenticator.requireClientCert }, 'zone connected');
    }
    await trackers.get(connection)?.tracker.streamOpened(kind);
    return { zone, connection };
  }

  async function closed(connection: ZoneConnection, kind: StreamKind): Promise<void> {
    if (!connections.streamEnded(connection, kind)) return;
    const t = trackers.get(connection);
    await t?.tracker.close();
    log.info({ zone: connection.zone, address: connection.address }, 'zone disconnected');
  }

  /** One admitted stream: runs `hook`, ends with the status that says why it ended. */
  async function* serve<In, Out>(kind: StreamKind, input: AsyncIterable<In>, ctx: HandlerContext, p: {
    hook: (zone: string) => Hook<In, Out>;
    sizeOf: (m: Out) => number;
    onSend?: (t: ZoneSubscription, m: Out) => void;
    /** Returns true when the insight should be written at once (the zone introduced itself). */
    onReceive?: (t: ZoneSubscription, m: In) => boolean | void;
  }): AsyncGenerator<Out> {
    const peer = ctx.values.get(peerKey);
    let admitted;
    try {
      admitted = await open(kind, peer);
    } catch (err) {
      closeLater(peer.stream);
      throw err;
    }
    const { zone, connection } = admitted;
    const t = trackers.get(connection);
    let inputError: unknown;
    try {
      yield* runHook<In, Out>({
        input,
        hook: p.hook(zone),
        signal: AbortSignal.any([ctx.signal, connection.abort.signal, stop.signal]),
        sendTimeoutMs: kds.msgSendTimeout,
        maxMsgBytes: kds.maxMsgSize,
        sizeOf: p.sizeOf,
        what: `${kind} stream of zone ${JSON.stringify(zone)}`,
        maxMsgSizeSettings: MAX_MSG_SETTINGS,
        ...(t && p.onSend ? { onSend: (m: Out) => (p.onSend?.(t.sub, m), t.tracker.changed()) } : {}),
        ...(t && p.onReceive ? { onReceive: (m: In) => (p.onReceive?.(t.sub, m) === true ? void t.tracker.flushNow() : t.tracker.changed()) } : {}),
        onInputError: (err) => (inputError = err),
      });
      if (connection.abort.signal.aborted) throw toConnectError(connection.abort.signal.reason);
      if (stop.signal.aborted) throw new ConnectError('the global control plane is shutting down; the zone reconnects', Code.Unavailable);
    } catch (err) {
      const status = inputStatus(inputError, zone, kds.maxMsgSize) ?? toConnectError(err);
      if (!ctx.signal.aborted) {
        log.warn({ zone, rpc: kind, address: peer.address, code: Code[status.code], reason: status.rawMessage }, 'KDS stream ended with an error');
      }
      throw status;
    } finally {
      closeLater(peer.stream);
      await closed(connection, kind);
    }
  }

  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    readMaxBytes: kds.maxMsgSize,
    writeMaxBytes: kds.maxMsgSize,
    shutdownSignal: stop.signal,
    contextValues: (req) => createContextValues().set(peerKey, peerOf(req)),
    routes: (router) => {
      router.service(KDSSyncService, {
        globalToZoneSync: (requests: AsyncIterable<DeltaDiscoveryRequest>, ctx: HandlerContext) =>
          serve<DeltaDiscoveryRequest, DeltaDiscoveryResponse>('globalToZone', requests, ctx, {
            hook: (zone) => (input, send, signal) => sync.globalToZone(zone, input, send, signal),
            sizeOf: (m) => responseSizeAgainst(m, kds.maxMsgSize),
            onSend: (sub, m) => sub.responseSent(m.typeUrl),
            onReceive: (sub, m) => {
              const introduced = m.node !== undefined && sub.nodeSeen({ version: m.node.version, controlPlaneId: m.node.controlPlaneId, configJson: m.node.configJson });
              if (m.responseNonce !== '') {
                if (m.errorDetail !== undefined) sub.rejected(m.typeUrl);
                else sub.acknowledged(m.typeUrl);
              }
              // Version and config show on the global as soon as the zone says who it is.
              return introduced;
            },
          }),
        zoneToGlobalSync: (responses: AsyncIterable<DeltaDiscoveryResponse>, ctx: HandlerContext) =>
          serve<DeltaDiscoveryResponse, DeltaDiscoveryRequest>('zoneToGlobal', responses, ctx, {
            hook: (zone) => (input, send, signal) => sync.zoneToGlobal(zone, input, send, signal),
            sizeOf: (m) => toBinary(DeltaDiscoveryRequestSchema, m).byteLength,
          }),
      });
    },
  });

  function warnAboutSecurity(): void {
    if (!kds.tlsEnabled) {
      log.warn({ setting: 'multizone.global.kds.tlsEnabled' }, 'WARNING: KDS runs without TLS: zone tokens and every synced resource (Secrets included) cross the network in plain text; set KUMA_MULTIZONE_GLOBAL_KDS_TLS_ENABLED=true');
    }
    if (authenticator.type === 'none' && !authenticator.requireClientCert) {
      log.warn(
        { setting: 'multizone.global.kds.auth.type' },
        `WARNING: KDS zone authentication is off (multizone.global.kds.auth.type=none): any host that can reach port ${boundPort} can join as any zone and replace that zone's resources on the global. Set KUMA_MULTIZONE_GLOBAL_KDS_AUTH_TYPE=zoneToken and give each zone a zone token (kumactl generate zone-token --zone=<zone> --scope=cp), and/or require client certificates (KUMA_MULTIZONE_GLOBAL_KDS_REQUIRE_CLIENT_CERT)`,
      );
    }
  }

  return {
    name: 'kds-global-server',
    get port() {
      return boundPort;
    },
    get connectedZones() {
      return connections.all().map((c) => c.zone);
    },

    async start() {
      // A zone needs 2 streams; the cap only bounds what one hostile connection can open.
      const settings = { maxConcurrentStreams: 100 };
      let srv: Http2Server | Http2SecureServer;
      if (kds.tlsEnabled && deps.credentials !== undefined) {
        const secure = createSecureServer({ ...deps.credentials.serverOptions(), allowHTTP1: false, settings, handshakeTimeout: o.handshakeTimeoutMs ?? 10_000 }, handler);
        deps.credentials.applyTo(secure);
        secure.on('tlsClientError', (err: Error) => log.debug({ reason: messageOf(err) }, 'TLS handshake with a KDS client failed'));
        srv = secure;
      } else {
        srv = createServer({ settings }, handler);
      }
      srv.on('session', (session: Http2Session) => {
        sessions.add(session);
        session.once('close', () => sessions.delete(session));
        session.on('error', (err) => log.debug({ reason: messageOf(err) }, 'KDS connection error'));
        keepSessionAlive(session, { intervalMs: o.keepaliveIntervalMs ?? 15_000, timeoutMs: o.keepaliveTimeoutMs ?? 15_000 });
      });
      boundPort = await listen(srv, { port: kds.grpcPort, host: o.host, name: 'KDS server', portSetting: 'multizone.global.kds.grpcPort (KUMA_MULTIZONE_GLOBAL_KDS_GRPC_PORT)' });
      server = srv;
      unwatch = deps.resources.watch((e) => {
        if (e.op === 'resync' || e.type === ZoneType.name) void reactToZoneChange(deps.resources, connections, e, zoneDisabledError, log);
      });
      log.info({ port: boundPort, tls: kds.tlsEnabled, auth: kds.auth.type, requireClientCert: authenticator.requireClientCert }, 'KDS server listening (zones connect here)');
      warnAboutSecurity();
    },

    async stop() {
      if (stop.signal.aborted) return;
      stop.abort(new KdsStatusError(Code.Unavailable, 'ERR_KDS_SHUTDOWN', 'the global control plane is shutting down; the zone reconnects'));
      unwatch?.();
      const srv = server;
      if (srv !== undefined) {
        const done = new Promise<void>((resolve) => srv.close(() => resolve()));
        for (const s of sessions) s.close();
        // Streams send their final status, then whatever is left is cut.
        const deadline = Date.now() + (o.shutdownGraceMs ?? 1000);
        while (connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 50));
        for (const s of sessions) s.destroy();
        await done;
      }
      await Promise.race([insights.drain(), new Promise((r) => setTimeout(r, 2000).unref())]);
      log.info({}, 'KDS server stopped');
    },
  };
}

export { kdsServerTlsSettings } from './transport/server-support.js';
