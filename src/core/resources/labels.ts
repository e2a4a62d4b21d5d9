import type { ResourceTypeDescriptor } from './descriptor.js';
import { KdsFlags, hasFlag } from './descriptor.js';
import { dataplaneListenerKinds, dataplaneProxyType } from './dataplane.js';
import type { JsonObject } from './json.js';
import { sortedKeys } from './json.js';
import { FieldPath, Violations } from './validation.js';

// Computed labels (Kuma pkg/core/resources/labels/compute.go) and the k8s label syntax the API checks.

export const MESH_LABEL = 'kuma.io/mesh';
export const ORIGIN_LABEL = 'kuma.io/origin';
export const ZONE_LABEL = 'kuma.io/zone';
export const ENV_LABEL = 'kuma.io/env';
export const PROXY_TYPE_LABEL = 'kuma.io/proxy-type';
export const LISTENER_ZONE_INGRESS_LABEL = 'kuma.io/listener-zoneingress';
export const LISTENER_ZONE_EGRESS_LABEL = 'kuma.io/listener-zoneegress';
export const DISPLAY_NAME_LABEL = 'kuma.io/display-name';
export const K8S_NAMESPACE_LABEL = 'k8s.kuma.io/namespace';
export const POLICY_ROLE_LABEL = 'kuma.io/policy-role';
export const KDS_SYNC_LABEL = 'kuma.io/kds-sync';
export const DEFAULT_MESH = 'default';

export type CpMode = 'zone' | 'global';

export interface LabelContext {
  mode: CpMode;
  /** The zone's name (zone mode). */
  zone?: string;
  /** Kubernetes environment (`kuma.io/env: kubernetes`); universal otherwise. */
  isK8s?: boolean;
}

/**
 * Labels a resource gets on create/update: the user's labels plus the computed ones (existing values win
 * where Kuma uses "set if absent"; proxy labels are always recomputed).
 */
export function computeLabels(
  desc: ResourceTypeDescriptor,
  spec: JsonObject,
  existing: Record<string, string>,
  mesh: string,
  ctx: LabelContext,
): Record<string, string> {
  const labels: Record<string, string> = { ...existing };
  const setIfAbsent = (k: string, v: string): void => {
    if (!(k in labels)) labels[k] = v;
  };
  if (desc.scope === 'mesh') setIfAbsent(MESH_LABEL, mesh === '' ? DEFAULT_MESH : mesh);
  if (ctx.mode === 'zone' && hasFlag(desc.kdsFlags, KdsFlags.ProvidedByZone)) {
    setIfAbsent(ORIGIN_LABEL, 'zone');
    if (labels[ORIGIN_LABEL] !== 'global') {
      setIfAbsent(ZONE_LABEL, ctx.zone ?? '');
      setIfAbsent(ENV_LABEL, ctx.isK8s ? 'kubernetes' : 'universal');
    }
  }
  if (desc.isProxy && desc.name === 'Dataplane') {
    labels[PROXY_TYPE_LABEL] = dataplaneProxyType(spec);
    const { ingress, egress } = dataplaneListenerKinds(spec);
    if (ingress) labels[LISTENER_ZONE_INGRESS_LABEL] = 'enabled';
    else delete labels[LISTENER_ZONE_INGRESS_LABEL];
    if (egress) labels[LISTENER_ZONE_EGRESS_LABEL] = 'enabled';
    else delete labels[LISTENER_ZONE_EGRESS_LABEL];
  }
  return labels;
}

const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** k8s IsQualifiedName. */
export function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) errs.push(`prefix part ${DNS1123_SUBDOMAIN_MSG}`);
    }
  } else {
    return [`a valid label key ${QUALIFIED_NAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${QUALIFIED_NAME_MSG}`);
  return errs;
}

/** k8s IsValidLabelValue. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE_RE.test(value)) errs.push(LABEL_VALUE_MSG);
  return errs;
}

/** Every label key must be a qualified name and every value a label value; fields `labels["k"]`, keys sorted. */
export function validateLabelSyntax(labels: Record<string, string>): Violations {
  const v = new Violations();
  for (const k of sortedKeys(labels)) {
    const at = FieldPath.at('labels').key(k);
    for (const msg of labelKeyErrors(k)) v.add(at, msg);
    for (const msg of labelValueErrors(labels[k] ?? '')) v.add(at, msg);
  }
  return v;
}
