import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InboundPermissions } from '../../core/permissions/index.js';
import type { AuthorizationRequest } from '../mtls/index.js';
import { authorizerFor, denyingAuthorizer, indexPermissions, parseDataplanePermissions, permissionSource, type DataplanePermissions } from './data-path-permissions.js';

const inbound = (over: Partial<InboundPermissions> = {}): InboundPermissions => ({
  inbound: '127.0.0.1:8080',
  address: '127.0.0.1',
  port: 8080,
  source: 'rules',
  rules: [
    { action: 'deny', anyOf: [[{ type: 'spiffeIdExact', value: 'spiffe://default/evil' }]], origin: ['deny-evil'] },
    { action: 'allowWithShadowDeny', anyOf: [[{ type: 'kumaTag', key: 'version', value: 'v0' }]], origin: ['shadow'] },
    { action: 'allow', anyOf: [[{ type: 'spiffeIdPrefix', value: 'spiffe://default/' }, { type: 'sni', value: 'backend{mesh=default}', not: true }]], origin: ['allow-mesh'] },
  ],
  otherwise: 'deny',
  ...over,
});

const doc = (over: Partial<DataplanePermissions> = {}): DataplanePermissions => ({ mesh: 'default', dataplane: 'dp-1', mtlsEnabled: true, inbounds: [inbound()], ...over });

const request = (service: string, tags: Record<string, string> = {}, sni?: string): AuthorizationRequest => {
  const uriSans = [`spiffe://default/${service}`, `kuma://kuma.io/service/${service}`, ...Object.entries(tags).map(([k, v]) => `kuma://${k}/${v}`)];
  const kumaTags: Record<string, string[]> = { 'kuma.io/service': [service] };
  for (const [k, v] of Object.entries(tags)) kumaTags[k] = [v];
  return { uriSans, spiffeIds: [uriSans[0] as string], kumaTags, sni };
};

