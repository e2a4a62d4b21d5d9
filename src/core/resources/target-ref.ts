import type { JsonObject } from './json.js';
import { arrAt, has, objAt, strAt, stringMapAt } from './json.js';
import { dns1123SubdomainErrors, spiffeIdError } from './net-rules.js';
import { validateSelector, validateTags } from './tags.js';
import { FieldPath, Violations } from './validation.js';

// Kuma ValidateTargetRef / ValidateMatch (pkg/core/resources/apis/mesh/validators.go) for new policies.

export type TargetRefKind =
  | 'Mesh'
  | 'MeshSubset'
  | 'MeshGateway'
  | 'MeshService'
  | 'MeshExternalService'
  | 'MeshMultiZoneService'
  | 'MeshServiceSubset'
  | 'MeshHTTPRoute'
  | 'Dataplane';

export interface TargetRefOptions {
  supportedKinds: readonly TargetRefKind[];
  isInboundPolicy?: boolean;
}

const NAME_CHARS = /^[0-9a-z.\-_]*$/;

function isSet(ref: JsonObject, field: string): boolean {
  const x = ref[field];
  if (typeof x === 'string') return x !== '';
  if (Array.isArray(x)) return x.length > 0;
  if (typeof x === 'object' && x !== null) return Object.keys(x).length > 0;
  return false;
}

export function validateTargetRef(ref: JsonObject, opts: TargetRefOptions): Violations {
  const v = new Violations();
  const kind = strAt(ref, 'kind');
  if (kind === '') return v.add('kind', 'must be defined');
  if (!(opts.supportedKinds as readonly string[]).includes(kind)) return v.add('kind', `value '${kind}' is not supported`);

  const disallow = (...fields: string[]): void => {
    for (const f of fields) if (isSet(ref, f)) v.add(f, `must not be set with kind ${kind}`);
  };
  const name = strAt(ref, 'name');
  const namespace = strAt(ref, 'namespace');
  const hasLabels = Object.keys(stringMapAt(ref, 'labels')).length > 0;
  const validName = (): void => {
    if (!NAME_CHARS.test(name)) v.add('name', "invalid characters: must consist of lower case alphanumeric characters, '-', '.' and '_'.");
  };
  const proxyTypes = (): void => {
    if (has(ref, 'proxyTypes') && arrAt(ref, 'proxyTypes').length === 0) v.add('proxyTypes', 'must be undefined or have at least one element');
  };
  const nameOrLabels = (labelsMsg: string): void => {
    if (!hasLabels && name === '') v.add('', `name or labels must be set when kind is ${kind}`);
    if (hasLabels && (name !== '' || namespace !== '')) v.add('labels', labelsMsg);
  };

  switch (kind) {
    case 'Mesh':
      if (name !== '') v.add('name', `using name with kind ${kind} is not yet supported`);
      disallow('mesh', 'tags', 'labels', 'namespace', 'sectionName');
      proxyTypes();
      break;
    case 'Dataplane':
      disallow('tags', 'mesh', 'proxyTypes');
      if (hasLabels && (name !== '' || namespace !== '')) v.add('labels', 'either labels or name and namespace must be specified');
      if (!opts.isInboundPolicy && strAt(ref, 'sectionName') !== '') v.add('sectionName', 'can only be used with inbound policies');
      break;
    case 'MeshSubset':
      disallow('name', 'mesh');
      v.addAt('', validateTags(FieldPath.at('tags'), stringMapAt(ref, 'tags')));
      disallow('labels', 'namespace', 'sectionName');
      proxyTypes();
      break;
    case 'MeshService':
      validName();
      disallow('mesh', 'tags', 'proxyTypes');
      nameOrLabels('either labels or name and namespace must be specified');
      break;
    case 'MeshHTTPRoute':
      validName();
      disallow('mesh', 'tags', 'proxyTypes', 'sectionName');
      nameOrLabels('either labels or name and namespace must be specified');
      break;
    case 'MeshServiceSubset':
    case 'MeshGateway':
      if (name === '') v.add('name', `must be set when kind is ${kind}`);
      validName();
      disallow('mesh', 'proxyTypes');
      v.addAt('', validateSelector(FieldPath.at('tags'), stringMapAt(ref, 'tags')));
      if (kind === 'MeshGateway') disallow('tags');
      disallow('labels', 'namespace', 'sectionName');
      break;
    case 'MeshExternalService':
      validName();
      disallow('mesh', 'tags', 'proxyTypes');
      nameOrLabels('either labels or name must be specified');
      disallow('sectionName');
      break;
  }
  return v;
}

/** A `rules[].default.{allow,deny,allowWithShadowDeny}[]` match: a SPIFFE ID or an SNI. */
export function validateMatch(match: JsonObject): Violations {
  const v = new Violations();
  const spiffe = objAt(match, 'spiffeID');
  if (spiffe) {
    const err = spiffeIdError(strAt(spiffe, 'value'));
    if (err) v.add('spiffeID', `must be a valid Spiffe ID: ${err}`);
  }
  const sni = objAt(match, 'sni');
  if (sni) {
    const type = strAt(sni, 'type');
    if (type === '') v.add('sni.type', 'must be set');
    else if (type !== 'Exact') v.add('sni.type', `unrecognized type ${JSON.stringify(type)}, supported values are: Exact`);
    const value = strAt(sni, 'value');
    if (value === '') v.add('sni.value', 'must be set');
    else for (const e of dns1123SubdomainErrors(value)) v.add('sni.value', e);
  }
  return v;
}
