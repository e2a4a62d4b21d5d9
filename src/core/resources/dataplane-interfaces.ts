import type { JsonObject } from './json.js';
import { arrAt, objAt, strAt, uintAt } from './json.js';
import { isUnspecifiedIP } from './net-rules.js';

// Where a Dataplane listens and where its application listens (Kuma's Inbound/OutboundInterface), used to
// keep the Envoy admin port off the ports the proxy already uses.

export interface ProxyInterface {
  ip: string;
  port: number;
}

export function inboundInterfaces(networking: JsonObject): { dataplane: ProxyInterface; workload: ProxyInterface }[] {
  const dpAddress = strAt(networking, 'address');
  return arrAt(networking, 'inbound').map((inbound) => {
    const dataplaneIP = strAt(inbound, 'address') || dpAddress;
    const port = uintAt(inbound, 'port');
    return {
      dataplane: { ip: dataplaneIP, port },
      workload: { ip: strAt(inbound, 'serviceAddress') || dataplaneIP, port: uintAt(inbound, 'servicePort') || port },
    };
  });
}

export function outboundInterfaces(networking: JsonObject): ProxyInterface[] {
  return arrAt(networking, 'outbound').map((o) => ({ ip: strAt(o, 'address') || '127.0.0.1', port: uintAt(o, 'port') }));
}

/** Go's overlap(): either side a wildcard address, or the same address. */
function overlaps(a: string, b: string): boolean {
  return isUnspecifiedIP(a) || isUnspecifiedIP(b) || a === b;
}

export function usesInbound(networking: JsonObject, ip: string, port: number): boolean {
  return inboundInterfaces(networking).some(
    (i) => (i.dataplane.port === port && overlaps(ip, i.dataplane.ip)) || (i.workload.port === port && overlaps(ip, i.workload.ip)),
  );
}

export function usesOutbound(networking: JsonObject, ip: string, port: number): boolean {
  return outboundInterfaces(networking).some((o) => o.port === port && overlaps(ip, o.ip));
}

export type GatewayKind = 'none' | 'delegated' | 'builtin';

/** `networking.gateway.type`: DELEGATED is the proto default (absent, "DELEGATED" or 0). */
export function gatewayKind(spec: JsonObject): GatewayKind {
  const gateway = objAt(objAt(spec, 'networking'), 'gateway');
  if (!gateway) return 'none';
  const type = gateway['type'];
  return type === 'BUILTIN' || type === 1 ? 'builtin' : 'delegated';
}
