import { createHash } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import type { ResourceTypeDescriptor } from '../../core/resources/descriptor.js';
import type { JsonObject, JsonValue } from '../../core/resources/json.js';
import { isObject } from '../../core/resources/json.js';
import { DeltaDiscoveryResponseSchema, KumaResourceSchema, type DeltaDiscoveryResponse, type KumaResource } from '../../gen/kuma/kds/v1/kds_pb.js';

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
 * An upper bound of the protobuf size of one `Resource` entry (every tag and length counted at its
 * largest, 6 bytes), from the UTF-8 lengths of its strings; used to cut responses well before they
 * approach the gRPC message limit.
 */
export function estimateResourceBytes(name: string, version: string, w: KumaResource): number {
  let n = 42 + Buffer.byteLength(name) + version.length + Buffer.byteLength(w.name) + Buffer.byteLength(w.mesh) + Buffer.byteLength(w.specJson);
  for (const k in w.labels) n += 18 + Buffer.byteLength(k) + Buffer.byteLength(w.labels[k] ?? '');
  return n;
}

/** A length-delimited field at its largest: tag, 5-byte length, the UTF-8 bytes. */
const field = (s: string): number => 6 + Buffer.byteLength(s);

/**
 * An upper bound of a response's protobuf size, computed from its strings without encoding it
 * (every tag and length counted at its largest).
 */
export function responseSizeBound(m: DeltaDiscoveryResponse): number {
  let n = field(m.systemVersionInfo) + field(m.typeUrl) + field(m.nonce) + 2;
  for (const r of m.resources) {
    n += 6 + field(r.name) + field(r.version);
    const w = r.resource;
    if (!w) continue;
    n += 6 + field(w.name) + field(w.mesh) + field(w.specJson);
    for (const k in w.labels) n += 6 + field(k) + field(w.labels[k] ?? '');
  }
  for (const name of m.removedResources) n += field(name);
  return n;
}

/**
 * The size to check a response against `limit`: the cheap bound when that is within the limit,
 * else the exact encoded size (encoding a large response twice, once to measure it, is costly).
 */
export function responseSizeAgainst(m: DeltaDiscoveryResponse, limit: number): number {
  const bound = responseSizeBound(m);
  return bound <= limit ? bound : toBinary(DeltaDiscoveryResponseSchema, m).byteLength;
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
