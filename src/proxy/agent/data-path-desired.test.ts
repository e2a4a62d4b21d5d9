import { create } from '@bufbuild/protobuf';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataplaneConfigSchema, EndpointsConfigSchema, type DataplaneConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { desiredListenersOf } from './data-path-desired.js';
import { endpointsByService } from './data-path-endpoints.js';

const config = (o: { mtls?: string; inbounds?: object[]; outbounds?: object[]; address?: string }): DataplaneConfig =>
  create(DataplaneConfigSchema, {
    dataplaneJson: '{}',
    mesh: { name: 'default', mtlsEnabled: o.mtls !== undefined, mtlsBackend: o.mtls === undefined ? '' : 'ca-1', mtlsMode: o.mtls ?? '' },
    desired: { address: o.address ?? '10.0.0.5', inbounds: o.inbounds ?? [], outbounds: o.outbounds ?? [] },
  });

describe('desiredListenersOf', () => {
  it('an outbound named by a MeshService backendRef (Outbound.service, set by the control plane) needs no tag', () => {
    const { desired, problems } = desiredListenersOf(config({ outbounds: [{ port: 33033, service: 'redis', tags: {} }] }));
    assert.deepEqual(problems, []);
    assert.equal([...(desired?.outbounds.values() ?? [])][0]?.service, 'redis');
  });

  it('applies the proto defaults and keys inbounds as the permissions do (<address>:<port>)', () => {
    const { desired, problems } = desiredListenersOf(
      config({
        inbounds: [{ port: 15001, servicePort: 8080, tags: { 'kuma.io/service': 'backend' } }, { port: 15002, servicePort: 8081, serviceAddress: '10.0.0.9', address: '127.0.0.1' }],
        outbounds: [{ port: 10001, tags: { 'kuma.io/service': 'web' } }],
      }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(desired?.mesh, { mesh: 'default', enabled: false, inboundMode: 'OFF' });
    assert.deepEqual([...(desired?.inbounds.values() ?? [])], [
      { key: '10.0.0.5:15001', address: '10.0.0.5', port: 15001, serviceAddress: '127.0.0.1', servicePort: 8080 },
      { key: '127.0.0.1:15002', address: '127.0.0.1', port: 15002, serviceAddress: '10.0.0.9', servicePort: 8081 },
    ]);
    assert.deepEqual([...(desired?.outbounds.values() ?? [])], [{ key: '127.0.0.1:10001', address: '127.0.0.1', port: 10001, service: 'web' }]);
  });

  it('maps the mesh mode; an unset or unknown mode is STRICT', () => {
    assert.equal(desiredListenersOf(config({ mtls: 'PERMISSIVE' })).desired?.mesh.inboundMode, 'PERMISSIVE');
    assert.equal(desiredListenersOf(config({ mtls: 'STRICT' })).desired?.mesh.inboundMode, 'STRICT');
    assert.equal(desiredListenersOf(config({ mtls: '' })).desired?.mesh.inboundMode, 'STRICT');
    const odd = desiredListenersOf(config({ mtls: 'LAX' }));
    assert.equal(odd.desired?.mesh.inboundMode, 'STRICT');
    assert.match(odd.warnings[0] ?? '', /unknown mesh mTLS mode "LAX"/);
  });

  it('reports bad entries one by one and keeps the good ones', () => {
    const { desired, problems } = desiredListenersOf(
      config({
        inbounds: [{ port: 15001, servicePort: 8080 }, { port: 15003 }, { port: 0 }, { port: 15001, servicePort: 9999 }],
        outbounds: [{ port: 10001, tags: {} }, { port: 10002, tags: { 'kuma.io/service': 'a' } }, { port: 10002, tags: { 'kuma.io/service': 'b' } }, { port: 15001, address: '10.0.0.5', tags: { 'kuma.io/service': 'c' } }],
      }),
    );
    assert.deepEqual([...(desired?.inbounds.keys() ?? [])], ['10.0.0.5:15001', '10.0.0.5:15003']);
    assert.deepEqual([...(desired?.outbounds.keys() ?? [])], ['127.0.0.1:10002']);
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems.join('\n'), /inbound\[2\] 10\.0\.0\.5:0: port 0 is not a listener port/);
    assert.match(problems.join('\n'), /inbound\[3\] 10\.0\.0\.5:15001: listed twice with different applications \(127\.0\.0\.1:8080 and 127\.0\.0\.1:9999\)/);
    assert.match(problems.join('\n'), /outbound\[0\] 127\.0\.0\.1:10001: neither a kuma\.io\/service tag nor a backendRef/);
    assert.match(problems.join('\n'), /outbound\[2\] 127\.0\.0\.1:10002: listed twice for different services \("a" and "b"\)/);
    assert.match(problems.join('\n'), /outbound 10\.0\.0\.5:15001: the same address and port as an inbound/);
  });

  it('refuses an inbound that would forward to itself', () => {
    const { desired, problems } = desiredListenersOf(config({ address: '127.0.0.1', inbounds: [{ port: 8080 }] }));
    assert.equal(desired?.inbounds.size, 0);
    assert.match(problems[0] ?? '', /would be reached on the proxy's own listener \(127\.0\.0\.1:8080\); set networking\.inbound\[0\]\.servicePort/);
  });

  it('without a desired state or mesh nothing is applied', () => {
    const r = desiredListenersOf(create(DataplaneConfigSchema, { dataplaneJson: '{}' }));
    assert.equal(r.desired, undefined);
    assert.match(r.problems[0] ?? '', /no desired state; nothing was changed/);
  });
});

describe('endpointsByService', () => {
  it('groups by service and drops endpoints that cannot be dialled', () => {
    const { byService, problems } = endpointsByService(
      create(EndpointsConfigSchema, {
        services: [
          { service: 'backend', endpoints: [{ address: '10.0.0.1', port: 15001, tags: { version: 'v1' } }, { address: '', port: 15001 }] },
          { service: 'empty', endpoints: [] },
          { service: '', endpoints: [{ address: '10.0.0.2', port: 1 }] },
        ],
      }),
    );
    assert.deepEqual(byService.get('backend'), [{ address: '10.0.0.1', port: 15001, tags: { version: 'v1' } }]);
    assert.deepEqual(byService.get('empty'), []);
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /"backend" endpoints\[1\]: ":15001" is not an address and port/);
  });
});
