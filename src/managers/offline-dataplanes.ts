import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { DataplaneInsightType, DataplaneType, isObject, type JsonObject } from '../core/resources/index.js';
import type { ResourceManager } from './resource-manager.js';

/**
 * Kuma's Universal GC (pkg/gc/collector.go): a Dataplane whose insight is offline (every subscription
 * disconnected) and whose last subscription disconnected more than `cleanupAgeMs` ago is deleted, its
 * insight with it. A Dataplane that never connected has no insight and is kept (it was applied by
 * hand). Leader-only; returns how many were deleted.
 */
export async function deleteOfflineDataplanes(resources: ResourceManager, opts: { cleanupAgeMs: number; now?: Date; log: Logger }): Promise<number> {
  const now = (opts.now ?? new Date()).getTime();
  const insights = await resources.list(DataplaneInsightType.name);
  let deleted = 0;
  for (const insight of insights.items) {
    const subs = subscriptionsOf(insight.spec);
    if (subs.length === 0 || subs.some((s) => s['disconnectTime'] === undefined || s['disconnectTime'] === null)) continue;
    const last = subs[subs.length - 1];
    const disconnected = Date.parse(String(last?.['disconnectTime'] ?? ''));
    if (Number.isNaN(disconnected)) {
      opts.log.error({ mesh: insight.meta.mesh, name: insight.meta.name, disconnectTime: last?.['disconnectTime'] }, 'unable to parse DisconnectTime');
      continue;
    }
    const ageMs = now - disconnected;
    if (ageMs <= opts.cleanupAgeMs) continue;
    try {
      await resources.delete({ type: DataplaneType.name, mesh: insight.meta.mesh, name: insight.meta.name });
      deleted += 1;
      opts.log.info({ resourceType: DataplaneType.name, mesh: insight.meta.mesh, name: insight.meta.name, offlineForMs: ageMs }, 'deleting resource which is offline');
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) continue;
      opts.log.error({ mesh: insight.meta.mesh, name: insight.meta.name, err: messageOf(err) }, 'unable to delete');
    }
  }
  return deleted;
}

function subscriptionsOf(spec: JsonObject): JsonObject[] {
  const subs = spec['subscriptions'];
  return Array.isArray(subs) ? subs.filter(isObject) : [];
}
