import { parseProtoDuration } from './duration.js';
import type { JsonObject, JsonValue } from './json.js';
import { arrAt, has, objAt, strAt, stringMapAt, uintAt } from './json.js';
import { isDNSName, isIP } from './net-rules.js';
import { PROTOCOL_TAG, SERVICE_TAG, SUPPORTED_PROTOCOLS, allowedValuesHint, parseProtocol, validateTags } from './tags.js';
import { FieldPath, Violations, goQuote } from './validation.js';

// Kuma pkg/core/resources/apis/mesh/dataplane_validator.go: the networking section.

export function validatePort(path: FieldPath, port: number): Violations {
  const v = new Violations();
  if (port < 1 || port > 65535) v.add(path, 'port must be in the range [1, 65535]');
  return v;
}

export function validateAddress(path: FieldPath, address: string): Violations {
  const v = new Violations();
  const at = path.field('address');
  if (address === '') return v.add(at, "address can't be empty");
  if (address === '0.0.0.0' || address === '::') v.add(at, 'must not be 0.0.0.0 or ::');
  if (!isIP(address) && !isDNSName(address)) v.add(at, 'address has to be valid IP address or domain name');
  return v;
}

function validateProtoDuration(path: FieldPath, value: JsonValue | undefined): Violations {
  const v = new Violations();
  const ms = typeof value === 'string' ? parseProtoDuration(value) : undefined;
  if (ms === undefined) return v.add(path, 'must have a valid value');
  if (ms <= 0) v.add(path, 'must have a positive value');
  return v;
}

function validateServiceProbe(probe: JsonObject | undefined): Violations {
  const v = new Violations();
  if (!probe) return v;
  const at = FieldPath.at('serviceProbe');
  for (const f of ['interval', 'timeout']) if (has(probe, f)) v.addAt('', validateProtoDuration(at.field(f), probe[f]));
  for (const f of ['unhealthyThreshold', 'healthyThreshold']) {
    // UInt32Value wrappers are plain numbers in proto-JSON.
    if (has(probe, f) && uintAt(probe, f) === 0) v.add(at.field(f), 'must have a positive value');
  }
  return v;
}

const ALLOWED = allowedValuesHint(SUPPORTED_PROTOCOLS);

function validateInbound(inbound: JsonValue, dpAddress: string): Violations {
  const v = new Violations();
  const port = uintAt(inbound, 'port');
  const servicePort = uintAt(inbound, 'servicePort');
  const serviceAddress = strAt(inbound, 'serviceAddress');
  const address = strAt(inbound, 'address');
  v.addAt('', validatePort(FieldPath.at('port'), port));
  if (servicePort !== 0) v.addAt('', validatePort(FieldPath.at('servicePort'), servicePort));
  const sameAsProxy = servicePort === 0 || servicePort === port;
  if (serviceAddress !== '') {
    if (!isIP(serviceAddress)) v.add('serviceAddress', 'serviceAddress has to be valid IP address');
    if (serviceAddress === dpAddress && sameAsProxy) v.add('serviceAddress', 'serviceAddress and servicePort has to differ from address and port');
  }
  if (address !== '') {
    if (!isIP(address)) v.add('address', 'address has to be valid IP address');
    if (address === serviceAddress && sameAsProxy) v.add('serviceAddress', 'serviceAddress and servicePort has to differ from address and port');
  }
  v.addAt(
    '',
    validateTags(FieldPath.at('tags'), stringMapAt(inbound, 'tags'), {
      extra: (path, tags) => {
        const x = new Violations();
        const protocol = tags[PROTOCOL_TAG];
        if (protocol !== undefined && parseProtocol(protocol) === undefined) {
          x.add(path.key(PROTOCOL_TAG), `tag ${goQuote(PROTOCOL_TAG)} has an invalid value ${goQuote(protocol)}. ${ALLOWED}`);
        }
        return x;
      },
    }),
  );
  const protocol = strAt(inbound, 'protocol');
  if (protocol !== '' && parseProtocol(protocol) === undefined) v.add('protocol', `has an invalid value ${goQuote(protocol)}. ${ALLOWED}`);
  v.addAt('', validateServiceProbe(objAt(inbound, 'serviceProbe')));
  return v;
}

