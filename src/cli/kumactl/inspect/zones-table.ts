import type { JsonObject } from '../../../core/resources/json.js';
import { isObject, objAt, strAt } from '../../../core/resources/json.js';
import { ago } from '../output/age.js';
import { renderTable } from '../output/table.js';
import { isOnline, subscriptionsOf, uint64Of } from './dataplane-status.js';

// The table of `kumactl inspect zones` (app/kumactl/cmd/inspect/inspect_zones.go).

export const ZONE_OVERVIEW_HEADERS = ['NAME', 'STATUS', 'LAST CONNECTED AGO', 'LAST UPDATED AGO', 'TOTAL UPDATES', 'TOTAL ERRORS', 'ZONE-CP VERSION', 'BACKEND'] as const;

function total(subscriptions: JsonObject[], counter: string): string {
  return subscriptions.reduce((sum, s) => sum + uint64Of(objAt(objAt(s, 'status'), 'total')?.[counter]), 0n).toString();
}

/** The store type from the zone CP's config as it reported it (JSON text); '' when absent or unreadable. */
function backendOf(config: string): string {
  if (config === '') return '';
  try {
    const parsed = JSON.parse(config) as unknown;
    return isObject(parsed) ? strAt(objAt(parsed, 'store'), 'type') : '';
  } catch {
    return '';
  }
}

/** One row per ZoneOverview envelope (`zone` spec, optional `zoneInsight`). */
export function zoneOverviewRow(overview: JsonObject, now: Date): string[] {
  const zone = objAt(overview, 'zone');
  const insight = objAt(overview, 'zoneInsight');
  const subscriptions = subscriptionsOf(insight);
  const last = subscriptions[subscriptions.length - 1];
  // A Zone without `enabled` is enabled (Kuma: nil means true).
  const enabled = zone?.['enabled'] !== false;
  return [
    strAt(overview, 'name'),
    isOnline(insight) && enabled ? 'Online' : 'Offline',
    ago(last?.['connectTime'], now),
    ago(objAt(last, 'status')?.['lastUpdateTime'], now),
    total(subscriptions, 'responsesSent'),
    total(subscriptions, 'responsesRejected'),
    strAt(objAt(objAt(last, 'version'), 'kumaCp'), 'version'),
    backendOf(strAt(last, 'config')),
  ];
}

export function zoneOverviewsTable(items: readonly JsonObject[], now: Date): string {
  return renderTable({ headers: ZONE_OVERVIEW_HEADERS, rows: items.filter(isObject).map((o) => zoneOverviewRow(o, now)) });
}
