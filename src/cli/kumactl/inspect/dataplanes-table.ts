import type { JsonObject } from '../../../core/resources/json.js';
import { arrAt, isObject, objAt, strAt, stringMapAt, uintAt } from '../../../core/resources/json.js';
import { ago } from '../output/age.js';
import { dataplaneTags } from '../output/resource-printers.js';
import { renderTable } from '../output/table.js';
import { dataplaneStatus, subscriptionsOf, uint64Of } from './dataplane-status.js';

// The table of `kumactl inspect dataplanes` (app/kumactl/cmd/inspect/inspect_dataplanes.go).

export const DATAPLANE_OVERVIEW_HEADERS = [
  'MESH',
  'NAME',
  'TAGS',
  'STATUS',
  'LAST CONNECTED AGO',
  'LAST UPDATED AGO',
  'TOTAL UPDATES',
  'TOTAL ERRORS',
  'CERT REGENERATED AGO',
  'CERT EXPIRATION',
  'CERT REGENERATIONS',
  'CERT BACKEND',
  'SUPPORTED CERT BACKENDS',
  'KUMA-DP VERSION',
  'ENVOY VERSION',
  'DEPENDENCIES VERSIONS',
  'NOTES',
] as const;

/** Go's `2006-01-02 15:04:05` (UTC), `-` when absent. */
export function formatDate(timestamp: unknown): string {
  if (typeof timestamp !== 'string') return '-';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '-';
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

function sumOver(subscriptions: JsonObject[], counter: string): string {
  return subscriptions.reduce((sum, s) => sum + uint64Of(objAt(objAt(s, 'status'), 'total')?.[counter]), 0n).toString();
}

/** One row per DataplaneOverview envelope (`dataplane` spec, optional `dataplaneInsight`). */
export function dataplaneOverviewRow(overview: JsonObject, now: Date): string[] {
  const dataplane = objAt(overview, 'dataplane');
  const insight = objAt(overview, 'dataplaneInsight');
  const subscriptions = subscriptionsOf(insight);
  const last = subscriptions[subscriptions.length - 1];
  const mtls = objAt(insight, 'mTLS');
  const { status, notes } = dataplaneStatus(dataplane, insight);
  const version = objAt(last, 'version');
  // Go ranges over the dependency map in random order; sorted here so the output is stable.
  const deps = Object.entries(stringMapAt(version, 'dependencies'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, v]) => `${name}: ${v}`)
    .join(', ');
  return [
    strAt(overview, 'mesh'),
    strAt(overview, 'name'),
    dataplaneTags(dataplane ?? {}),
    status,
    ago(last?.['connectTime'], now),
    ago(objAt(last, 'status')?.['lastUpdateTime'], now),
    sumOver(subscriptions, 'responsesSent'),
    sumOver(subscriptions, 'responsesRejected'),
    ago(mtls?.['lastCertificateRegeneration'], now),
    formatDate(mtls?.['certificateExpirationTime']),
    String(uintAt(mtls, 'certificateRegenerations')),
    mtls === undefined ? '-' : strAt(mtls, 'issuedBackend'),
    arrAt(mtls, 'supportedBackends')
      .filter((b): b is string => typeof b === 'string')
      .join(','),
    strAt(objAt(version, 'kumaDp'), 'version'),
    strAt(objAt(version, 'envoy'), 'version'),
    deps === '' ? '-' : deps,
    notes.join(';'),
  ];
}

export function dataplaneOverviewsTable(items: readonly JsonObject[], now: Date): string {
  return renderTable({ headers: DATAPLANE_OVERVIEW_HEADERS, rows: items.filter(isObject).map((o) => dataplaneOverviewRow(o, now)) });
}
