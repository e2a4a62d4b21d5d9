/**
 * Which MeshTrafficPermissions select which inbounds of a Dataplane, and in which order they apply
 * (Kuma pkg/plugins/policies/core/matchers/dataplane.go: DppSelectedByPolicy and SortByTargetRef).
 * Only sidecar inbounds carry permissions: builtin gateways and zone proxies are not covered here.
 */
import { arrAt, compareBytes, isObject, objAt, SERVICE_TAG, strAt, stringMapAt, uintAt, type JsonObject } from '../../core/resources/index.js';

export interface PolicyLike {
  meta: { name: string; mesh: string; labels?: Record<string, string> };
  spec: JsonObject;
}

export interface InboundRef {
  /** `<address>:<port>`, Kuma's InboundListener. */
  key: string;
  address: string;
  port: number;
  tags: Record<string, string>;
  /** The inbound's `name`, else its port as text (Kuma's GetSectionName). */
  sectionName: string;
}

interface DataplaneInput {
  meta: { name: string; labels?: Record<string, string> };
  spec: JsonObject;
}

const ORIGIN_LABEL = 'kuma.io/origin';
const ZONE_LABEL = 'kuma.io/zone';
const ROLE_LABEL = 'kuma.io/policy-role';
const NAMESPACE_LABEL = 'k8s.kuma.io/namespace';
const DISPLAY_NAME_LABEL = 'kuma.io/display-name';
const EFFECT_LABEL = 'kuma.io/effect';

const KIND_ORDER: Readonly<Record<string, number>> = {
  Mesh: 1,
  Dataplane: 2,
  MeshSubset: 3,
  MeshGateway: 4,
  MeshService: 5,
  MeshExternalService: 6,
  MeshMultiZoneService: 7,
  MeshServiceSubset: 8,
  MeshHTTPRoute: 9,
};
const ORIGIN_ORDER: Readonly<Record<string, number>> = { global: 1, '': 2, zone: 3 };
const ROLE_ORDER: Readonly<Record<string, number>> = { system: 1, producer: 2, consumer: 3, 'workload-owner': 4 };

/** Every sidecar inbound of the Dataplane (none for a gateway). */
export function inboundsOf(dataplane: DataplaneInput): InboundRef[] {
  const networking = objAt(dataplane.spec, 'networking');
  if (objAt(networking, 'gateway')) return [];
  const dpAddress = strAt(networking, 'address');
  return arrAt(networking, 'inbound')
    .filter(isObject)
    .map((ib) => {
      const address = strAt(ib, 'address') || dpAddress;
      const port = uintAt(ib, 'port');
      return { key: `${address}:${port}`, address, port, tags: stringMapAt(ib, 'tags'), sectionName: strAt(ib, 'name') || String(port) };
    });
}

/** The policy's top-level targetRef; absent means `kind: Mesh`. */
export function topTargetRef(policy: PolicyLike): JsonObject {
  return objAt(policy.spec, 'targetRef') ?? { kind: 'Mesh' };
}

const roleOf = (p: PolicyLike): string => p.meta.labels?.[ROLE_LABEL] || 'system';

function selectedByZone(policy: PolicyLike, dp: DataplaneInput): boolean {
  if (roleOf(policy) === 'producer') return true;
  const dpOrigin = dp.meta.labels?.[ORIGIN_LABEL];
  if (dpOrigin === undefined || dpOrigin === 'global') return true;
  if (policy.meta.labels?.[ORIGIN_LABEL] !== 'zone') return true;
  const zone = policy.meta.labels[ZONE_LABEL];
  return zone === undefined || dp.meta.labels?.[ZONE_LABEL] === zone;
}

function selectedByNamespace(policy: PolicyLike, dp: DataplaneInput): boolean {
  const role = roleOf(policy);
  if (role !== 'consumer' && role !== 'workload-owner') return true;
  const ns = policy.meta.labels?.[NAMESPACE_LABEL];
  return ns !== undefined && ns === dp.meta.labels?.[NAMESPACE_LABEL];
}

