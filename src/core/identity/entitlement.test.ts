import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../resources/index.js';
import { dataplaneIdentity } from './entitlement.js';

const dp = (networking: JsonObject, labels: Record<string, string> = {}) => ({ meta: { name: 'dp-1', mesh: 'default', labels }, spec: { networking } });

describe('dataplaneIdentity (Kuma issuer + identity_tags)', () => {
  it("Kuma's example: services sorted, then every tag (keys sorted, values sorted), kuma.io/service included", () => {
    const id = dataplaneIdentity(
      dp({
        address: '10.0.0.1',
        inbound: [
          { port: 8080, tags: { 'kuma.io/service': 'web-api', version: 'v1' } },
          { port: 8081, tags: { 'kuma.io/service': 'web', version: 'v1' } },
        ],
      }),
    );
    assert.deepEqual(id.uris, ['spiffe://default/web', 'spiffe://default/web-api', 'kuma://kuma.io/service/web', 'kuma://kuma.io/service/web-api', 'kuma://version/v1']);
    assert.deepEqual(id.services, ['web', 'web-api']);
    assert.deepEqual(id.tags, [['kuma.io/service', ['web', 'web-api']], ['version', ['v1']]]);
  });

  it('gateway tags count; byte order sorting', () => {
    const id = dataplaneIdentity(dp({ address: '10.0.0.1', gateway: { tags: { 'kuma.io/service': 'edge', Zone: 'a', zone: 'b' } } }));
    assert.deepEqual(id.uris, ['spiffe://default/edge', 'kuma://Zone/a', 'kuma://kuma.io/service/edge', 'kuma://zone/b']);
  });

  it('without a service tag: kuma.io/workload label, else the Kuma error', () => {
    const noService = { address: '10.0.0.1', inbound: [{ port: 80, tags: { version: 'v1' } }] };
    assert.deepEqual(dataplaneIdentity(dp(noService, { 'kuma.io/workload': 'shop' })).uris, ['spiffe://default/shop', 'kuma://kuma.io/service/shop']);
    assert.throws(() => dataplaneIdentity(dp(noService)), {
      code: 'ERR_IDENTITY_NO_IDENTITY',
      message: 'dataplane "dp-1" has no kuma.io/service tag and no kuma.io/workload label, cannot derive mTLS identity',
    });
  });

  it('a service name that cannot be a SPIFFE path segment is refused', () => {
    assert.throws(() => dataplaneIdentity(dp({ address: '10.0.0.1', inbound: [{ port: 80, tags: { 'kuma.io/service': 'web:8080' } }] })), {
      code: 'ERR_IDENTITY_NO_IDENTITY',
      message: /service "web:8080" in mesh "default" cannot be a SPIFFE ID \(spiffe:\/\/default\/web:8080: path segment characters are limited/,
    });
  });
});
