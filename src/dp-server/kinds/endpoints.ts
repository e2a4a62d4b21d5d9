/**
 * Kind RESOURCE_KIND_ENDPOINTS: where the services a proxy's outbounds name are reachable. The mesh's
 * Dataplanes are listed once per change and indexed by `kuma.io/service` (shared by every stream of
 * the mesh); each stream then picks the services of its own outbounds.
 *
 * An endpoint is an inbound of a Dataplane: address = the inbound's `address`, else the Dataplane's
 * `advertisedAddress`, else its `address` (Kuma's advertised IP); port = the inbound's `port` (the
 * proxy, not the application). Inbounds reported not ready (`health.ready: false`) are left out, as
 * Kuma's endpoint builder does.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { arrAt, boolAt, DataplaneType, isObject, SERVICE_TAG, objAt, stringMapAt, strAt, uintAt, type Resource } from '../../core/resources/index.js';
import { EndpointSchema, EndpointsConfigSchema, ServiceEndpointsSchema, type Endpoint, type EndpointsConfig, type Outbound } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { shortHash } from '../dataplane-config.js';
import { PerMeshCache } from '../per-mesh-cache.js';


/** Service name → its endpoints, sorted by address then port. */
export type EndpointIndex = ReadonlyMap<string, readonly Endpoint[]>;

export interface DataplaneLister {
  list(type: string, opts: { mesh: string }): Promise<{ items: Resource[] }>;
}

function isReady(inbound: unknown): boolean {
  const health = objAt(inbound, 'health');
  return health === undefined || !('ready' in health) || boolAt(health, 'ready');
}

/** Indexes the inbounds of `dataplanes` by service. `mtlsReady`: the mesh has mTLS on (proxies then serve inbounds only with it). */
export function indexEndpoints(dataplanes: readonly Resource[], mtlsReady: boolean): EndpointIndex {
  const index = new Map<string, Endpoint[]>();
  for (const dp of dataplanes) {
    const networking = objAt(dp.spec, 'networking');
    const dpAddress = strAt(networking, 'advertisedAddress') || strAt(networking, 'address');
    for (const inbound of arrAt(networking, 'inbound')) {
      if (!isObject(inbound) || !isReady(inbound)) continue;
      const tags = stringMapAt(inbound, 'tags');
      const service = tags[SERVICE_TAG];
      const port = uintAt(inbound, 'port');
      if (service === undefined || service === '' || port === 0) continue;
      const address = strAt(inbound, 'address') || dpAddress;
      if (address === '') continue;
      let list = index.get(service);
      if (list === undefined) index.set(service, (list = []));
      list.push(create(EndpointSchema, { address, port, tags, mtlsReady }));
    }
  }
  for (const list of index.values()) list.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  return index;
}

/** The mesh's endpoint index, listed once per change of the mesh's Dataplanes (or of its mTLS). */
export class MeshEndpoints extends PerMeshCache<EndpointIndex> {
  constructor(dataplanes: DataplaneLister, mtlsEnabled: (mesh: string) => Promise<boolean>) {
    super(async (mesh) => {
      const [list, mtls] = await Promise.all([dataplanes.list(DataplaneType.name, { mesh }), mtlsEnabled(mesh)]);
      return indexEndpoints(list.items, mtls);
    });
  }
}

/** The payload for a proxy with these outbounds, and its content version. */
export function endpointsConfigOf(outbounds: readonly Outbound[], index: EndpointIndex): { config: EndpointsConfig; version: string } {
  const services = [...new Set(outbounds.map((o) => o.service).filter((s) => s !== ''))].sort();
  const config = create(EndpointsConfigSchema, {
    services: services.map((service) => create(ServiceEndpointsSchema, { service, endpoints: [...(index.get(service) ?? [])] })),
  });
  return { config, version: shortHash(toBinary(EndpointsConfigSchema, config)) };
}
