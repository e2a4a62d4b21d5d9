/**
 * The subscription list of a DataplaneInsight or ZoneInsight (Kuma's status sinks): `entry`
 * replaces the subscription with its id. A new one first marks every older open subscription
 * disconnected (a proxy or zone has one live connection; an open one left behind by a control-plane
 * instance that died is stale: Kuma's finalizeSubscriptions), then the list keeps the newest
 * `limit`. A final write for a subscription that was trimmed away changes nothing (undefined).
 */
import { formatKumaTime, type JsonObject, type JsonValue } from './resources/index.js';

export function mergeSubscriptions(existing: JsonObject[], entry: JsonObject, isFinal: boolean, now: Date, limit: number): JsonValue[] | undefined {
  const subs = existing.map((s) => ({ ...s }));
  const at = subs.findIndex((s) => s['id'] === entry['id']);
  if (at >= 0) {
    subs[at] = entry;
    return subs;
  }
  if (isFinal) return undefined;
  const stamp = formatKumaTime(now);
  for (const s of subs) if (s['disconnectTime'] === undefined) s['disconnectTime'] = stamp;
  subs.push(entry);
  // Kuma clears the list for limit 0 although its docs say "unlimited"; we follow the docs.
  return limit > 0 ? subs.slice(-limit) : subs;
}
