import type { JsonObject } from './json.js';
import { arrAt, has, isObject, objAt, strAt } from './json.js';
import type { Schema } from './policy-schema.js';
import { checkSchema, targetRefSchema } from './policy-schema.js';
import { validateMatch, validateTargetRef } from './target-ref.js';
import { FieldPath, Violations } from './validation.js';

// MeshTrafficPermission (Kuma 2.14: `from` still present, `rules` for SPIFFE identities).
// Validation: pkg/plugins/policies/meshtrafficpermission/api/v1alpha1/validator.go.

export const MTP_ACTIONS = ['Allow', 'Deny', 'AllowWithShadowDeny'] as const;
export type MtpAction = (typeof MTP_ACTIONS)[number];

const matchSchema: Schema = {
  type: 'object',
  properties: {
    sni: { type: 'object', required: ['type', 'value'], properties: { type: { type: 'string', enum: ['Exact'] }, value: { type: 'string' } } },
    spiffeID: {
      type: 'object',
      required: ['type', 'value'],
      properties: { type: { type: 'string', enum: ['Exact', 'Prefix'] }, value: { type: 'string' } },
    },
  },
};
const matches: Schema = { type: 'array', items: matchSchema };

export const mtpSchema: Schema = {
  type: 'object',
  properties: {
    targetRef: targetRefSchema,
    from: {
      type: 'array',
      items: {
        type: 'object',
        required: ['targetRef'],
        properties: {
          targetRef: targetRefSchema,
          default: { type: 'object', properties: { action: { type: 'string', enum: MTP_ACTIONS } } },
        },
      },
    },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: { default: { type: 'object', properties: { allow: matches, allowWithShadowDeny: matches, deny: matches } } },
      },
    },
  },
};

function validateFrom(from: JsonObject[]): Violations {
  const v = new Violations();
  from.forEach((item, i) => {
    const at = FieldPath.at('from').index(i);
    v.addAt(
      at.field('targetRef'),
      validateTargetRef(objAt(item, 'targetRef') ?? {}, { supportedKinds: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset'] }),
    );
    if (strAt(objAt(item, 'default'), 'action') === '') v.add(at.field('default').field('action'), 'must be defined');
  });
  return v;
}

const MATCH_LISTS = ['allow', 'allowWithShadowDeny', 'deny'] as const;

function validateRules(rules: JsonObject[]): Violations {
  const v = new Violations();
  rules.forEach((rule, i) => {
    const at = FieldPath.at('rules').index(i);
    const def = objAt(rule, 'default');
    if (MATCH_LISTS.every((l) => arrAt(def, l).length === 0)) v.add(at, "at least one of 'allow', 'allowWithShadowDeny', 'deny' has to be defined");
    for (const list of MATCH_LISTS) {
      arrAt(def, list).forEach((m, j) => v.addAt(at.field(list).index(j), validateMatch(isObject(m) ? m : {})));
    }
  });
  return v;
}

/** Schema check first (a failure stops there, as Kuma's unmarshaller does), then the semantic rules. */
export function validateMeshTrafficPermissionSpec(spec: JsonObject): Violations {
  const schema = checkSchema(mtpSchema, spec);
  if (!schema.ok) return schema;
  const v = new Violations();
  const path = FieldPath.at('spec');
  const from = arrAt(spec, 'from').filter(isObject);
  const rules = arrAt(spec, 'rules').filter(isObject);
  const targetRef = objAt(spec, 'targetRef');
  if (targetRef) {
    v.addAt(
      path.field('targetRef'),
      validateTargetRef(targetRef, {
        supportedKinds: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
        isInboundPolicy: from.length > 0 || rules.length > 0,
      }),
    );
  }
  if (from.length > 0 && rules.length > 0) v.add(path, "field 'from' must be empty when 'rules' is defined");
  if (from.length === 0 && rules.length === 0) v.add(path, "at least one of 'from' or 'rules' has to be defined");
  v.addAt(path, validateRules(rules));
  v.addAt(path, validateFrom(from));
  return v;
}

/** Deprecation warnings Kuma returns with a successful write. */
export function meshTrafficPermissionDeprecations(spec: JsonObject): string[] {
  const out: string[] = [];
  const from = arrAt(spec, 'from');
  if (from.length > 0) out.push("'from' field is deprecated and will be removed in 3.0, use 'rules' with MeshIdentity (spiffeId) instead");
  for (const f of from) {
    if (strAt(objAt(f, 'targetRef'), 'kind') === 'MeshService') {
      out.push("MeshService value for 'from[].targetRef.kind' is deprecated, use MeshSubset with 'kuma.io/service' instead");
    }
  }
  const topKind = has(spec, 'targetRef') ? strAt(objAt(spec, 'targetRef'), 'kind') : '';
  if (['MeshService', 'MeshServiceSubset', 'MeshSubset'].includes(topKind)) {
    out.push(`${topKind} value for 'targetRef.kind' is deprecated, use Dataplane with labels instead`);
  } else if (topKind === 'MeshHTTPRoute') {
    out.push("MeshHTTPRoute value for 'targetRef.kind' is deprecated, use MeshHTTPRoute in spec.to[].targetRef");
  }
  return out;
}
