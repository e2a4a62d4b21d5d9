import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import { KumaError } from '../core/errors.js';
import type { TlsServerSettings } from '../tls/server-credentials.js';
import { buildApiApp, type ApiApp } from './app.js';
import type { ApiServerDeps } from './deps.js';
import { ApiListener } from './listener.js';

export interface ApiServer {
  /** The app (for `api.app.inject()` in tests). */
  readonly api: ApiApp;
  /** Present when apiServer.http.enabled. */
  readonly http?: ApiListener;
  /** Present when apiServer.https.enabled. */
  readonly https?: ApiListener;
  /** The listeners as runtime components, HTTP first. The app closes once all of them stopped. */
  readonly components: readonly ApiListener[];
  /** Closes the app (also done when the last listener stops). */
  close(): Promise<void>;
}

const LOCALHOST_ADMIN_WARNING =
  'WARNING: you can access Control Plane API as admin by sending requests from the same machine where Control Plane runs. To increase security, it is recommended to extract admin credentials and set KUMA_API_SERVER_AUTHN_LOCALHOST_IS_ADMIN to false.';

/** apiServer.https client-certificate settings added to the resolved server TLS settings. */
export function apiServerTlsSettings(base: TlsServerSettings, cfg: KumaCpConfig): TlsServerSettings {
  return { ...base, clientCaFile: cfg.apiServer.https.tlsCaFile, requireClientCert: cfg.apiServer.https.requireClientCert };
}

/**
 * The API server of kuma-cp: one app served by an HTTP listener (apiServer.http) and an HTTPS
 * listener (apiServer.https, certificate from `deps.httpsCredentials`, hot reloaded). Nothing is bound
 * until the components start.
 */
export async function createApiServer(deps: ApiServerDeps): Promise<ApiServer> {
  const cfg = deps.config.apiServer;
  if (cfg.https.enabled && deps.httpsCredentials === undefined) {
    throw new KumaError('ERR_API_TLS', 'apiServer.https is enabled but no TLS credentials were given to the API server');
  }
  const api = await buildApiApp(deps);
  const log = deps.logger.child({ component: 'api-server' });
  if (cfg.authn.localhostIsAdmin) log.info({}, LOCALHOST_ADMIN_WARNING);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= api.close());
  const timeouts = { readHeaderMs: cfg.readHeaderTimeout, readMs: cfg.readTimeout, idleMs: cfg.idleTimeout };
  const listeners: ApiListener[] = [];
  let running = 0;
  const onStarted = (): void => {
    running += 1;
  };
  const onStopped = (): void => {
    running -= 1;
    if (running === 0) void close();
  };
  let http: ApiListener | undefined;
  let https: ApiListener | undefined;
  if (cfg.http.enabled) {
    http = new ApiListener({ name: 'api-server-http', interface: cfg.http.interface, port: cfg.http.port, portSetting: 'KUMA_API_SERVER_HTTP_PORT', handler: api.handler, timeouts, log, onStarted, onStopped });
    listeners.push(http);
  }
  if (cfg.https.enabled && deps.httpsCredentials !== undefined) {
    https = new ApiListener({
        name: 'api-server-https',
        interface: cfg.https.interface,
        port: cfg.https.port,
        portSetting: 'KUMA_API_SERVER_HTTPS_PORT',
        handler: api.handler,
        tls: deps.httpsCredentials,
        timeouts,
      log,
      onStarted,
      onStopped,
    });
    listeners.push(https);
  }
  return { api, ...(http ? { http } : {}), ...(https ? { https } : {}), components: listeners, close };
}