const BACKEND_REF_KINDS = ['MeshExternalService', 'MeshMultiZoneService', 'MeshService'];

function validateOutbound(outbound: JsonValue): Violations {
  const v = new Violations();
  v.addAt('', validatePort(FieldPath.at('port'), uintAt(outbound, 'port')));
  const address = strAt(outbound, 'address');
  if (address !== '' && !isIP(address)) v.add('address', 'address has to be valid IP address');
  const backendRef = objAt(outbound, 'backendRef');
  const tags = stringMapAt(outbound, 'tags');
  const service = strAt(outbound, 'service');
  if (backendRef) {
    const kind = strAt(backendRef, 'kind');
    if (!BACKEND_REF_KINDS.includes(kind)) v.add('backendRef.kind', `invalid value. Available values are: ${BACKEND_REF_KINDS.join(',')}`);
    if (strAt(backendRef, 'name') === '' && Object.keys(stringMapAt(backendRef, 'labels')).length === 0) {
      v.add('backendRef', "either 'name' or 'labels' should be specified");
    }
    if (kind !== 'MeshExternalService') v.addAt('', validatePort(FieldPath.at('backendRef').field('port'), uintAt(backendRef, 'port')));
  } else if (Object.keys(tags).length === 0) {
    if (service === '') v.add('tags', `mandatory tag ${goQuote(SERVICE_TAG)} is missing`);
  } else {
    v.addAt('', validateTags(FieldPath.at('tags'), tags, { requireService: true }));
  }
  if (backendRef && (Object.keys(tags).length > 0 || service !== '')) v.add('backendRef', 'both backendRef and tags/service cannot be defined');
  return v;
}

function validateTransparentProxying(tp: JsonObject | undefined): Violations {
  const v = new Violations();
  const refs = arrAt(objAt(tp, 'reachableBackends'), 'refs');
  const at = FieldPath.at('reachableBackends.refs');
  refs.forEach((ref, i) => {
    const kind = strAt(ref, 'kind');
    const name = strAt(ref, 'name');
    const namespace = strAt(ref, 'namespace');
    const hasLabels = Object.keys(stringMapAt(ref, 'labels')).length > 0;
    if (!BACKEND_REF_KINDS.includes(kind)) v.add(at.index(i).field('kind'), `invalid value. Available values are: ${BACKEND_REF_KINDS.join(',')}`);
    if (name === '' && namespace === '' && !hasLabels) v.add(at.index(i).field('name'), 'name or labels are required');
    if (name === '' && namespace !== '') v.add(at.index(i).field('name'), 'name is required, when namespace is defined');
    if ((name !== '' || namespace !== '') && hasLabels) v.add(at.index(i).field('labels'), 'labels cannot be defined when name is specified');
  });
  return v;
}

/** The `networking` checks shared by sidecars and gateways (Kuma validateNetworking). */
export function validateNetworking(networking: JsonObject): Violations {
  const v = new Violations();
  const path = FieldPath.at('networking');
  const dpAddress = strAt(networking, 'address');
  v.addAt('', validateAddress(path, dpAddress));
  arrAt(networking, 'inbound').forEach((inbound, i) => {
    const at = path.field('inbound').index(i);
    v.addAt(at, validateInbound(inbound, dpAddress));
    // Tag-free inbounds are accepted (the newer model); once tags are used, the service tag is required.
    const tags = stringMapAt(inbound, 'tags');
    if (Object.keys(tags).length > 0 && !(SERVICE_TAG in tags)) v.add(at.field('tags').key(SERVICE_TAG), 'tag has to exist');
  });
  arrAt(networking, 'outbound').forEach((outbound, i) => v.addAt(path.field('outbound').index(i), validateOutbound(outbound)));
  // "transparentProxing" (sic) is the path Kuma prints.
  v.addAt(path.field('transparentProxing'), validateTransparentProxying(objAt(networking, 'transparentProxying')));
  return v;
}
