import { KumaError } from '../errors.js';
import type { ResourceTypeDescriptor } from './descriptor.js';
import type { JsonObject, JsonValue } from './json.js';
import { isObject } from './json.js';
import { DISPLAY_NAME_LABEL, K8S_NAMESPACE_LABEL, ZONE_LABEL } from './labels.js';
import type { ResourceRegistry } from './registry.js';
import type { Resource } from './resource.js';
import { ResourceValidationError } from './validation.js';

// The REST JSON envelope of Kuma (pkg/core/resources/model/rest): legacy types merge meta and spec at
// the top level; new-style ("plugin") types carry `spec` (and `status`) as nested objects.

const META_KEYS = new Set(['type', 'mesh', 'name', 'creationTime', 'modificationTime', 'labels', 'kri']);

/** A body the API cannot even parse (Kuma answers 400 "Bad Request" with this text as detail). */
export class InvalidResourceError extends KumaError {
  constructor(reason: string) {
    super('ERR_RESOURCE_MALFORMED', reason);
  }
}

/** Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros dropped, `Z` for UTC). */
export function formatKumaTime(d: Date): string {
  const iso = d.toISOString(); // always UTC, millisecond precision
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac === '' ? 'Z' : `.${frac}Z`));
}

/** Kuma Resource Identifier; '' when the type has no short name. */
export function kriOf(desc: ResourceTypeDescriptor, meta: { name: string; mesh: string; labels: Record<string, string> }): string {
  if (desc.shortName === '') return '';
  const mesh = desc.scope === 'mesh' ? meta.mesh : '';
  const zone = meta.labels[ZONE_LABEL] ?? '';
  const namespace = meta.labels[K8S_NAMESPACE_LABEL] ?? '';
  const name = meta.labels[DISPLAY_NAME_LABEL] || meta.name;
  return `kri_${desc.shortName}_${mesh}_${zone}_${namespace}_${name}_`;
}

/**
 * Labels with keys in byte order, as Go's encoding/json writes a map, so bodies and goldens do not
 * depend on insertion order. (JS objects list integer-like keys first whatever we do; label keys
 * of only digits are not valid label keys in practice.)
 */
export function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = labels[k] as string;
  return out;
}

/** The envelope's meta part (type, mesh, name, times, labels, kri), in Kuma's field order. */
export function metaEnvelope(desc: ResourceTypeDescriptor, r: Resource, type: string = desc.name): JsonObject {
  const out: JsonObject = { type };
  if (desc.scope === 'mesh' && r.meta.mesh !== '') out['mesh'] = r.meta.mesh;
  out['name'] = r.meta.name;
  out['creationTime'] = formatKumaTime(r.meta.creationTime);
  out['modificationTime'] = formatKumaTime(r.meta.modificationTime);
  if (Object.keys(r.meta.labels).length > 0) out['labels'] = sortedLabels(r.meta.labels);
  const kri = kriOf(desc, r.meta);
  if (kri !== '') out['kri'] = kri;
  return out;
}

/** The JSON object the API returns for one resource. */
export function toEnvelope(desc: ResourceTypeDescriptor, r: Resource): JsonObject {
  const out = metaEnvelope(desc, r);
  if (desc.isPluginOriginated) {
    out['spec'] = structuredClone(r.spec);
    if (desc.hasStatus && r.status !== undefined) out['status'] = structuredClone(r.status);
  } else {
    for (const [k, v] of Object.entries(r.spec)) if (!META_KEYS.has(k)) out[k] = structuredClone(v);
  }
  return out;
}

/** The list body: `{"total": n, "items": [...], "next": url|null}`. */
export function toListEnvelope(desc: ResourceTypeDescriptor, items: readonly Resource[], total: number, next: string | null): JsonObject {
  return { total, items: items.map((r) => toEnvelope(desc, r)), next };
}

/** What a request body says; times, kri and version are the server's business and are not read. */
export interface ParsedEnvelope {
  descriptor: ResourceTypeDescriptor;
  name: string;
  mesh: string;
  labels: Record<string, string>;
  spec: JsonObject;
  status?: JsonValue;
}

function goTypeOf(v: JsonValue): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;
}

function metaString(body: JsonObject, key: string): string {
  const v = body[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') {
    throw new InvalidResourceError(
      `invalid meta type: ${JSON.stringify(`json: cannot unmarshal ${goTypeOf(v)} into Go struct field ResourceMeta.${key} of type string`)}`,
    );
  }
  return v;
}

function metaLabels(body: JsonObject): Record<string, string> {
  const v = body['labels'];
  if (v === undefined || v === null) return {};
  const bad = (what: string): InvalidResourceError =>
    new InvalidResourceError(`invalid meta type: ${JSON.stringify(`json: cannot unmarshal ${what} into Go struct field ResourceMeta.labels of type ${isObject(v) ? 'string' : 'map[string]string'}`)}`);
  if (!isObject(v)) throw bad(goTypeOf(v));
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw bad(goTypeOf(val));
    out[k] = val;
  }
  return out;
}

/**
 * Read a request body (already JSON-decoded) into its descriptor and parts. `expectedType` is the type
 * the URL names, used when the body omits `type`.
 */
export function fromEnvelope(registry: ResourceRegistry, body: unknown, expectedType?: string): ParsedEnvelope {
  if (!isObject(body)) throw new InvalidResourceError(`invalid meta type: ${JSON.stringify(`json: cannot unmarshal ${goTypeOf(body as JsonValue)} into Go value of type v1alpha1.ResourceMeta`)}`);
  const type = metaString(body, 'type') || expectedType || '';
  const name = metaString(body, 'name');
  const mesh = metaString(body, 'mesh');
  const labels = metaLabels(body);
  const descriptor = registry.get(type);
  let spec: JsonObject;
  let status: JsonValue | undefined;
  if (descriptor.isPluginOriginated) {
    const raw = body['spec'];
    if (raw === undefined || raw === null) throw new ResourceValidationError([{ field: '', message: 'spec in body is required' }]);
    if (!isObject(raw)) throw new ResourceValidationError([{ field: '', message: `spec in body must be of type object: ${JSON.stringify(goTypeOf(raw) === 'bool' ? 'boolean' : goTypeOf(raw))}` }]);
    spec = structuredClone(raw);
    if (descriptor.hasStatus && body['status'] !== undefined) status = structuredClone(body['status']);
  } else {
    spec = {};
    const fields = descriptor.specFields;
    for (const [k, v] of Object.entries(body)) {
      if (META_KEYS.has(k) || v === undefined) continue;
      if (fields && !fields.includes(k)) continue; // unknown fields are dropped, as proto-JSON parsing does
      spec[k] = structuredClone(v);
    }
  }
  const reason = descriptor.parse?.(spec);
  if (reason !== undefined) throw new InvalidResourceError(`invalid ${descriptor.name} object: ${JSON.stringify(reason)}`);
  // `mesh` is kept as sent even for global types: the API compares it with the URL and reports a mismatch.
  const out: ParsedEnvelope = { descriptor, name, mesh, labels, spec };
  if (status !== undefined) out.status = status;
  return out;
}
