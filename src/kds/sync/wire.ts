import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import type { ResourceTypeDescriptor } from '../../core/resources/descriptor.js';
import type { JsonObject, JsonValue } from '../../core/resources/json.js';
import { isObject } from '../../core/resources/json.js';
import { KumaResourceSchema, type KumaResource } from '../../gen/kuma/kds/v1/kds_pb.js';

// The KumaResource wire form: canonical JSON (so equal content always has equal bytes and an equal
// version), content versions, size estimates for chunking, and decoding with the REST parser's rules.

/** JSON with object keys sorted at every level: equal content, equal text. */
export function canonicalJson(v: JsonValue | undefined): string {
  if (v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const x = v[k];
      if (x !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(x)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}

function sortedEntries(labels: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The wire form of a resource (labels copied in key order, spec as canonical JSON). */
export function toKumaResource(r: { name: string; mesh: string; labels: Readonly<Record<string, string>>; spec: JsonObject }): KumaResource {
  return create(KumaResourceSchema, {
    name: r.name,
    mesh: r.mesh,
    labels: Object.fromEntries(sortedEntries(r.labels)),
    specJson: canonicalJson(r.spec),
  });
}

/** Content hash of a wire resource: unchanged content keeps its version across restarts and peers. */
export function contentVersion(w: KumaResource): string {
  const h = createHash('sha256');
  h.update(w.name).update('\0').update(w.mesh).update('\0');
  for (const [k, v] of sortedEntries(w.labels)) h.update(k).update('=').update(v).update('\0');
  h.update(w.specJson);
  return h.digest('base64url').slice(0, 22);
}

/**
 * An upper bound of the protobuf size of one `Resource` entry (tags, lengths, map entries), from the
 * UTF-8 lengths of its strings; used to cut responses before they approach the gRPC message limit.
 */
export function estimateResourceBytes(name: string, version: string, w: KumaResource): number {
  let n = 16 + Buffer.byteLength(name) + version.length + Buffer.byteLength(w.name) + Buffer.byteLength(w.mesh) + Buffer.byteLength(w.specJson);
  for (const k in w.labels) n += 12 + Buffer.byteLength(k) + Buffer.byteLength(w.labels[k] ?? '');
  return n;
}

/** Labels equal as maps. */
export function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * The spec of a wire resource, read with the rules the REST API applies to a body: a JSON object;
 * legacy types keep only their known top-level fields (as proto-JSON parsing drops unknown ones);
 * proto shape errors (bad base64, wrong scalar types) are reported as Kuma words them.
 */
export function decodeWireSpec(desc: ResourceTypeDescriptor, specJson: string): { spec: JsonObject } | { error: string } {
  let parsed: unknown;
  try {
    parsed = specJson === '' ? {} : JSON.parse(specJson);
  } catch {
    return { error: 'spec_json is not valid JSON' };
  }
  if (!isObject(parsed)) return { error: 'spec_json must be a JSON object' };
  let spec: JsonObject = parsed;
  const fields = desc.specFields;
  if (fields) {
    spec = {};
    for (const [k, v] of Object.entries(parsed)) if (fields.includes(k)) spec[k] = v;
  }
  const reason = desc.parse?.(spec);
  if (reason !== undefined) return { error: `invalid ${desc.name} object: ${JSON.stringify(reason)}` };
  return { spec };
}
