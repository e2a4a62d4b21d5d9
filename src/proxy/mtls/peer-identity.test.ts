import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { legacySni } from './outbound.js';
import { identityFromUris, isWorkloadOfMesh } from './peer-identity.js';
import { createMeshCa, issueWorkload, workloadUris } from './testing/mesh-pki.js';
import { uriSansOf } from './peer-identity.js';
import { X509Certificate } from 'node:crypto';

describe('peer identity', () => {
  it('reads SPIFFE ids and kuma:// tags (tag names with slashes) from Kuma\'s SAN list', () => {
    const uris = workloadUris('default', { 'kuma.io/service': ['web', 'web-api'], version: ['v1'] });
    assert.deepEqual(uris, ['spiffe://default/web', 'spiffe://default/web-api', 'kuma://kuma.io/service/web', 'kuma://kuma.io/service/web-api', 'kuma://version/v1']);
    const id = identityFromUris(uris);
    assert.deepEqual(id.spiffeIds, ['spiffe://default/web', 'spiffe://default/web-api']);
    assert.deepEqual(id.kumaTags, { 'kuma.io/service': ['web', 'web-api'], version: ['v1'] });
    assert.equal(isWorkloadOfMesh(id, 'default'), true);
    assert.equal(isWorkloadOfMesh(id, 'def'), false);
    assert.equal(isWorkloadOfMesh(identityFromUris(['spiffe://default/']), 'default'), false);
  });

  it('reads the URI SANs of an issued certificate', async () => {
    const ca = await createMeshCa('demo');
    const w = await issueWorkload(ca, { tags: { 'kuma.io/service': ['backend'], zone: ['east'] } });
    assert.deepEqual(uriSansOf(new X509Certificate(w.certPem)), ['spiffe://demo/backend', 'kuma://kuma.io/service/backend', 'kuma://zone/east']);
    assert.deepEqual(uriSansOf(Buffer.from('not a certificate')), []);
  });

  it('builds Kuma\'s legacy SNI', () => {
    assert.equal(legacySni('backend', 'default'), 'backend{mesh=default}');
    assert.equal(legacySni('backend', 'default', { version: 'v2', 'kuma.io/service': 'backend', az: 'a' }), 'backend{az=a,mesh=default,version=v2}');
  });
});
