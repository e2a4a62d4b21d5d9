/** The REST API server of kuma-cp: app, listeners, authn (localhost admin, user tokens), static access, audit. */
export { createApiServer, apiServerTlsSettings, type ApiServer } from './api-server.js';
export { buildApiApp, MAX_BODY_BYTES, type ApiApp, type RequestHandler } from './app.js';
export type { ApiServerDeps, ApiResourceManager, ApiTokens, InstanceInfo } from './deps.js';
export { createApiTokens, type ApiTokensHandle } from './tokens.js';
export { ApiListener } from './listener.js';
export { StaticAccess, AccessDeniedError, type AccessRule } from './access.js';
export { isDirectLoopbackRequest, isLoopbackHost, type DirectRequestFacts } from './localhost.js';
export { ANONYMOUS, LOCAL_ADMIN, describeUser, type User } from './identity.js';
export { problemFor, problemBody, type Problem, type InvalidParameter } from './problem.js';
export type { AuditEvent, AuditOutcome } from './audit.js';
