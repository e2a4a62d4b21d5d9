/**
 * What the data path should run, read from a DataplaneConfig: the mesh's mTLS state and one
 * listener spec per distinct `address:port`. Defaults follow the proto (servicePort 0 = port,
 * serviceAddress '' = 127.0.0.1, inbound address '' = the Dataplane's address, outbound address
 * '' = 127.0.0.1). Problems are collected per entry, so one bad entry never hides the others.
 */
import { SERVICE_TAG } from '../../core/resources/index.js';
import type { DataplaneConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import type { InboundMode } from '../mtls/index.js';


export interface MeshMtlsState {
  mesh: string;
  enabled: boolean;
  /** The mode of the inbounds: OFF when the mesh has mTLS off. */
  inboundMode: InboundMode;
}

export interface InboundSpec {
  /** `<address>:<port>`, the key MeshTrafficPermission decisions use (InboundPermissions.inbound). */
  key: string;
  address: string;
  port: number;
  serviceAddress: string;
  servicePort: number;
}

export interface OutboundSpec {
  key: string;
  address: string;
  port: number;
  /** The target's `kuma.io/service`. */
  service: string;
}

export interface DesiredListeners {
  mesh: MeshMtlsState;
  inbounds: Map<string, InboundSpec>;
  outbounds: Map<string, OutboundSpec>;
}

const isPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;
const keyOf = (address: string, port: number): string => `${address}:${port}`;
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);

/** The mesh's mTLS as the inbounds apply it; an unset mode is STRICT (Kuma's default), an unknown one too (the safe side). */
export function meshMtlsOf(config: DataplaneConfig): { state: MeshMtlsState; warning?: string } {
  const m = config.mesh;
  const mesh = m?.name ?? '';
  if (!m?.mtlsEnabled) return { state: { mesh, enabled: false, inboundMode: 'OFF' } };
  if (m.mtlsMode === 'PERMISSIVE') return { state: { mesh, enabled: true, inboundMode: 'PERMISSIVE' } };
  const state: MeshMtlsState = { mesh, enabled: true, inboundMode: 'STRICT' };
  if (m.mtlsMode === 'STRICT' || m.mtlsMode === '') return { state };
  return { state, warning: `unknown mesh mTLS mode "${m.mtlsMode}": the inbounds run STRICT` };
}

/**
 * The listeners of `config`. `desired` is undefined when the config cannot be applied at all (no
 * desired state or no mesh): the caller then keeps what runs.
 */
export function desiredListenersOf(config: DataplaneConfig): { desired: DesiredListeners | undefined; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const d = config.desired;
  if (d === undefined || config.mesh === undefined) {
    problems.push(`the Dataplane config has no ${d === undefined ? 'desired state' : 'mesh'}; nothing was changed`);
    return { desired: undefined, problems, warnings };
  }
  const { state, warning } = meshMtlsOf(config);
  if (warning !== undefined) warnings.push(warning);
  const inbounds = new Map<string, InboundSpec>();
  for (const [i, ib] of d.inbounds.entries()) {
    const address = ib.address || d.address;
    const what = `inbound[${i}] ${keyOf(address, ib.port)}`;
    if (address === '') {
      problems.push(`${what}: no address (neither the inbound's nor networking.address is set)`);
      continue;
    }
    if (!isPort(ib.port)) {
      problems.push(`${what}: port ${ib.port} is not a listener port; use a number from 1 to 65535`);
      continue;
    }
    const servicePort = ib.servicePort === 0 ? ib.port : ib.servicePort;
    if (!isPort(servicePort)) {
      problems.push(`${what}: servicePort ${servicePort} is not a port; use a number from 1 to 65535`);
      continue;
    }
    const serviceAddress = ib.serviceAddress || '127.0.0.1';
    if (servicePort === ib.port && (serviceAddress === address || ANY_ADDRESS.has(address))) {
      problems.push(`${what}: the application would be reached on the proxy's own listener (${keyOf(serviceAddress, servicePort)}); set networking.inbound[${i}].servicePort to the port the application listens on`);
      continue;
    }
    const spec: InboundSpec = { key: keyOf(address, ib.port), address, port: ib.port, serviceAddress, servicePort };
    const first = inbounds.get(spec.key);
    if (first === undefined) inbounds.set(spec.key, spec);
    else if (first.serviceAddress !== serviceAddress || first.servicePort !== servicePort) {
      problems.push(`${what}: listed twice with different applications (${keyOf(first.serviceAddress, first.servicePort)} and ${keyOf(serviceAddress, servicePort)}); the first is used`);
    }
  }
  const outbounds = new Map<string, OutboundSpec>();
  for (const [i, ob] of d.outbounds.entries()) {
    const address = ob.address || '127.0.0.1';
    const what = `outbound[${i}] ${keyOf(address, ob.port)}`;
    if (!isPort(ob.port)) {
      problems.push(`${what}: port ${ob.port} is not a listener port; use a number from 1 to 65535`);
      continue;
    }
    const service = ob.service || (ob.tags[SERVICE_TAG] ?? '');
    if (service === '') {
      problems.push(`${what}: neither a ${SERVICE_TAG} tag nor a backendRef of kind MeshService names the service to reach`);
      continue;
    }
    const spec: OutboundSpec = { key: keyOf(address, ob.port), address, port: ob.port, service };
    const first = outbounds.get(spec.key);
    if (first === undefined) outbounds.set(spec.key, spec);
    else if (first.service !== service) problems.push(`${what}: listed twice for different services ("${first.service}" and "${service}"); the first is used`);
  }
  for (const key of inbounds.keys()) {
    if (outbounds.delete(key)) problems.push(`outbound ${key}: the same address and port as an inbound; the inbound is used`);
  }
  return { desired: { mesh: state, inbounds, outbounds }, problems, warnings };
}