/** Kuma's TagSelector.Matches: every selector tag present with the same value, or `*`. */
export function tagsMatch(selector: Record<string, string>, tags: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => k in tags && (v === '*' || tags[k] === v));
}

function supportsSidecar(ref: JsonObject): boolean {
  const types = arrAt(ref, 'proxyTypes');
  return types.length === 0 || types.includes('Sidecar');
}

/** The inbounds of `dp` the policy's top-level targetRef selects (Kuma's DppSelectedByPolicy, sidecars). */
export function selectedInbounds(policy: PolicyLike, dp: DataplaneInput, inbounds: readonly InboundRef[]): InboundRef[] {
  if (!selectedByZone(policy, dp) || !selectedByNamespace(policy, dp)) return [];
  const ref = topTargetRef(policy);
  const name = strAt(ref, 'name');
  const byTags = (selector: Record<string, string>): InboundRef[] => inbounds.filter((ib) => tagsMatch(selector, ib.tags));
  switch (strAt(ref, 'kind')) {
    case 'Mesh':
      return supportsSidecar(ref) ? [...inbounds] : [];
    case 'MeshSubset':
      return supportsSidecar(ref) ? byTags(stringMapAt(ref, 'tags')) : [];
    case 'MeshService':
      return byTags({ [SERVICE_TAG]: name });
    case 'MeshServiceSubset':
      return byTags({ ...stringMapAt(ref, 'tags'), [SERVICE_TAG]: name });
    case 'Dataplane': {
      const namespace = strAt(ref, 'namespace');
      const labels = ref['labels'];
      const all = name === '' && namespace === '' && (labels === undefined || labels === null);
      const byName = name !== '' && name === dp.meta.name && (namespace === '' || namespace === dp.meta.labels?.[NAMESPACE_LABEL]);
      const byLabels = isObject(labels) && tagsMatch(stringMapAt(ref, 'labels'), dp.meta.labels ?? {});
      if (!all && !byName && !byLabels) return [];
      const section = strAt(ref, 'sectionName');
      return inbounds.filter((ib) => section === '' || ib.sectionName === section);
    }
    default:
      return [];
  }
}

/** Kuma's CompareDataplaneKind: name beats labels, a sectionName beats none. */
function compareDataplaneKind(a: JsonObject, b: JsonObject): number {
  if (strAt(a, 'kind') !== 'Dataplane' || strAt(b, 'kind') !== 'Dataplane') return 0;
  const byName = (r: JsonObject): boolean => strAt(r, 'name') !== '';
  const byLabels = (r: JsonObject): boolean => r['labels'] !== undefined && r['labels'] !== null;
  if (byName(a) && byLabels(b)) return 1;
  if (byLabels(a) && byName(b)) return -1;
  const sa = strAt(a, 'sectionName') !== '';
  const sb = strAt(b, 'sectionName') !== '';
  return sa === sb ? 0 : sa ? 1 : -1;
}

const displayName = (p: PolicyLike): string => p.meta.labels?.[DISPLAY_NAME_LABEL] || p.meta.name;

/** Kuma's SortByTargetRef: less specific first, so later policies override earlier ones. */
export function comparePolicies(a: PolicyLike, b: PolicyLike): number {
  const ra = topTargetRef(a);
  const rb = topTargetRef(b);
  return (
    (KIND_ORDER[strAt(ra, 'kind')] ?? 0) - (KIND_ORDER[strAt(rb, 'kind')] ?? 0) ||
    compareDataplaneKind(ra, rb) ||
    (ORIGIN_ORDER[a.meta.labels?.[ORIGIN_LABEL] ?? ''] ?? 0) - (ORIGIN_ORDER[b.meta.labels?.[ORIGIN_LABEL] ?? ''] ?? 0) ||
    (ROLE_ORDER[roleOf(a)] ?? 0) - (ROLE_ORDER[roleOf(b)] ?? 0) ||
    compareBytes(displayName(b), displayName(a))
  );
}

/** Policies marked `kuma.io/effect: shadow` are being tried out and do not apply (Kuma skips them). */
export const isShadowPolicy = (p: PolicyLike): boolean => p.meta.labels?.[EFFECT_LABEL] === 'shadow';
