import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { KdsFlags, hasFlag } from '../core/resources/descriptor.js';
import { DISPLAY_NAME_LABEL, MESH_LABEL, ORIGIN_LABEL, ZONE_LABEL, validateLabelSyntax, type CpMode, type LabelContext } from '../core/resources/labels.js';
import { validateMeta } from '../core/resources/meta-rules.js';
import { FieldPath, Violations, type Violation } from '../core/resources/validation.js';

// The API's own checks on a PUT (Kuma resource_endpoints.go validateResourceRequest / validateLabels /
// validateImmutableLabels) and which types the API may not write at all (read-only → 405).

/** The facts about this control plane the write rules depend on. */
export interface CpFacts {
  /** `zone` or `global` (Kuma's mode; anything else reads as zone). */
  mode: string;
  zone: string;
  /** A zone CP connected to a global CP. */
  federatedZone: boolean;
  disableOriginLabelValidation: boolean;
  /** apiServer.readOnly. */
  readOnly: boolean;
}

export function cpFactsOf(cfg: KumaCpConfig): CpFacts {
  return {
    mode: cfg.mode,
    zone: cfg.multizone.zone.name,
    federatedZone: cfg.mode === 'zone' && cfg.multizone.zone.globalAddress !== '',
    disableOriginLabelValidation: cfg.multizone.zone.disableOriginLabelValidation,
    readOnly: cfg.apiServer.readOnly,
  };
}

export function labelContextOf(cp: CpFacts): LabelContext {
  const mode: CpMode = cp.mode === 'global' ? 'global' : 'zone';
  return { mode, zone: cp.zone, isK8s: false };
}

const GLOBAL_READ_ONLY =
  "On global control plane you can not modify dataplane resources with 'kumactl apply' or via the HTTP API. You can still use 'kumactl' or the HTTP API to modify them on the zone control plane.\n";
const ZONE_READ_ONLY =
  "On zone control plane you can only modify zone resources with 'kumactl apply' or via the HTTP API. You can still use 'kumactl' or the HTTP API to modify the rest of the resource on the global control plane.\n";
const OTHER_READ_ONLY =
  "On Kubernetes you cannot change the state of Kuma resources with 'kumactl apply' or via the HTTP API. As a best practice, you should always be using 'kubectl apply' instead. You can still use 'kumactl' or the HTTP API to make read-only operations. On Universal this limitation does not apply.\n";

/** Kuma's 405 detail, chosen by CP mode only. */
export function readOnlyMessage(cp: CpFacts): string {
  if (cp.mode === 'global') return GLOBAL_READ_ONLY;
  if (cp.mode === 'zone') return ZONE_READ_ONLY;
  return OTHER_READ_ONLY;
}

/** PUT and DELETE answer 405 for this type. */
export function isReadOnlyType(cp: CpFacts, desc: ResourceTypeDescriptor): boolean {
  if (cp.readOnly || desc.readOnly) return true;
  if (cp.mode === 'global' && !hasFlag(desc.kdsFlags, KdsFlags.ProvidedByGlobal)) return true;
  return cp.federatedZone && !hasFlag(desc.kdsFlags, KdsFlags.ProvidedByZone);
}

/** What the body says about itself (type is '' when absent). */
export interface BodyMeta {
  type: string;
  name: string;
  mesh: string;
  labels: Record<string, string>;
}

/** Origin rules for writing a resource with these labels (also re-checked on delete). */
export function validateOriginForWrite(cp: CpFacts, desc: ResourceTypeDescriptor, labels: Record<string, string>): Violation[] {
  const v = new Violations();
  const origin = labels[ORIGIN_LABEL];
  const at = FieldPath.root().key(ORIGIN_LABEL);
  if (!cp.disableOriginLabelValidation && cp.mode === 'global' && origin !== undefined && origin !== 'global') {
    v.add(at, "the origin label must be set to 'global'");
  }
  if (!cp.disableOriginLabelValidation && cp.federatedZone && desc.isPluginOriginated && origin !== 'zone') {
    v.add(at, "the origin label must be set to 'zone'");
  }
  return v.list;
}

function validateLabels(cp: CpFacts, desc: ResourceTypeDescriptor, meta: BodyMeta): Violations {
  const v = new Violations();
  const origin = meta.labels[ORIGIN_LABEL];
  if (origin !== undefined && origin !== 'global' && origin !== 'zone') v.add(FieldPath.root().key(ORIGIN_LABEL), `unknown resource origin ${JSON.stringify(origin)}`);
  v.addAt('', validateOriginForWrite(cp, desc, meta.labels));
  if (cp.mode !== 'global' && origin !== 'global') {
    const zone = meta.labels[ZONE_LABEL];
    if (zone !== undefined && zone !== cp.zone) v.add(FieldPath.root().key(ZONE_LABEL), `${ZONE_LABEL} label should have ${cp.zone} value`);
    const mesh = meta.labels[MESH_LABEL];
    if (mesh !== undefined && mesh !== meta.mesh) v.add(FieldPath.root().key(MESH_LABEL), `${MESH_LABEL} label must not differ from mesh set on resource`);
  }
  // Kuma prints these as `labels["k"]` (its own key syntax check nests under "labels").
  v.addAt('', validateLabelSyntax(meta.labels).list.map((x) => ({ field: x.field.replace(/^labels/, ''), message: x.message })));
  return v;
}

/** URL/body agreement, labels and meta rules, in Kuma's order, all in one list. */
export function validateResourceRequest(cp: CpFacts, desc: ResourceTypeDescriptor, urlName: string, urlMesh: string, meta: BodyMeta): Violation[] {
  const v = new Violations();
  if (urlName !== meta.name) v.add('name', 'name from the URL has to be the same as in body');
  if (cp.federatedZone && Buffer.byteLength(`${cp.zone}.${urlName}`) >= 253) v.add('name', 'the length of the name must be shorter');
  if (desc.name !== meta.type) v.add('type', 'type from the URL has to be the same as in body');
  if (desc.scope === 'mesh' && urlMesh !== meta.mesh) v.add('mesh', 'mesh from the URL has to be the same as in body');
  v.addAt('labels', validateLabels(cp, desc, meta));
  v.addAt('', validateMeta({ name: meta.name, mesh: meta.mesh }, desc.scope));
  return v.list;
}

const IMMUTABLE_LABELS = [ORIGIN_LABEL, ZONE_LABEL, DISPLAY_NAME_LABEL];

/** Computed labels that may not change on update (fields `labels["k"]`). */
export function validateImmutableLabels(current: Record<string, string>, next: Record<string, string>): Violation[] {
  const v = new Violations();
  for (const label of IMMUTABLE_LABELS) {
    const cur = current[label];
    const nxt = next[label];
    if (cur === undefined) continue;
    const at = FieldPath.at('labels').key(label);
    if (nxt === undefined) v.add(at, `is immutable, cannot be removed (was ${JSON.stringify(cur)})`);
    else if (cur !== nxt) v.add(at, `is immutable, cannot be changed from ${JSON.stringify(cur)} to ${JSON.stringify(nxt)}`);
  }
  return v.list;
}
