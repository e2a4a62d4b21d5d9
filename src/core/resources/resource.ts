import type { JsonObject, JsonValue } from './json.js';

/** Mesh-scoped resources live inside a mesh; global-scoped ones (Mesh, Zone, GlobalSecret) do not. */
export type ResourceScope = 'mesh' | 'global';

/**
 * What the store keeps beside the spec. `mesh` is '' for global-scoped types (as in Kuma's store and
 * its `mesh=""` error texts); `version` is opaque (memory: "1","2",…; Postgres: "0","1",…).
 */
export interface ResourceMeta {
  name: string;
  mesh: string;
  version: string;
  creationTime: Date;
  modificationTime: Date;
  labels: Record<string, string>;
}

/** A resource as the core and the store see it. `status` only for types that have one. */
export interface Resource<S extends JsonObject = JsonObject> {
  type: string;
  meta: ResourceMeta;
  spec: S;
  status?: JsonValue;
}

/** Identity of a stored resource. */
export interface ResourceKey {
  type: string;
  mesh: string;
  name: string;
}

export function keyOf(r: { type: string; meta: { mesh: string; name: string } }): ResourceKey {
  return { type: r.type, mesh: r.meta.mesh, name: r.meta.name };
}

/** `type="Mesh" name="x" mesh=""`, the tail of Kuma's store error texts. */
export function describeKey(k: ResourceKey): string {
  return `type=${JSON.stringify(k.type)} name=${JSON.stringify(k.name)} mesh=${JSON.stringify(k.mesh)}`;
}

/** A fresh copy of Go's zero time (`0001-01-01T00:00:00Z`), used when a timestamp was never set. */
export function zeroTime(): Date {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  return d;
}
