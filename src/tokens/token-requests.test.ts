import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TOKEN_VALIDITY_MS, parseDataplaneTokenRequest, parseUserTokenRequest, parseZoneTokenRequest } from './token-requests.js';

describe('token request bodies (§5.5)', () => {
  it('user: name and validFor rules', () => {
    assert.deepEqual(parseUserTokenRequest({ name: 'john', groups: ['a'], validFor: '24h' }), { kind: 'ok', value: { name: 'john', groups: ['a'] }, validForMs: 86_400_000 });
    assert.deepEqual(parseUserTokenRequest({ validFor: '1h' }), { kind: 'invalid', violations: [{ field: 'name', message: 'cannot be empty' }] });
    assert.deepEqual(parseUserTokenRequest({ name: 'xyz' }), { kind: 'invalid', violations: [{ field: 'validFor', message: 'cannot be empty' }] });
    assert.deepEqual(parseUserTokenRequest({ name: 'xyz', validFor: '0s' }), { kind: 'invalid', violations: [{ field: 'validFor', message: 'cannot be empty or nil' }] });
    assert.deepEqual(parseUserTokenRequest({ name: 'xyz', validFor: 'x' }), { kind: 'invalid', violations: [{ field: 'validFor', message: 'is invalid: time: invalid duration "x"' }] });
    assert.equal(parseUserTokenRequest({ name: 5 }).kind, 'malformed');
    assert.equal(parseUserTokenRequest('not-an-object').kind, 'malformed');
  });

  it('dataplane: mesh required, validFor defaults to 10 years, type must be dataplane', () => {
    const ok = parseDataplaneTokenRequest({ mesh: 'default', name: 'dp-1' });
    assert.equal(ok.kind, 'ok');
    assert.equal(ok.kind === 'ok' && ok.validForMs, DEFAULT_TOKEN_VALIDITY_MS);
    assert.deepEqual(parseDataplaneTokenRequest({ type: 'ingress' }), {
      kind: 'invalid',
      violations: [
        { field: 'mesh', message: 'cannot be empty' },
        { field: 'type', message: 'ingress is not a valid proxy type' },
      ],
    });
    assert.equal(parseDataplaneTokenRequest({ mesh: 'm', tags: { a: 'b' } }).kind, 'malformed');
  });

  it('zone: zone optional', () => {
    assert.deepEqual(parseZoneTokenRequest({ scope: ['egress'], validFor: '1h' }), { kind: 'ok', value: { zone: '', scope: ['egress'] }, validForMs: 3_600_000 });
  });
});
