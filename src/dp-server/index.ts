/** The DP server: /bootstrap, the config stream, dataplane authentication, lifecycle and insights. */
export { createDpServer } from './dp-server.js';
export type { DpServer, DpServerDeps, DpServerOptions } from './deps.js';
export { resolveDpAuthnType, type DpAuthnType } from './dataplane-auth.js';
export { CONFIG_SERVICE_PATH_PREFIX } from './http-routes.js';
