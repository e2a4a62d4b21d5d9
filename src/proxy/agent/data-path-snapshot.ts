/**
 * The data path's bookkeeping per listener, and the plain, JSON-friendly summary of it that logs,
 * the agent and tests read (no sockets, no Dates, no key material).
 */
import type { ProxyIdentity } from '../mtls/identity.js';
import type { InboundListener, InboundMode, ListenerStats, OutboundListener } from '../mtls/index.js';
import type { InboundSpec, MeshMtlsState, OutboundSpec } from './data-path-desired.js';

/**
 * running: listening. waiting-for-identity: mesh mTLS is on and no identity has arrived, so the
 * port is deliberately not open. failed: it could not start (the problem says why); retried on the
 * next Dataplane config or identity.
 */
export type ListenerState = 'running' | 'waiting-for-identity' | 'failed';

export interface InboundEntry {
  spec: InboundSpec;
  listener: InboundListener | undefined;
  /** The ProxyIdentity object the listener holds, to know when it needs setIdentity. */
  identity: ProxyIdentity | undefined;
  /** What the current authorizer was built from: an InboundPermissions object, or the reason it denies. */
  authorizedBy: unknown;
  problem: string | undefined;
}

export interface OutboundEntry {
  spec: OutboundSpec;
  listener: OutboundListener | undefined;
  identity: ProxyIdentity | undefined;
  problem: string | undefined;
}

export interface InboundSnapshot {
  name: string;
  address: string;
  /** The bound port (equals the configured one). */
  port: number;
  state: ListenerState;
  mode: InboundMode;
  serviceAddress: string;
  servicePort: number;
  /** `MeshTrafficPermission (<source>)`, or why every mesh mTLS client is denied. */
  permissions: string;
  problem?: string;
  stats?: ListenerStats;
}

export interface OutboundSnapshot {
  name: string;
  address: string;
  port: number;
  state: ListenerState;
  service: string;
  mtls: boolean;
  endpoints: number;
  problem?: string;
  stats?: ListenerStats;
}

export interface IdentitySnapshot {
  /** none: never received (or discarded after mTLS went off). withdrawn: the control plane said mTLS off; kept until the Dataplane config agrees. */
  state: 'none' | 'active' | 'withdrawn';
  mesh?: string;
  spiffeIds?: readonly string[];
  notAfter?: string;
  trustedRoots?: number;
  generation?: number;
}

export interface DataPathSnapshot {
  /** undefined until the first Dataplane config. */
  mesh: MeshMtlsState | undefined;
  identity: IdentitySnapshot;
  permissions: { received: boolean; mtlsEnabled?: boolean; inbounds: number };
  endpoints: { received: boolean; services: number };
  inbounds: InboundSnapshot[];
  outbounds: OutboundSnapshot[];
}

const stateOf = (e: { listener: unknown; problem: string | undefined }): ListenerState => (e.listener ? 'running' : e.problem !== undefined ? 'failed' : 'waiting-for-identity');

export function identitySnapshot(identity: ProxyIdentity | undefined, withdrawn: boolean): IdentitySnapshot {
  if (!identity) return { state: 'none' };
  const s = identity.summary();
  return { state: withdrawn ? 'withdrawn' : 'active', mesh: s.mesh, spiffeIds: [...s.spiffeIds], notAfter: s.notAfter.toISOString(), trustedRoots: s.trustedRoots, generation: s.generation };
}

export function inboundSnapshot(e: InboundEntry, mode: InboundMode): InboundSnapshot {
  const by = e.authorizedBy;
  const permissions = typeof by === 'string' ? by : by && typeof by === 'object' && 'source' in by ? `MeshTrafficPermission (${String(by.source)})` : 'none yet (deny)';
  const s: InboundSnapshot = {
    name: e.listener?.name ?? `inbound:${e.spec.key}`,
    address: e.spec.address,
    port: e.listener?.port ?? e.spec.port,
    state: stateOf(e),
    mode,
    serviceAddress: e.spec.serviceAddress,
    servicePort: e.spec.servicePort,
    permissions,
  };
  if (e.problem !== undefined) s.problem = e.problem;
  if (e.listener) s.stats = e.listener.stats();
  return s;
}

export function outboundSnapshot(e: OutboundEntry, mtls: boolean): OutboundSnapshot {
  const s: OutboundSnapshot = {
    name: e.listener?.name ?? `outbound:${e.spec.key}`,
    address: e.spec.address,
    port: e.listener?.port ?? e.spec.port,
    state: stateOf(e),
    service: e.spec.service,
    mtls,
    endpoints: e.listener?.endpoints().length ?? 0,
  };
  if (e.problem !== undefined) s.problem = e.problem;
  if (e.listener) s.stats = e.listener.stats();
  return s;
}
