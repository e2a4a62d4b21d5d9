import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataplaneProxyType, validateDataplaneSpec } from './dataplane.js';
import type { JsonObject } from './json.js';

const v = (spec: JsonObject) => validateDataplaneSpec(spec).list;
const net = (networking: JsonObject, extra: JsonObject = {}): JsonObject => ({ networking, ...extra });

test('a typical sidecar is valid; tag-free inbounds are accepted', () => {
  assert.deepEqual(
    v(
      net({
        address: '192.168.0.2',
        admin: { port: 9901 },
        inbound: [{ port: 11011, servicePort: 11012, serviceAddress: '127.0.0.1', tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', version: 'v1' } }],
        outbound: [{ port: 33033, tags: { 'kuma.io/service': 'redis' } }, { port: 6379, backendRef: { kind: 'MeshService', name: 'redis', port: 6379 } }],
        transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001 },
      }),
    ),
    [],
  );
  assert.deepEqual(v(net({ address: 'dp.example.com', inbound: [{ port: 1234 }] })), []);
});

test('networking must be defined', () => {
  assert.deepEqual(v({}), [{ field: 'networking', message: 'must be defined' }]);
});

test('address rules', () => {
  assert.deepEqual(v(net({})), [{ field: 'networking.address', message: "address can't be empty" }]);
  assert.deepEqual(v(net({ address: '0.0.0.0' })), [{ field: 'networking.address', message: 'must not be 0.0.0.0 or ::' }]);
  assert.deepEqual(v(net({ address: '::' })), [{ field: 'networking.address', message: 'must not be 0.0.0.0 or ::' }]);
  assert.deepEqual(v(net({ address: 'not valid!' })), [{ field: 'networking.address', message: 'address has to be valid IP address or domain name' }]);
  assert.deepEqual(v(net({ address: 'fe80::1' })), []);
});

test('inbound rules with field paths', () => {
  const res = v(
    net({
      address: '10.0.0.1',
      inbound: [
        { port: 0, servicePort: 70000, tags: { version: 'v1' } },
        { port: 80, serviceAddress: 'nope', address: 'also-nope', tags: { 'kuma.io/service': 'a', 'kuma.io/protocol': 'smtp' }, protocol: 'ftp' },
        { port: 80, serviceAddress: '10.0.0.1', tags: { 'kuma.io/service': '', 'bad key!': 'x', k: 'v v' } },
        { port: 81, serviceProbe: { interval: '0s', timeout: 'soon', healthyThreshold: 0 }, tags: { 'kuma.io/service': 's' } },
      ],
    }),
  );
  assert.deepEqual(res, [
    { field: 'networking.inbound[0].port', message: 'port must be in the range [1, 65535]' },
    { field: 'networking.inbound[0].servicePort', message: 'port must be in the range [1, 65535]' },
    { field: 'networking.inbound[0].tags["kuma.io/service"]', message: 'tag has to exist' },
    { field: 'networking.inbound[1].serviceAddress', message: 'serviceAddress has to be valid IP address' },
    { field: 'networking.inbound[1].address', message: 'address has to be valid IP address' },
    {
      field: 'networking.inbound[1].tags["kuma.io/protocol"]',
      message: 'tag "kuma.io/protocol" has an invalid value "smtp". Allowed values: grpc, http, http2, kafka, tcp',
    },
    { field: 'networking.inbound[1].protocol', message: 'has an invalid value "ftp". Allowed values: grpc, http, http2, kafka, tcp' },
    { field: 'networking.inbound[2].serviceAddress', message: 'serviceAddress and servicePort has to differ from address and port' },
    { field: 'networking.inbound[2].tags["bad key!"]', message: 'tag name must consist of alphanumeric characters, dots, dashes, slashes and underscores' },
    { field: 'networking.inbound[2].tags["k"]', message: 'tag value must consist of alphanumeric characters, dots, dashes and underscores' },
    { field: 'networking.inbound[2].tags["kuma.io/service"]', message: 'tag value must be non-empty' },
    { field: 'networking.inbound[3].serviceProbe.interval', message: 'must have a positive value' },
    { field: 'networking.inbound[3].serviceProbe.timeout', message: 'must have a valid value' },
    { field: 'networking.inbound[3].serviceProbe.healthyThreshold', message: 'must have a positive value' },
  ]);
});

test('outbound rules', () => {
  const res = v(
    net({
      address: '10.0.0.1',
      outbound: [
        { port: 0 },
        { port: 1, tags: { version: 'v1' } },
        { port: 2, address: 'x', backendRef: { kind: 'Service', port: 0 } },
        { port: 3, backendRef: { kind: 'MeshExternalService', name: 'e' }, tags: { 'kuma.io/service': 'a' } },
      ],
    }),
  );
  assert.deepEqual(res, [
    { field: 'networking.outbound[0].port', message: 'port must be in the range [1, 65535]' },
    { field: 'networking.outbound[0].tags', message: 'mandatory tag "kuma.io/service" is missing' },
    { field: 'networking.outbound[1].tags', message: 'mandatory tag "kuma.io/service" is missing' },
    { field: 'networking.outbound[2].address', message: 'address has to be valid IP address' },
    { field: 'networking.outbound[2].backendRef.kind', message: 'invalid value. Available values are: MeshExternalService,MeshMultiZoneService,MeshService' },
    { field: 'networking.outbound[2].backendRef', message: "either 'name' or 'labels' should be specified" },
    { field: 'networking.outbound[2].backendRef.port', message: 'port must be in the range [1, 65535]' },
    { field: 'networking.outbound[3].backendRef', message: 'both backendRef and tags/service cannot be defined' },
  ]);
});

test('admin port must differ from inbound and outbound ports on 127.0.0.1', () => {
  const res = v(
    net({
      address: '10.0.0.1',
      admin: { port: 9901 },
      inbound: [{ port: 8080, servicePort: 9901, serviceAddress: '127.0.0.1', tags: { 'kuma.io/service': 'a' } }],
      outbound: [{ port: 9901, tags: { 'kuma.io/service': 'b' } }],
    }),
  );
  assert.deepEqual(res, [
    { field: 'networking.admin.port', message: 'must differ from inbound' },
    { field: 'networking.admin.port', message: 'must differ from outbound' },
  ]);
});

test('gateways: delegated (default type) and builtin restrictions', () => {
  assert.deepEqual(v(net({ address: '10.0.0.1', gateway: { tags: { 'kuma.io/service': 'edge' } } })), []);
  assert.deepEqual(v(net({ address: '10.0.0.1', gateway: { type: 'DELEGATED', tags: { 'kuma.io/service': 'edge', 'kuma.io/protocol': 'http' } }, inbound: [{ port: 1 }] })), [
    { field: 'networking.inbound', message: 'inbound cannot be defined for delegated gateways' },
    { field: 'networking.gateway.tags["kuma.io/protocol"]', message: 'other values than tcp are not allowed, provided value "http"' },
  ]);
  assert.deepEqual(
    v(net({ address: '10.0.0.1', gateway: { type: 'BUILTIN', tags: { version: 'v1' } }, outbound: [{ port: 1, tags: { 'kuma.io/service': 'x' } }] }, { probes: { port: 9000 } })),
    [
      { field: 'networking.outbound', message: 'outbound cannot be defined for builtin gateways' },
      { field: 'networking.probes', message: 'probes cannot be defined for builtin gateways' },
      { field: 'networking.gateway.tags', message: 'mandatory tag "kuma.io/service" is missing' },
    ],
  );
  assert.equal(dataplaneProxyType(net({ gateway: { type: 'BUILTIN' } })), 'gateway');
  assert.equal(dataplaneProxyType(net({ gateway: {} })), 'sidecar');
});

test('probes, metrics, transparent proxying and listeners', () => {
  const res = v(
    net(
      {
        address: '10.0.0.1',
        inbound: [{ port: 10001, name: 'main' }],
        transparentProxying: { reachableBackends: { refs: [{ kind: 'X' }, { kind: 'MeshService', namespace: 'ns' }] } },
        listeners: [
          { type: 'ZoneIngress', address: '10.0.0.1', port: 10001, name: 'main' },
          { address: '10.0.0.1', port: 10002 },
          { type: 'ZoneEgress', address: '10.0.0.1', port: 10002 },
        ],
      },
      { probes: { port: 0, endpoints: [{ inboundPort: 80, inboundPath: 'x', path: '/ok' }] }, metrics: { type: 'statsd' } },
    ),
  );
  assert.deepEqual(res, [
    { field: 'networking.transparentProxing.reachableBackends.refs[0].kind', message: 'invalid value. Available values are: MeshExternalService,MeshMultiZoneService,MeshService' },
    { field: 'networking.transparentProxing.reachableBackends.refs[0].name', message: 'name or labels are required' },
    { field: 'networking.transparentProxing.reachableBackends.refs[1].name', message: 'name is required, when namespace is defined' },
    { field: 'probes.port', message: 'port must be in the range [1, 65535]' },
    { field: 'probes.endpoints[0].inboundPath', message: 'should be a valid URL Path' },
    { field: 'metrics.type', message: 'unknown backend type. Available backends: "prometheus"' },
    { field: 'networking.listeners[0].name', message: 'name "main" must be unique across inbounds and listeners' },
    { field: 'networking.listeners[0]', message: 'address:port 10.0.0.1:10001 collides with an inbound listener' },
    { field: 'networking.listeners[1].type', message: 'type must be ZoneIngress or ZoneEgress' },
    { field: 'networking.listeners[2]', message: 'address:port 10.0.0.1:10002 is used by listeners of different types' },
  ]);
});

test('hostile shapes never crash', () => {
  for (const spec of [{ networking: 'x' }, { networking: { inbound: 'x', outbound: [null, 1, 'a'] } }, { networking: { address: 1, inbound: [{ tags: 'x', port: '80' }] } }]) {
    assert.ok(Array.isArray(v(spec as JsonObject)));
  }
});
