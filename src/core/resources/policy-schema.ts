import type { JsonValue } from './json.js';
import { isObject } from './json.js';
import { Violations } from './validation.js';

// A tiny structural-schema checker for new-style policies, producing kube-openapi's texts the way Kuma
// reports them: field `spec.from[0].default.action`, message `in body should be one of [Allow Deny]`.

export type Schema =
  | { type: 'string'; enum?: readonly string[] }
  | { type: 'boolean' }
  | { type: 'integer' }
  | { type: 'array'; items: Schema }
  | { type: 'object'; properties?: Record<string, Schema>; required?: readonly string[]; additional?: Schema };

function jsonTypeName(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number'; // Kuma's golden: a 2 is reported as "number"
  return typeof v; // string | boolean | object
}

function typeMatches(schema: Schema, v: JsonValue): boolean {
  switch (schema.type) {
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
  }
}

function check(schema: Schema, v: JsonValue, path: string, out: Violations): void {
  if (!typeMatches(schema, v)) {
    out.add(path, `in body must be of type ${schema.type}: ${JSON.stringify(jsonTypeName(v))}`);
    return;
  }
  if (schema.type === 'string' && schema.enum && !schema.enum.includes(v as string)) {
    out.add(path, `in body should be one of [${schema.enum.join(' ')}]`);
  } else if (schema.type === 'array') {
    (v as JsonValue[]).forEach((item, i) => check(schema.items, item, `${path}[${i}]`, out));
  } else if (schema.type === 'object' && isObject(v)) {
    for (const req of schema.required ?? []) if (v[req] === undefined) out.add(`${path}.${req}`, 'in body is required');
    for (const [k, child] of Object.entries(v)) {
      const s = schema.properties?.[k] ?? schema.additional;
      if (s && child !== undefined) check(s, child, `${path}.${k}`, out);
    }
  }
}

/** Check `spec` against `schema`; violations carry paths rooted at `spec`. */
export function checkSchema(schema: Schema, spec: JsonValue): Violations {
  const out = new Violations();
  check(schema, spec, 'spec', out);
  return out;
}

const str: Schema = { type: 'string' };
const stringMap: Schema = { type: 'object', additional: str };

/** The common TargetRef schema (api/common/v1alpha1). */
export const targetRefSchema: Schema = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: {
      type: 'string',
      enum: ['Mesh', 'MeshSubset', 'MeshGateway', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService', 'MeshServiceSubset', 'MeshHTTPRoute', 'Dataplane'],
    },
    labels: stringMap,
    mesh: str,
    name: str,
    namespace: str,
    proxyTypes: { type: 'array', items: { type: 'string', enum: ['Sidecar', 'Gateway'] } },
    sectionName: str,
    tags: stringMap,
  },
};
