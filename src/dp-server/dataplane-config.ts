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
  stringMapAt,
  strAt,
  toEnvelope,
  uintAt,
  type JsonObject,
  type Resource,
} from '../core/resources/index.js';
import {
  DataplaneConfigSchema,
  DesiredStateSchema,
  InboundSchema,
  MeshInfoSchema,
  OutboundSchema,
  type DataplaneConfig,
  type MeshInfo,
} from '../gen/kuma/dp/v1/config_stream_pb.js';

/** Tags in key order, so equal content serializes (and hashes) identically. */
function sortedTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(tags).sort().map((k) => [k, tags[k] as string]));
}

export function meshInfoOf(mesh: Resource): MeshInfo {
  const backend = strAt(objAt(mesh.spec, 'mtls'), 'enabledBackend');
  return create(MeshInfoSchema, { name: mesh.meta.name, mtlsEnabled: backend !== '', mtlsBackend: backend });
}

/** The REST JSON of a Dataplane (what the API returns for it). */
export function dataplaneJson(dataplane: Resource): string {
  return JSON.stringify(toEnvelope(DataplaneType, dataplane));
}

/** A Dataplane that is not stored yet, as it will be once registered (times: now). */
export function unsavedDataplane(t: { mesh: string; name: string; labels: Record<string, string>; spec: JsonObject }, now = new Date()): Resource {
  return { type: DataplaneType.name, meta: { mesh: t.mesh, name: t.name, labels: t.labels, version: '', creationTime: now, modificationTime: now }, spec: t.spec };
}

export function dataplaneConfigOf(dataplane: Resource, mesh: Resource): DataplaneConfig {
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
      create(OutboundSchema, { port: uintAt(ob, 'port'), address: strAt(ob, 'address'), tags: sortedTags(stringMapAt(ob, 'tags')) }),
    ),
  });
  return create(DataplaneConfigSchema, { dataplaneJson: dataplaneJson(dataplane), mesh: meshInfoOf(mesh), desired });
}

/** A short content hash: equal payloads, equal versions. */
export function versionOf(config: DataplaneConfig): string {
  return createHash('sha256').update(toBinary(DataplaneConfigSchema, config)).digest('hex').slice(0, 16);
}
