import { gatewayKind, usesInbound, usesOutbound } from './dataplane-interfaces.js';
import { validateAddress, validateNetworking, validatePort } from './dataplane-networking.js';
import type { JsonObject } from './json.js';
import { arrAt, has, objAt, strAt, stringMapAt, uintAt } from './json.js';
import { PROTOCOL_TAG, parseProtocol, validateTags } from './tags.js';
import { FieldPath, Violations, goQuote } from './validation.js';

// Kuma pkg/core/resources/apis/mesh/dataplane_validator.go, top level.

export const DATAPLANE_SPEC_FIELDS = ['networking', 'metrics', 'probes'] as const;

function validateGateway(gateway: JsonObject | undefined): Violations {
  const tags = stringMapAt(gateway, 'tags');
  return validateTags(FieldPath.at('tags'), tags, {
    requireService: Object.keys(tags).length > 0,
    extra: (path, t) => {
      const v = new Violations();
      const protocol = t[PROTOCOL_TAG];
      if (protocol !== undefined && parseProtocol(protocol) !== 'tcp') {
        v.add(path.key(PROTOCOL_TAG), `other values than tcp are not allowed, provided value ${goQuote(protocol)}`);
      }
      return v;
    },
  });
}

/** url.ParseRequestURI acceptance, roughly: an absolute path or an absolute URL. */
function isRequestURI(s: string): boolean {
  return s.startsWith('/') || /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(s);
}

function validateProbes(probes: JsonObject | undefined): Violations {
  const v = new Violations();
  if (!probes) return v;
  const path = FieldPath.at('probes');
  v.addAt('', validatePort(path.field('port'), uintAt(probes, 'port')));
  arrAt(probes, 'endpoints').forEach((endpoint, i) => {
    const at = path.field('endpoints').index(i);
    v.addAt('', validatePort(at.field('inboundPort'), uintAt(endpoint, 'inboundPort')));
    if (!isRequestURI(strAt(endpoint, 'inboundPath'))) v.add(at.field('inboundPath'), 'should be a valid URL Path');
    if (!isRequestURI(strAt(endpoint, 'path'))) v.add(at.field('path'), 'should be a valid URL Path');
  });
  return v;
}

function validateMetricsBackend(metrics: JsonObject): Violations {
  const v = new Violations();
  if (strAt(metrics, 'type') !== 'prometheus') v.add('metrics.type', 'unknown backend type. Available backends: "prometheus"');
  return v;
}

const LISTENER_TYPES: Record<string, string> = { ZoneIngress: 'ZoneIngress', ZoneEgress: 'ZoneEgress', '1': 'ZoneIngress', '2': 'ZoneEgress' };

function validateListeners(networking: JsonObject): Violations {
  const v = new Violations();
  const names = new Set<string>();
  for (const inbound of arrAt(networking, 'inbound')) {
    const name = strAt(inbound, 'name');
    if (name !== '') names.add(name);
  }
  const used = new Map<string, string>();
  arrAt(networking, 'listeners').forEach((listener, i) => {
    const at = FieldPath.root().index(i);
    const type = LISTENER_TYPES[String(has(listener, 'type') ? (listener as JsonObject)['type'] : '')] ?? '';
    if (type === '') v.add(at.field('type'), 'type must be ZoneIngress or ZoneEgress');
    const address = strAt(listener, 'address');
    const port = uintAt(listener, 'port');
    v.addAt('', validateAddress(at, address));
    v.addAt('', validatePort(at.field('port'), port));
    const name = strAt(listener, 'name');
    if (name !== '') {
      if (names.has(name)) v.add(at.field('name'), `name ${goQuote(name)} must be unique across inbounds and listeners`);
      names.add(name);
    }
    const key = `${address}:${port}`;
    const existing = used.get(key);
    if (existing !== undefined) {
      v.add(at, existing === type ? `address:port ${key} is already used by another listener` : `address:port ${key} is used by listeners of different types`);
    } else {
      used.set(key, type);
    }
    for (const inbound of arrAt(networking, 'inbound')) {
      if (`${strAt(inbound, 'address') || strAt(networking, 'address')}:${uintAt(inbound, 'port')}` === key) {
        v.add(at, `address:port ${key} collides with an inbound listener`);
        break;
      }
    }
  });
  return v;
}

/** Dataplane spec validation with Kuma's messages and paths. */
export function validateDataplaneSpec(spec: JsonObject): Violations {
  const v = new Violations();
  const net = FieldPath.at('networking');
  const networking = objAt(spec, 'networking');
  if (!networking) return v.add(net, 'must be defined');

  if (has(networking, 'admin')) {
    const adminPort = uintAt(objAt(networking, 'admin'), 'port');
    if (usesInbound(networking, '127.0.0.1', adminPort)) v.add(net.field('admin').field('port'), 'must differ from inbound');
    if (usesOutbound(networking, '127.0.0.1', adminPort)) v.add(net.field('admin').field('port'), 'must differ from outbound');
  }
  const hasInbound = arrAt(networking, 'inbound').length > 0;
  const hasListeners = arrAt(networking, 'listeners').length > 0;
  switch (gatewayKind(spec)) {
    case 'delegated':
      if (hasInbound) v.add(net.field('inbound'), 'inbound cannot be defined for delegated gateways');
      if (hasListeners) v.add(net.field('listeners'), 'listeners cannot be defined for delegated gateways');
      v.addAt(net.field('gateway'), validateGateway(objAt(networking, 'gateway')));
      v.addAt('', validateNetworking(networking));
      v.addAt('', validateProbes(objAt(spec, 'probes')));
      break;
    case 'builtin':
      if (hasInbound) v.add(net.field('inbound'), 'inbound cannot be defined for builtin gateways');
      if (arrAt(networking, 'outbound').length > 0) v.add(net.field('outbound'), 'outbound cannot be defined for builtin gateways');
      if (hasListeners) v.add(net.field('listeners'), 'listeners cannot be defined for builtin gateways');
      if (has(spec, 'probes')) v.add(net.field('probes'), 'probes cannot be defined for builtin gateways');
      v.addAt(net.field('gateway'), validateGateway(objAt(networking, 'gateway')));
      v.addAt('', validateNetworking(networking));
      break;
    default: {
      v.addAt('', validateNetworking(networking));
      v.addAt('', validateProbes(objAt(spec, 'probes')));
      const metrics = objAt(spec, 'metrics');
      if (metrics) v.addAt('', validateMetricsBackend(metrics));
      v.addAt(net.field('listeners'), validateListeners(networking));
    }
  }
  return v;
}

/** `kuma.io/proxy-type` value of a Dataplane. */
export function dataplaneProxyType(spec: JsonObject): 'sidecar' | 'gateway' {
  return gatewayKind(spec) === 'builtin' ? 'gateway' : 'sidecar';
}

/** Which zone-proxy listeners a Dataplane carries (for the `kuma.io/listener-*` labels). */
export function dataplaneListenerKinds(spec: JsonObject): { ingress: boolean; egress: boolean } {
  const types = arrAt(objAt(spec, 'networking'), 'listeners').map((l) => String(has(l, 'type') ? (l as JsonObject)['type'] : ''));
  return { ingress: types.some((t) => LISTENER_TYPES[t] === 'ZoneIngress'), egress: types.some((t) => LISTENER_TYPES[t] === 'ZoneEgress') };
}