describe('parseDataplanePermissions', () => {
  it('reads what the control plane compiles, dropping unknown fields', () => {
    const parsed = parseDataplanePermissions(JSON.stringify({ ...doc(), extra: 1, inbounds: [{ ...inbound(), extra: true }] }));
    assert.deepEqual(parsed, doc());
  });

  it('rejects text that is not JSON, or not an object, with a clear message', () => {
    assert.throws(() => parseDataplanePermissions('{"mesh":'), { code: 'ERR_DP_PERMISSIONS_INVALID', message: /^permissions_json is not valid JSON .*; the previous permissions stay in force$/ });
    assert.throws(() => parseDataplanePermissions('[1]'), { message: /permissions_json must be a JSON object, got an array/ });
    assert.throws(() => parseDataplanePermissions('null'), { message: /must be a JSON object, got null/ });
  });

  it('names every malformed field with its path', () => {
    const bad = {
      mesh: 'default',
      dataplane: 7,
      mtlsEnabled: 'yes',
      inbounds: [
        { ...inbound(), port: 70000 },
        { ...inbound({ inbound: '127.0.0.1:9090', port: 9090 }), rules: [{ action: 'maybe', anyOf: [[{ type: 'spiffeIdExact' }]], origin: ['x'] }] },
      ],
    };
    assert.throws(
      () => parseDataplanePermissions(JSON.stringify(bad)),
      (err: Error) => {
        assert.match(err.message, /^permissions_json is malformed: /);
        assert.match(err.message, /\$\.dataplane must be a string, got 7/);
        assert.match(err.message, /\$\.mtlsEnabled must be true or false, got "yes"/);
        assert.match(err.message, /\$\.inbounds\[0\]\.port must be a port number \(1-65535\), got 70000/);
        assert.match(err.message, /\$\.inbounds\[1\]\.rules\[0\]\.action must be one of allow, deny, allowWithShadowDeny, got "maybe"/);
        assert.match(err.message, /and \d+ more/);
        return true;
      },
    );
  });

  it('rejects what it does not fully understand rather than enforcing it loosely', () => {
    const withRule = (rule: unknown): string => JSON.stringify(doc({ inbounds: [inbound({ rules: [rule as never] })] }));
    assert.throws(() => parseDataplanePermissions(withRule({ action: 'allow', anyOf: [[{ type: 'ipRange', value: '10.0.0.0/8', not: true }]], origin: [] })), {
      message: /rules\[0\]\.anyOf\[0\]\[0\]\.type must be one of spiffeIdExact, spiffeIdPrefix, kumaTag, sni, got "ipRange"/,
    });
    assert.throws(() => parseDataplanePermissions(withRule({ action: 'allow', anyOf: [{ type: 'sni', value: 'x' }], origin: [] })), { message: /anyOf\[0\] must be an array of conditions/ });
    assert.throws(() => parseDataplanePermissions(withRule({ action: 'allow', anyOf: [[{ type: 'sni', value: 'x', not: 'no' }]], origin: [] })), { message: /\.not must be true or absent/ });
    assert.throws(() => parseDataplanePermissions(JSON.stringify(doc({ inbounds: [inbound({ source: 'magic' as never })] }))), { message: /source must be one of/ });
    assert.throws(() => parseDataplanePermissions(JSON.stringify(doc({ inbounds: [inbound(), inbound()] }))), { message: /\$\.inbounds\[1\]\.inbound "127\.0\.0\.1:8080" appears twice/ });
    assert.throws(() => parseDataplanePermissions(JSON.stringify(doc({ inbounds: [inbound({ inbound: '10.0.0.1:8080' })] }))), { message: /does not name the inbound's address and port \(127\.0\.0\.1:8080\)/ });
    assert.throws(() => parseDataplanePermissions(JSON.stringify({ mesh: 'default', dataplane: 'x', mtlsEnabled: true })), { message: /\$\.inbounds must be an array, got nothing/ });
  });
});

describe('authorizerFor', () => {
  const authorize = authorizerFor(inbound());

  it('maps the core decision onto the listener\'s: first matching rule decides, rule named by its policies', () => {
    assert.deepEqual(authorize(request('evil')), { action: 'deny', shadowDeny: false, rule: 'MeshTrafficPermission/deny-evil' });
    assert.deepEqual(authorize(request('web')), { action: 'allow', shadowDeny: false, rule: 'MeshTrafficPermission/allow-mesh' });
    assert.deepEqual(authorize(request('web', {}, 'backend{mesh=default}')), { action: 'deny', shadowDeny: false, rule: 'no matching rule (deny)' });
  });

  it('carries shadow deny, and reads tags from the kuma:// URI SANs', () => {
    assert.deepEqual(authorize(request('web', { version: 'v0' })), { action: 'allow', shadowDeny: true, rule: 'MeshTrafficPermission/shadow' });
  });

  it('no policy denies everyone; mTLS disabled allows everyone', () => {
    assert.equal(authorizerFor(inbound({ source: 'no-policy', rules: [] }))(request('web')).action, 'deny');
    assert.equal(authorizerFor(inbound({ source: 'mtls-disabled', rules: [], otherwise: 'allow' }))(request('web')).action, 'allow');
  });

  it('denyingAuthorizer says why', () => {
    assert.deepEqual(denyingAuthorizer('no permissions yet (deny)')(request('web')), { action: 'deny', shadowDeny: false, rule: 'no permissions yet (deny)' });
  });
});

describe('permissionSource', () => {
  const on = { mesh: 'default', enabled: true, inboundMode: 'STRICT' as const };
  it('finds the inbound by <address>:<port>, and fails closed otherwise', () => {
    const p = indexPermissions(doc());
    assert.equal(permissionSource(p, on, '127.0.0.1:8080'), p.doc.inbounds[0]);
    assert.equal(permissionSource(undefined, on, '127.0.0.1:8080'), 'no permissions from the control plane yet (deny)');
    assert.equal(permissionSource(p, on, '127.0.0.1:9090'), 'no permissions for this inbound (deny)');
    assert.match(String(permissionSource(indexPermissions(doc({ mtlsEnabled: false })), on, '127.0.0.1:8080')), /compiled for mTLS off/);
    assert.equal(permissionSource(p, { ...on, mesh: 'other' }, '127.0.0.1:8080'), 'permissions are for mesh "default", not "other" (deny)');
  });
});
