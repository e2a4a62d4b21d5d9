/**
 * The DP server component: ONE TLS-only port (`dpServer.port`, 5678) serving `POST /bootstrap` over
 * HTTP/1.1 and HTTP/2 and the gRPC config stream (our own framing, grpc/) over HTTP/2, with the
 * certificate hot-reloaded by the shared credentials. Plaintext and TLS < 1.2 clients fail in the
 * handshake.
 */
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { KumaError, messageOf } from '../core/errors.js';
import { listen } from '../net/listen.js';
import { certificateMatchesHost, xdsHostMismatchText } from './certificate-checks.js';
import { serveGrpcCall } from './config-stream-call.js';
import type { ConfigStreamSession, StreamServices } from './config-stream-session.js';
import { createDataplaneAuthenticator, resolveDpAuthnType } from './dataplane-auth.js';
import { DataplaneLifecycle } from './dataplane-lifecycle.js';
import type { DpServer, DpServerDeps } from './deps.js';
import { resolveDpServerOptions } from './deps.js';
import { createDpHttpMetrics } from './http-metrics.js';
import { CONFIG_SERVICE_PATH_PREFIX, createRequestListener } from './http-routes.js';
import { DataplaneInsightSink } from './insight-sink.js';
import { keepSessionAlive } from '../net/http2-keepalive.js';
import { ConfigKinds } from './kinds/config-kinds.js';
import { StoreReactions } from './store-reactions.js';
import { streamErrors } from './stream-errors.js';
import { StreamRegistry } from './stream-registry.js';

export function createDpServer(deps: DpServerDeps): DpServer {
  const opts = resolveDpServerOptions(deps.options);
  const log = deps.logger.child({ component: 'dp-server' });
  const authnType = resolveDpAuthnType(deps.config.dpServer.authn.dpProxy.type);
  const authenticator = createDataplaneAuthenticator(authnType, deps.tokenValidator);
  const registry = new StreamRegistry();
  const lifecycle = new DataplaneLifecycle(deps.resources, authenticator, {
    deregistrationDelayMs: opts.deregistrationDelayMs,
    controlPlaneInstanceId: deps.controlPlaneInstanceId,
    logger: log.child({ part: 'dp-lifecycle' }),
  });
  const insights = new DataplaneInsightSink(deps.resources, {
    flushIntervalMs: opts.insightFlushIntervalMs,
    subscriptionLimit: opts.subscriptionLimit,
    logger: log.child({ part: 'insights' }),
  });
  let stopping = false;
  let boundPort = 0;
  let server: Http2SecureServer | undefined;
  let unwatch: (() => void) | undefined;
  const sessions = new Set<Http2Session>();
  const sockets = new Set<TLSSocket>();
  /** /bootstrap requests being answered and config streams not yet released. */
  let activeRequests = 0;
  /** Every config stream from its first byte until it is released (also the ones not yet authenticated). */
  const liveSessions = new Set<ConfigStreamSession>();
  const xdsHost = deps.config.bootstrapServer.params.xdsHost;

  const kinds = new ConfigKinds(deps.resources, deps.meshCas, log.child({ part: 'identity' }));
  const reactions = new StoreReactions(registry, kinds, opts.meshChangeCoalesceMs);
  const services: StreamServices = {
    resources: deps.resources,
    kinds,
    authenticator,
    lifecycle,
    registry,
    insights,
    controlPlaneInstanceId: deps.controlPlaneInstanceId,
    logger: log.child({ part: 'config-stream' }),
    recheckDelayMs: opts.recheckDelayMs,
    firstRequestTimeoutMs: opts.firstRequestTimeoutMs,
    isStopping: () => stopping,
  };

  const grpcServer = {
    services,
    readMaxBytes: opts.streamMessageLimitBytes,
    logger: log.child({ part: 'config-stream' }),
    isStopping: () => stopping,
    track(session: ConfigStreamSession) {
      activeRequests += 1;
      liveSessions.add(session);
      void session.closed.then(() => {
        activeRequests -= 1;
        liveSessions.delete(session);
      });
    },
  };

  const listener = createRequestListener({
    bootstrap: {
      resources: deps.resources,
      authnType,
      xdsHost,
      xdsPort: () => deps.config.bootstrapServer.params.xdsPort || boundPort,
      servedChain: () => ({ chain: deps.credentials.current(), pem: deps.credentials.currentCertificatePem() }),
    },
    bodyLimitBytes: opts.bootstrapBodyLimitBytes,
    logger: log.child({ part: 'bootstrap' }),
    grpc: (req, res) => serveGrpcCall(grpcServer, req, res),
    ...(deps.metricsRegistry === undefined ? {} : { metrics: createDpHttpMetrics(deps.metricsRegistry) }),
  });

  return {
    name: 'dp-server',
    get port() {
      return boundPort;
    },
    get streams() {
      return registry.size;
    },
    get pendingDeregistrations() {
      return lifecycle.pending;
    },

    async start() {
      const leaf = deps.credentials.current()[0];
      if (xdsHost !== '' && leaf !== undefined && !certificateMatchesHost(leaf, xdsHost)) {
        throw new KumaError('ERR_DP_SERVER_XDS_HOST', xdsHostMismatchText(xdsHost, leaf));
      }
      const srv = createSecureServer({ ...deps.credentials.serverOptions(), allowHTTP1: true, handshakeTimeout: opts.handshakeTimeoutMs }, (req, res) => {
        if (!(req.url ?? '').startsWith(CONFIG_SERVICE_PATH_PREFIX)) {
          // Counted until the response is over (config streams are counted by `track`).
          activeRequests += 1;
          let counted = true;
          const done = (): void => {
            if (counted) activeRequests -= 1;
            counted = false;
          };
          res.once('finish', done);
          res.once('close', done);
        }
        listener(req, res);
      });
      srv.on('secureConnection', (socket: TLSSocket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      deps.credentials.applyTo(srv);
      srv.on('session', (session: Http2Session) => {
        sessions.add(session);
        session.once('close', () => sessions.delete(session));
        session.on('error', (err) => log.debug({ reason: messageOf(err) }, 'HTTP/2 session error'));
        keepSessionAlive(session, { intervalMs: opts.keepaliveIntervalMs, timeoutMs: opts.keepaliveTimeoutMs });
      });
      srv.on('tlsClientError', (err) => log.debug({ reason: messageOf(err) }, 'TLS handshake with a client failed'));
      boundPort = await listen(srv, { port: deps.config.dpServer.port, host: opts.host, name: 'DP server', portSetting: 'dpServer.port (KUMA_DP_SERVER_PORT)' });
      server = srv;
      unwatch = deps.resources.watch((e) => reactions.react(e));
      log.info({ port: boundPort, authnType }, 'DP server listening (POST /bootstrap and the config stream)');
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      unwatch?.();
      reactions.stop();
      lifecycle.shutdown();
      for (const s of liveSessions) s.close(streamErrors.shuttingDown());
      const srv = server;
      if (srv) {
        const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
        for (const s of sessions) s.close();
        // Let open requests (a /bootstrap, the streams' final status) finish, then drop idle
        // connections: proxies keep theirs open and would hold the port for the whole timeout.
        const deadline = Date.now() + deps.config.dpServer.gracefulShutdownTimeout;
        while (activeRequests > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 50)); // the last trailers on the wire
        for (const s of sessions) s.destroy();
        for (const socket of sockets) socket.destroy();
        await closed;
      }
      await Promise.race([insights.drain(), new Promise((r) => setTimeout(r, 2000).unref())]);
      log.info({}, 'DP server stopped');
    },
  };
}
