/**
 * The identity a Dataplane is entitled to (Kuma pkg/core/ca/issuer + pkg/xds/secrets/identity_tags):
 * the union of its inbound (and gateway) tags, or `kuma.io/service=<kuma.io/workload label>` when it
 * has no service tag; as URI SANs `spiffe://<mesh>/<service>` for each service (sorted), then
 * `kuma://<tag>/<value>` for every tag (keys sorted, values sorted), kuma.io/service included. In
 * core: the control plane issues this identity and kuma-dp asks for it in its CSR, by one rule.
 */
import { KumaError } from '../errors.js';
import { arrAt, compareBytes, objAt, stringMapAt, type JsonObject } from '../resources/index.js';
import { spiffeIdError } from '../resources/net-rules.js';

export { SERVICE_TAG } from '../resources/tags.js';
import { SERVICE_TAG } from '../resources/tags.js';
export const WORKLOAD_LABEL = 'kuma.io/workload';

/** The Dataplane-like value identity is computed from (a stored Dataplane resource fits). */
export interface DataplaneLike {
  meta: { name: string; mesh: string; labels?: Record<string, string> };
  spec: JsonObject;
}

export interface DataplaneIdentity {
  mesh: string;
  /** Sorted kuma.io/service values. */
  services: string[];
  /** Tag key → sorted unique values, keys sorted. */
  tags: [string, string[]][];
  /** The URI SANs, in certificate order. */
  uris: string[];
}

/** Kuma's Dataplane.TagSet(): every inbound's tags and the gateway's, as key → set of values. */
export function dataplaneTagSet(spec: JsonObject): Map<string, Set<string>> {
  const networking = objAt(spec, 'networking');
  const maps = arrAt(networking, 'inbound').map((ib) => stringMapAt(ib, 'tags'));
  const gateway = objAt(networking, 'gateway');
  if (gateway) maps.push(stringMapAt(gateway, 'tags'));
  const set = new Map<string, Set<string>>();
  for (const tags of maps) {
    for (const [k, v] of Object.entries(tags)) {
      let values = set.get(k);
      if (!values) set.set(k, (values = new Set()));
      values.add(v);
    }
  }
  return set;
}

const sorted = (values: Iterable<string>): string[] => [...values].sort(compareBytes);

export const serviceSpiffeId = (mesh: string, service: string): string => `spiffe://${mesh}/${service}`;
export const kumaTagUri = (key: string, value: string): string => `kuma://${key}/${value}`;

/** The identity of `dataplane` in its mesh; KumaError ERR_IDENTITY_NO_IDENTITY when it has none Kuma could express. */
export function dataplaneIdentity(dataplane: DataplaneLike): DataplaneIdentity {
  const mesh = dataplane.meta.mesh;
  let tagSet = dataplaneTagSet(dataplane.spec);
  if ((tagSet.get(SERVICE_TAG)?.size ?? 0) === 0) {
    const workload = dataplane.meta.labels?.[WORKLOAD_LABEL] ?? '';
    if (workload === '') {
      throw new KumaError(
        'ERR_IDENTITY_NO_IDENTITY',
        `dataplane ${JSON.stringify(dataplane.meta.name)} has no ${SERVICE_TAG} tag and no ${WORKLOAD_LABEL} label, cannot derive mTLS identity`,
      );
    }
    tagSet = new Map([[SERVICE_TAG, new Set([workload])]]);
  }
  const services = sorted(tagSet.get(SERVICE_TAG) ?? []);
  const tags: [string, string[]][] = sorted(tagSet.keys()).map((k) => [k, sorted(tagSet.get(k) ?? [])]);
  const uris: string[] = [];
  for (const service of services) {
    const id = serviceSpiffeId(mesh, service);
    const problem = spiffeIdError(id);
    if (problem) {
      throw new KumaError('ERR_IDENTITY_NO_IDENTITY', `dataplane ${JSON.stringify(dataplane.meta.name)}: service ${JSON.stringify(service)} in mesh ${JSON.stringify(mesh)} cannot be a SPIFFE ID (${id}: ${problem}): rename the service`);
    }
    uris.push(id);
  }
  for (const [key, values] of tags) for (const value of values) uris.push(kumaTagUri(key, value));
  return { mesh, services, tags, uris };
}
