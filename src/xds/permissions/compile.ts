/**
 * MeshTrafficPermission → per-inbound decisions for one Dataplane (Kuma's MTP plugin Apply, v2.14):
 *  - mesh mTLS off: MTP does not apply, everything is allowed (there is no client identity);
 *  - an inbound selected by policies with `rules[]`: matcher RBAC — every deny match of every
 *    policy first, then the allow and allowWithShadowDeny matches, default deny; `from[]` entries of
 *    policies on the same inbound are then ignored, as in Kuma;
 *  - else policies with `from[]`: subset rules (from-rules.ts), most specific first, the first rule
 *    whose tags hold for the client decides (Kuma's Rules.Compute);
 *  - else no policy: deny all.
 */
import { arrAt, isObject, objAt, SERVICE_TAG, strAt, stringMapAt, type JsonObject, type MtpAction } from '../../core/resources/index.js';
import type { Condition, DecisionRule, InboundPermissions, PermissionAction } from './decision.js';
import { buildFromRules, type FromItem } from './from-rules.js';
import { comparePolicies, inboundsOf, isShadowPolicy, selectedInbounds, type InboundRef, type PolicyLike } from './policy-selection.js';
import type { Subset, Tag } from './subset.js';


export interface PermissionsInput {
  mesh: { meta: { name: string }; spec: JsonObject };
  dataplane: { meta: { name: string; mesh: string; labels?: Record<string, string> }; spec: JsonObject };
  /** The mesh's MeshTrafficPermissions (any order; others are ignored). */
  policies: readonly PolicyLike[];
}

export interface CompileOptions {
  /** Kuma's grouping algorithm for `from[]` subsets (default true; false = KUMA_MESH_TRAFFIC_PERMISSION_DISABLE_CLIQUES_ALGORITHM=true). */
  useCliques?: boolean;
}

/** Everything a proxy needs to enforce MeshTrafficPermission on its inbounds. JSON-serializable. */
export interface DataplanePermissions {
  mesh: string;
  dataplane: string;
  mtlsEnabled: boolean;
  inbounds: InboundPermissions[];
}

const ACTIONS: Readonly<Record<string, PermissionAction>> = { Allow: 'allow', Deny: 'deny', AllowWithShadowDeny: 'allowWithShadowDeny' };

/** A `from[].targetRef` as the clients it names (Kuma's asSubset). */
export function fromSubset(ref: JsonObject): Subset | undefined {
  const tags = (r: JsonObject): Tag[] => Object.entries(stringMapAt(r, 'tags')).map(([key, value]) => ({ key, value, not: false }));
  switch (strAt(ref, 'kind')) {
    case 'Mesh':
      return [];
    case 'MeshSubset':
      return tags(ref);
    case 'MeshService':
      return [{ key: SERVICE_TAG, value: strAt(ref, 'name'), not: false }];
    case 'MeshServiceSubset':
      return [{ key: SERVICE_TAG, value: strAt(ref, 'name'), not: false }, ...tags(ref)];
    default:
      return undefined;
  }
}

/** A subset as conditions on the client certificate: the service tag by SPIFFE ID, other tags by kuma:// URI. */
function subsetConditions(mesh: string, subset: Subset): Condition[] {
  return subset.map((t): Condition => {
    const c: Condition = t.key === SERVICE_TAG ? { type: 'spiffeIdExact', value: `spiffe://${mesh}/${t.value}` } : { type: 'kumaTag', key: t.key, value: t.value };
    return t.not ? { ...c, not: true } : c;
  });
}

function fromDecisionRules(mesh: string, policies: readonly PolicyLike[], opts: CompileOptions): DecisionRule[] {
  const items: FromItem[] = [];
  for (const policy of policies) {
    for (const entry of arrAt(policy.spec, 'from')) {
      const subset = fromSubset(objAt(entry, 'targetRef') ?? {});
      const action = strAt(objAt(entry, 'default'), 'action');
      if (subset && action in ACTIONS) items.push({ subset, action: action as MtpAction, policy: policy.meta.name });
    }
  }
  // Kuma's rule order (most specific first) and first match decides, as its Rules.Compute and MADR 007
  // say. Kuma's Envoy RBAC instead ORs every Allow rule, which lets in clients a more specific Deny
  // names when cells of different groups overlap (see docs/differences.md); first match does not.
  return buildFromRules(items, opts.useCliques === undefined ? {} : { useCliques: opts.useCliques }).map(
    (r): DecisionRule => ({ action: ACTIONS[r.action] as PermissionAction, anyOf: [subsetConditions(mesh, r.subset)], origin: r.origin }),
  );
}

