import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unsavedDataplane, dataplanePartOf, outboundService } from './dataplane-config.js';

describe('the Dataplane kind', () => {
  it('an outbound reaches its kuma.io/service tag, else its MeshService backendRef, else nothing', () => {
    assert.equal(outboundService({ port: 1, tags: { 'kuma.io/service': 'web' }, backendRef: { kind: 'MeshService', name: 'other' } }), 'web');
    assert.equal(outboundService({ port: 1, backendRef: { kind: 'MeshService', name: 'redis', port: 6379 } }), 'redis');
    assert.equal(outboundService({ port: 1, backendRef: { kind: 'MeshExternalService', name: 'x' } }), '');
    assert.equal(outboundService({ port: 1 }), '');
  });

  it('desired outbounds carry the service', () => {
    const part = dataplanePartOf(
      unsavedDataplane({ mesh: 'default', name: 'dp-1', labels: {}, spec: { networking: { address: '127.0.0.1', outbound: [{ port: 33033, backendRef: { kind: 'MeshService', name: 'redis', port: 6379 } }] } } }),
    );
    assert.equal(part.desired.outbounds[0]?.service, 'redis');
    assert.equal(part.desired.outbounds[0]?.port, 33033);
  });
});
