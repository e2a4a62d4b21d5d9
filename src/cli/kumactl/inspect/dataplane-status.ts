import type { JsonObject, JsonValue } from '../../../core/resources/json.js';
import { arrAt, boolAt, has, isObject, objAt, strAt, uintAt } from '../../../core/resources/json.js';

// A Dataplane's health as `kumactl inspect dataplanes` reports it, from its spec and its
// DataplaneInsight (Kuma: DataplaneOverviewResource.Status and DataplaneInsight.IsOnline).

export type DataplaneStatus = 'Online' | 'Offline' | 'Partially degraded';

/** The insight's subscriptions (one per xDS stream, the latest last). */
export function subscriptionsOf(insight: JsonObject | undefined): JsonObject[] {
  return arrAt(insight, 'subscriptions').filter(isObject);
}

/** Online = some subscription has a connect time and no disconnect time. */
export function isOnline(insight: JsonObject | undefined): boolean {
  return subscriptionsOf(insight).some((s) => has(s, 'connectTime') && !has(s, 'disconnectTime'));
}

function inboundNotReady(inbound: JsonObject): boolean {
  const health = objAt(inbound, 'health');
  return (health !== undefined && !boolAt(health, 'ready')) || strAt(inbound, 'state') === 'NotReady';
}

/**
 * The status and, when not fully online, why: a gateway is Online when its proxy is connected; else
 * every inbound and zone-proxy listener must be ready (some ready: Partially degraded; none, or the
 * proxy is not connected: Offline).
 */
export function dataplaneStatus(dataplane: JsonObject | undefined, insight: JsonObject | undefined): { status: DataplaneStatus; notes: string[] } {
  const online = isOnline(insight);
  const networking = objAt(dataplane, 'networking');
  if (objAt(networking, 'gateway') !== undefined) return { status: online ? 'Online' : 'Offline', notes: [] };
  const inbounds = arrAt(networking, 'inbound').filter(isObject);
  const listeners = arrAt(networking, 'listeners').filter(isObject);
  const notes: string[] = [];
  let ready = 0;
  for (const inbound of inbounds) {
    if (inboundNotReady(inbound)) notes.push(`inbound[port=${uintAt(inbound, 'port')},svc=${strAt(objAt(inbound, 'tags'), 'kuma.io/service')}] is not ready`);
    else ready++;
  }
  for (const l of listeners) {
    // Ready is the enum's zero value, which proto-JSON leaves out.
    const state = strAt(l, 'state');
    if (state === '' || state === 'Ready') ready++;
    else notes.push(`listener[port=${uintAt(l, 'port')},type=${strAt(l, 'type') || 'Unspecified'}] is not ready`);
  }
  if (!online || ready === 0) return { status: 'Offline', notes };
  if (ready < inbounds.length + listeners.length) return { status: 'Partially degraded', notes };
  return { status: 'Online', notes: [] };
}

/** A protojson uint64 (a decimal string, or a number from lenient writers) as a bigint; 0 when absent. */
export function uint64Of(v: JsonValue | undefined): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return 0n;
}
