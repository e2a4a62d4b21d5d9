/**
 * The kuma-dp data path: inbound and outbound L4 listeners with mesh mTLS (node:net / node:tls).
 * The agent builds one ProxyIdentity from the identity certificate, key and mesh roots it receives,
 * starts one InboundListener per Dataplane inbound and one OutboundListener per outbound, and feeds
 * them updates (identity, mode, permissions, endpoints) as the control plane streams them.
 */
export { ProxyIdentity, type IdentityMaterial, type IdentitySummary } from './identity.js';
export { InboundListener, type InboundConfig, type InboundDependencies, type InboundMode, type InboundUpdate } from './inbound.js';
export { OutboundListener, legacySni, type OutboundConfig, type OutboundDependencies, type OutboundUpdate } from './outbound.js';
export type { Endpoint } from './endpoints.js';
export { allowAll, denyAll, type AuthorizationDecision, type AuthorizationRequest, type Authorizer } from './authorization.js';
export type { PeerIdentity } from './peer-identity.js';
export type { ListenerStats } from './stats.js';
export { KUMA_ALPN } from './client-hello.js';
export { ProxyMtlsError, type ProxyMtlsErrorCode } from './errors.js';