/** A `rules[].default.<list>` entry: spiffeID and SNI together are an AND; an entry with neither matches nothing. */
function matchConditions(match: JsonObject): Condition[] | undefined {
  const out: Condition[] = [];
  const spiffe = objAt(match, 'spiffeID');
  if (spiffe) out.push({ type: strAt(spiffe, 'type') === 'Prefix' ? 'spiffeIdPrefix' : 'spiffeIdExact', value: strAt(spiffe, 'value') });
  const sni = objAt(match, 'sni');
  if (sni) out.push({ type: 'sni', value: strAt(sni, 'value') });
  return out.length > 0 ? out : undefined;
}

function matchRule(action: PermissionAction, list: JsonObject | undefined, field: string, policy: string): DecisionRule[] {
  const anyOf = arrAt(list, field)
    .filter(isObject)
    .flatMap((m) => {
      const all = matchConditions(m);
      return all ? [all] : [];
    });
  return anyOf.length > 0 ? [{ action, anyOf, origin: [policy] }] : [];
}

function rulesDecisionRules(policies: readonly PolicyLike[]): DecisionRule[] {
  const entries = policies.flatMap((p) => arrAt(p.spec, 'rules').filter(isObject).map((rule) => ({ policy: p.meta.name, conf: objAt(rule, 'default') })));
  return [
    ...entries.flatMap((e) => matchRule('deny', e.conf, 'deny', e.policy)),
    ...entries.flatMap((e) => [...matchRule('allow', e.conf, 'allow', e.policy), ...matchRule('allowWithShadowDeny', e.conf, 'allowWithShadowDeny', e.policy)]),
  ];
}

function inboundDecision(mesh: string, inbound: InboundRef, policies: readonly PolicyLike[], opts: CompileOptions): InboundPermissions {
  const base = { inbound: inbound.key, address: inbound.address, port: inbound.port };
  const withRules = policies.filter((p) => arrAt(p.spec, 'rules').length > 0);
  if (withRules.length > 0) return { ...base, source: 'rules', rules: rulesDecisionRules(withRules), otherwise: 'deny' };
  if (policies.length > 0) return { ...base, source: 'from', rules: fromDecisionRules(mesh, policies, opts), otherwise: 'deny' };
  return { ...base, source: 'no-policy', rules: [], otherwise: 'deny' };
}

/** The permission decision of every inbound of the Dataplane. */
export function compileDataplanePermissions(input: PermissionsInput, opts: CompileOptions = {}): DataplanePermissions {
  const mesh = input.mesh.meta.name;
  const mtlsEnabled = strAt(objAt(input.mesh.spec, 'mtls'), 'enabledBackend') !== '';
  const inbounds = inboundsOf(input.dataplane);
  const out: DataplanePermissions = { mesh, dataplane: input.dataplane.meta.name, mtlsEnabled, inbounds: [] };
  if (!mtlsEnabled) {
    out.inbounds = inbounds.map((ib) => ({ inbound: ib.key, address: ib.address, port: ib.port, source: 'mtls-disabled', rules: [], otherwise: 'allow' }));
    return out;
  }
  const policies = input.policies.filter((p) => !isShadowPolicy(p) && p.meta.mesh === mesh).sort(comparePolicies);
  const byInbound = new Map<string, PolicyLike[]>(inbounds.map((ib) => [ib.key, []]));
  for (const policy of policies) {
    for (const ib of selectedInbounds(policy, input.dataplane, inbounds)) {
      const list = byInbound.get(ib.key);
      if (list && list[list.length - 1] !== policy) list.push(policy);
    }
  }
  const seen = new Set<string>();
  for (const ib of inbounds) {
    if (seen.has(ib.key)) continue; // two inbounds on one address:port share a listener, as in Kuma
    seen.add(ib.key);
    out.inbounds.push(inboundDecision(mesh, ib, byInbound.get(ib.key) ?? [], opts));
  }
  return out;
}
