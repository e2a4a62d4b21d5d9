import { DATAPLANE_SPEC_FIELDS, validateDataplaneSpec } from './dataplane.js';
import type { ResourceTypeDescriptor } from './descriptor.js';
import { GlobalToZones, KdsFlags, ZoneToGlobal } from './descriptor.js';
import { MESH_SPEC_FIELDS, validateMeshSpec } from './mesh.js';
import { meshTrafficPermissionDeprecations, validateMeshTrafficPermissionSpec } from './mesh-traffic-permission.js';
import { dnsNameDeprecation } from './meta-rules.js';
import {
  DATAPLANE_INSIGHT_SPEC_FIELDS,
  SECRET_SPEC_FIELDS,
  ZONE_INSIGHT_SPEC_FIELDS,
  ZONE_SPEC_FIELDS,
  noSpecRules,
  parseSecretSpec,
  parseZoneSpec,
} from './system-types.js';

// The resource types kuma-ts serves, with the facts of Kuma 2.14's generated descriptors
// (paths, kumactl names, short names, KDS flags).

const common = {
  readOnly: false,
  adminOnly: false,
  isPolicy: false,
  isPluginOriginated: false,
  hasStatus: false,
  isProxy: false,
} as const;

export const MeshType: ResourceTypeDescriptor = {
  ...common,
  name: 'Mesh',
  scope: 'global',
  wsPath: 'meshes',
  kumactlArg: 'mesh',
  kumactlListArg: 'meshes',
  shortName: 'm',
  singularDisplayName: 'Mesh',
  pluralDisplayName: 'Meshes',
  kdsFlags: GlobalToZones,
  specFields: MESH_SPEC_FIELDS,
  validate: (spec) => validateMeshSpec(spec).list,
  deprecations: (meta) => dnsNameDeprecation('Mesh', meta.name),
};

export const DataplaneType: ResourceTypeDescriptor = {
  ...common,
  name: 'Dataplane',
  scope: 'mesh',
  wsPath: 'dataplanes',
  kumactlArg: 'dataplane',
  kumactlListArg: 'dataplanes',
  shortName: 'dp',
  singularDisplayName: 'Dataplane',
  pluralDisplayName: 'Dataplanes',
  isProxy: true,
  insightType: 'DataplaneInsight',
  kdsFlags: ZoneToGlobal,
  specFields: DATAPLANE_SPEC_FIELDS,
  validate: (spec) => validateDataplaneSpec(spec).list,
};

export const DataplaneInsightType: ResourceTypeDescriptor = {
  ...common,
  name: 'DataplaneInsight',
  scope: 'mesh',
  wsPath: 'dataplane-insights',
  kumactlArg: '',
  kumactlListArg: '',
  shortName: '',
  singularDisplayName: 'Dataplane Insight',
  pluralDisplayName: 'Dataplane Insights',
  readOnly: true,
  kdsFlags: ZoneToGlobal,
  specFields: DATAPLANE_INSIGHT_SPEC_FIELDS,
  validate: () => noSpecRules().list,
};

export const SecretType: ResourceTypeDescriptor = {
  ...common,
  name: 'Secret',
  scope: 'mesh',
  wsPath: 'secrets',
  kumactlArg: 'secret',
  kumactlListArg: 'secrets',
  shortName: '',
  singularDisplayName: 'Secret',
  pluralDisplayName: 'Secrets',
  adminOnly: true,
  kdsFlags: GlobalToZones | KdsFlags.ProvidedByZone,
  specFields: SECRET_SPEC_FIELDS,
  parse: parseSecretSpec,
  validate: () => noSpecRules().list,
};

export const GlobalSecretType: ResourceTypeDescriptor = {
  ...SecretType,
  name: 'GlobalSecret',
  scope: 'global',
  wsPath: 'globalsecrets',
  alternativeWsPath: 'global-secrets',
  kumactlArg: 'globalsecret',
  kumactlListArg: 'globalsecrets',
  kumactlArgAlias: 'global-secret',
  kumactlListArgAlias: 'global-secrets',
  singularDisplayName: 'Global Secret',
  pluralDisplayName: 'Global Secrets',
};

export const ZoneType: ResourceTypeDescriptor = {
  ...common,
  name: 'Zone',
  scope: 'global',
  wsPath: 'zones',
  kumactlArg: 'zone',
  kumactlListArg: 'zones',
  shortName: 'z',
  singularDisplayName: 'Zone',
  pluralDisplayName: 'Zones',
  insightType: 'ZoneInsight',
  kdsFlags: KdsFlags.ProvidedByGlobal | KdsFlags.ProvidedByZone,
  specFields: ZONE_SPEC_FIELDS,
  parse: parseZoneSpec,
  validate: () => noSpecRules().list,
};

export const ZoneInsightType: ResourceTypeDescriptor = {
  ...common,
  name: 'ZoneInsight',
  scope: 'global',
  wsPath: 'zone-insights',
  kumactlArg: '',
  kumactlListArg: '',
  shortName: '',
  singularDisplayName: 'Zone Insight',
  pluralDisplayName: 'Zone Insights',
  readOnly: true,
  kdsFlags: KdsFlags.ProvidedByGlobal | KdsFlags.ProvidedByZone,
  specFields: ZONE_INSIGHT_SPEC_FIELDS,
  validate: () => noSpecRules().list,
};

export const MeshTrafficPermissionType: ResourceTypeDescriptor = {
  ...common,
  name: 'MeshTrafficPermission',
  scope: 'mesh',
  wsPath: 'meshtrafficpermissions',
  kumactlArg: 'meshtrafficpermission',
  kumactlListArg: 'meshtrafficpermissions',
  shortName: 'mtp',
  singularDisplayName: 'Mesh Traffic Permission',
  pluralDisplayName: 'Mesh Traffic Permissions',
  isPolicy: true,
  isPluginOriginated: true,
  kdsFlags: GlobalToZones | ZoneToGlobal | KdsFlags.SyncedAcrossZones,
  validate: (spec) => validateMeshTrafficPermissionSpec(spec).list,
  deprecations: (_meta, spec) => meshTrafficPermissionDeprecations(spec),
};

/** Every built-in type, in a stable order (the order of `GET /_resources`-like listings). */
export const BUILTIN_TYPES: readonly ResourceTypeDescriptor[] = [
  MeshType,
  DataplaneType,
  DataplaneInsightType,
  SecretType,
  GlobalSecretType,
  ZoneType,
  ZoneInsightType,
  MeshTrafficPermissionType,
];
