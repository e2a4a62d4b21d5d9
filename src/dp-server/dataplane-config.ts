/**
 * The payload of kind RESOURCE_KIND_DATAPLANE: the stored Dataplane (REST JSON), its Mesh's mTLS
 * state, and the listeners derived from `networking`, with a version that is a hash of the content
 * (so an unrelated store write never makes proxies reload).
 */
import { createHash } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  arrAt,
  DataplaneType,
  objAt,
  SERVICE_TAG,
  stringMapAt,
  strAt,
  toEnvelope,
  uintAt,
  type JsonObject,
  type Resource,
} from '../core/resources/index.js';
import { backendMode, enabledBackendName, findCaBackend } from '../managers/mesh-ca/index.js';
import {
  DataplaneConfigSchema,
  DesiredStateSchema,
  InboundSchema,
  MeshInfoSchema,
  OutboundSchema,
  type DataplaneConfig,
  type DesiredState,
  type MeshInfo,
} from '../gen/kuma/dp/v1/config_stream_pb.js';

/** Tags in key order, so equal content serializes (and hashes) identically. */
function sortedTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(tags).sort().map((k) => [k, tags[k] as string]));
}

export function meshInfoOf(mesh: Resource): MeshInfo {
  const backend = enabledBackendName(mesh.spec);
  const config = backend === '' ? undefined : findCaBackend(mesh.spec, backend);
  return create(MeshInfoSchema, { name: mesh.meta.name, mtlsEnabled: backend !== '', mtlsBackend: backend, mtlsMode: config ? backendMode(config) : '' });
}

/** The REST JSON of a Dataplane (what the API returns for it). */
export function dataplaneJson(dataplane: Resource): string {
  return JSON.stringify(toEnvelope(DataplaneType, dataplane));
}

/** A Dataplane that is not stored yet, as it will be once registered (times: now). */
export function unsavedDataplane(t: { mesh: string; name: string; labels: Record<string, string>; spec: JsonObject }, now = new Date()): Resource {
  return { type: DataplaneType.name, meta: { mesh: t.mesh, name: t.name, labels: t.labels, version: '', creationTime: now, modificationTime: now }, spec: t.spec };
}

/** What a proxy's config takes from its Dataplane, built once per stored version of it. */
export interface DataplanePart {
  json: string;
  desired: DesiredState;
  /** Content hash (the desired state derives from the same JSON). */
  hash: string;
}

/** What a proxy's config takes from its Mesh, built once per change and shared by the mesh's streams. */
export interface MeshPart {
  info: MeshInfo;
  hash: string;
  /** The Mesh as stored (identity issuance and permissions read its spec). */
  resource: Resource;
}

export const shortHash = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex').slice(0, 8);

/** The service an outbound reaches: its kuma.io/service tag, else its MeshService backendRef's name. */
export function outboundService(outbound: unknown): string {
  const tagged = stringMapAt(outbound, 'tags')[SERVICE_TAG];
  if (tagged !== undefined && tagged !== '') return tagged;
  const ref = objAt(outbound, 'backendRef');
  return strAt(ref, 'kind') === 'MeshService' ? strAt(ref, 'name') : '';
}

export function dataplanePartOf(dataplane: Resource): DataplanePart {
  const networking = objAt(dataplane.spec, 'networking');
  const desired = create(DesiredStateSchema, {
    address: strAt(networking, 'address'),
    advertisedAddress: strAt(networking, 'advertisedAddress'),
    adminPort: uintAt(objAt(networking, 'admin'), 'port'),
    inbounds: arrAt(networking, 'inbound').map((ib) =>
      create(InboundSchema, {
        port: uintAt(ib, 'port'),
        servicePort: uintAt(ib, 'servicePort'),
        serviceAddress: strAt(ib, 'serviceAddress'),
        address: strAt(ib, 'address'),
        tags: sortedTags(stringMapAt(ib, 'tags')),
      }),
    ),
    outbounds: arrAt(networking, 'outbound').map((ob) =>
      create(OutboundSchema, { port: uintAt(ob, 'port'), address: strAt(ob, 'address'), tags: sortedTags(stringMapAt(ob, 'tags')), service: outboundService(ob) }),
    ),
  });
  const json = dataplaneJson(dataplane);
  return { json, desired, hash: shortHash(json) };
}

export function meshPartOf(mesh: Resource): MeshPart {
  const info = meshInfoOf(mesh);
  return { info, hash: shortHash(toBinary(MeshInfoSchema, info)), resource: mesh };
}

/**
 * The payload and its version: equal content, equal version, so an unrelated store write never
 * makes proxies reload. Composed from hashes computed once per part, not per push.
 */
export function dataplaneConfigOf(dp: DataplanePart, mesh: MeshPart): { config: DataplaneConfig; version: string } {
  return { config: create(DataplaneConfigSchema, { dataplaneJson: dp.json, mesh: mesh.info, desired: dp.desired }), version: dp.hash + mesh.hash };
}
