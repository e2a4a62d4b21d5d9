import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectDelayMs } from './backoff.js';
import { parseDataplaneDefinition, renderTemplate } from './dataplane-template.js';
import { checkDataplaneToken } from './token.js';

const jwt = `${Buffer.from('{"alg":"RS256","kid":"1"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`;

describe('dataplane token checks', () => {
  it('trims a valid token', () => assert.equal(checkDataplaneToken(`  ${jwt}\n`, 'x'), jwt));
  const cases: [string, RegExp][] = [
    ['', /it is empty/],
    ['   \n', /it is empty/],
    [`${jwt}\n${jwt}`, /several lines/],
    ['/var/run/secret/token', /not a JWT/],
    ['a.b', /found 2 segment/],
    ['!!.b.c', /not a JWT/],
    ['abc.def.ghi', /header is not base64url-encoded JSON/],
    [`${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.c2ln`, /no "alg"/],
  ];
  for (const [token, re] of cases) {
    it(`rejects ${JSON.stringify(token.slice(0, 12))}… without echoing it`, () => {
      assert.throws(() => checkDataplaneToken(token, '--dataplane-token'), (err: Error) => re.test(err.message) && err.message.startsWith('dataplane token is invalid') && (token.trim() === '' || !err.message.includes(token.trim())));
    });
  }
});

describe('dataplane templates', () => {
  it('renders variables, missing ones empty', () => {
    assert.equal(renderTemplate('name: "{{ name }}" a: {{addr}} m: {{missing}} n: {{ a.b }}', { name: 'web-1', addr: '10.0.0.5', 'a.b': 'x' }), 'name: "web-1" a: 10.0.0.5 m:  n: x');
  });
  it('parses YAML or JSON Dataplanes and names problems', () => {
    const d = parseDataplaneDefinition('type: Dataplane\nmesh: default\nname: web-1\nnetworking: {address: 10.0.0.5}\n', 'dp.yaml');
    assert.equal(d.name, 'web-1');
    assert.equal(JSON.parse(d.json).networking.address, '10.0.0.5');
    assert.throws(() => parseDataplaneDefinition('type: Mesh\nname: x', 'dp.yaml'), /invalid proxy resource type "Mesh"/);
    assert.throws(() => parseDataplaneDefinition('type: Dataplane\nmesh: default\nname: ""', 'dp.yaml'), /has no name \(is a --dataplane-var missing\?\)/);
    assert.throws(() => parseDataplaneDefinition('[1', 'dp.yaml'), /could not parse/);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially with jitter and caps at 30 s', () => {
    assert.equal(reconnectDelayMs(0, 1000, 30_000, () => 1), 1000);
    assert.equal(reconnectDelayMs(3, 1000, 30_000, () => 1), 8000);
    assert.equal(reconnectDelayMs(20, 1000, 30_000, () => 1), 30_000);
    assert.equal(reconnectDelayMs(20, 1000, 30_000, () => 0), 500);
  });
});
