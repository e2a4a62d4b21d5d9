import { KumaError } from '../../core/errors.js';
import type { JsonObject, JsonValue } from '../../core/resources/json.js';
import { isObject } from '../../core/resources/json.js';
import type { Resource, ResourceKey } from '../../core/resources/resource.js';
import { describeKey } from '../../core/resources/resource.js';
import { InvalidStoreRequestError } from '../errors.js';

// How a Resource maps onto a row of Kuma's `resources` table, and back.
//  - version: integer from 0, exposed as its decimal string.
//  - times: `timestamp` (no zone) holding UTC wall time, as Kuma writes it. Values go in as ISO strings
//    converted in SQL and come out converted to timestamptz, so neither the session nor the Node
//    process time zone can shift them (node-postgres would read a bare `timestamp` as local time).
//  - spec: JSON text; labels and status: jsonb. Status `{}` is the column default and what Kuma stores
//    for "no status", so it reads back as absent.

/** Columns every read selects, in the shape `rowToResource` expects. */
export const RESOURCE_COLUMNS = `name, mesh, type, version, spec, labels, status,
  creation_time AT TIME ZONE 'UTC' AS creation_time, modification_time AT TIME ZONE 'UTC' AS modification_time`;

/** A timestamp parameter `$n` written into a `timestamp` column as UTC wall time. */
export const utcParam = (n: number): string => `($${n}::timestamptz AT TIME ZONE 'UTC')`;

export interface ResourceRow {
  name: string;
  mesh: string;
  type: string;
  version: number;
  spec: string | null;
  labels: unknown;
  status: unknown;
  creation_time: Date;
  modification_time: Date;
}

/** A stored row that no Resource can be made of (written by hand or by a broken tool). */
export class CorruptResourceRowError extends KumaError {
  constructor(key: ResourceKey, what: string) {
    super('ERR_STORE_CORRUPT_ROW', `the stored resource ${describeKey(key)} cannot be read: ${what}; fix or delete the row in table resources`);
  }
}

export function rowToResource(row: ResourceRow): Resource {
  const key: ResourceKey = { type: row.type, mesh: row.mesh, name: row.name };
  let spec: unknown = {};
  if (row.spec !== null && row.spec !== '') {
    try {
      spec = JSON.parse(row.spec);
    } catch {
      throw new CorruptResourceRowError(key, 'spec is not valid JSON');
    }
  }
  if (!isObject(spec)) throw new CorruptResourceRowError(key, 'spec is not a JSON object');
  const labels: Record<string, string> = {};
  if (isObject(row.labels)) {
    for (const [k, v] of Object.entries(row.labels)) if (typeof v === 'string') labels[k] = v;
  }
  const resource: Resource = {
    type: row.type,
    meta: {
      name: row.name,
      mesh: row.mesh,
      version: String(row.version),
      creationTime: row.creation_time,
      modificationTime: row.modification_time,
      labels,
    },
    spec: spec as JsonObject,
  };
  const status = row.status as JsonValue | null | undefined;
  if (status !== undefined && status !== null && !(isObject(status) && Object.keys(status).length === 0)) resource.status = status;
  return resource;
}

export function specText(spec: JsonObject): string {
  return JSON.stringify(spec);
}

export function statusJson(status: JsonValue | undefined): string {
  return JSON.stringify(status ?? {});
}

export function labelsJson(labels: Record<string, string> | undefined): string {
  return JSON.stringify(labels ?? {});
}

/** An ISO-8601 UTC string for a timestamp parameter. */
export function timeParam(d: Date, what: string): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new InvalidStoreRequestError(`${what} is not a valid date`);
  return d.toISOString();
}

/** The integer a version string stands for, or undefined when it cannot be one of ours (→ conflict). */
export function parseVersion(version: string): number | undefined {
  if (!/^(0|[1-9]\d{0,9})$/.test(version)) return undefined;
  const n = Number(version);
  return n <= 2 ** 31 - 1 ? n : undefined;
}

/** `%`, `_` and `\` are LIKE wildcards/escape; a name filter must match them literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
