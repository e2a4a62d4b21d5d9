import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reconnectDelayMs } from './backoff.js';
import { parseDataplaneDefinition, renderTemplate } from './dataplane-template.js';
import { checkDataplaneToken, loadToken } from './token.js';

const jwt = `${Buffer.from('{"alg":"RS256","kid":"1"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`;

describe('dataplane token checks', () => {
  it('trims a valid token', () => assert.equal(checkDataplaneToken(`  ${jwt}\n`, 'x'), jwt));
  const cases: [string, RegExp][] = [
    ['', /^dataplane token is invalid, the token in --dataplane-token is empty: /],
    ['   \n', /^dataplane token is invalid, the token in --dataplane-token is empty: /],
    [`${jwt}\n${jwt}`, /^dataplane token is invalid, Token shouldn't contain line breaks within the token, only at the start or end: /],
    ['/var/run/secret/token', /^dataplane token is invalid, not valid JWT token\. Can't parse it\.: token is malformed: token contains an invalid number of segments: found 1 segment/],
    ['a.b', /token contains an invalid number of segments: found 2 segment/],
    ['!!.b.c', /^dataplane token is invalid, not valid JWT token\. Can't parse it\.: token is malformed: could not base64 decode header: /],
    ['e30.b!.c', /could not base64 decode claim: /],
    ['abc.def.ghi', /^dataplane token is invalid, not valid JWT token\. Can't parse it\.: token is malformed: could not JSON decode header: /],
    [`${Buffer.from('{"alg":"RS256"}').toString('base64url')}.bm90IGpzb24.c2ln`, /could not JSON decode claim: /],
    [`${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.c2ln`, /^dataplane token is invalid, not valid JWT token\. No Alg\.: /],
  ];
  for (const [token, re] of cases) {
    it(`rejects ${JSON.stringify(token.slice(0, 12))}… without echoing it`, () => {
      assert.throws(
        () => checkDataplaneToken(token, '--dataplane-token'),
        (err: Error) => re.test(err.message) && err.message.endsWith('(token from --dataplane-token)') && (token.trim() === '' || !err.message.includes(token.trim())),
      );
    });
  }
});

/** Kuma's ValidateTokenPath table (app/kuma-dp/pkg/config/validate_test.go), on real files. */
describe('dataplane token files (Kuma\'s ValidateTokenPath cases)', () => {
  // Kuma's test tokens: HS256 headers are fine here, only the shape is checked before sending.
  const good = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJOYW1lIjoidGVzdCIsIk1lc2giOiJkZWZhdWx0IiwiVGFncyI6e30sIlR5cGUiOiIifQ.rdQ6l_6hzT93Kbk9kO-kZYY7BaexUH8QknvbdRy_f6s';
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const fileWith = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('no token path: nothing to check', async () => {
    assert.equal(await loadToken({ kind: 'none' }), undefined);
  });

  it('a file that does not exist', async () => {
    const path = join(dir, 'nonexistingfile');
    await assert.rejects(loadToken({ kind: 'file', path }), {
      code: 'ERR_DP_TOKEN_FILE',
      message: `dataplane token is invalid, could not read file ${path}: open ${path}: no such file or directory: check --dataplane-token-file (KUMA_DATAPLANE_RUNTIME_TOKEN_PATH)`,
    });
  });

  const failing: [string, string, RegExp][] = [
    ['empty file', '', /^dataplane token is invalid, token under file (\S+) is empty: .*\(token from file \1\)$/],
    ["can't parse token", good.slice(1), /^dataplane token is invalid, not valid JWT token\. Can't parse it\.: token is malformed: could not JSON decode header: /],
    ['need 3 segments', good.slice(0, good.lastIndexOf('.')), /^dataplane token is invalid, not valid JWT token\. Can't parse it\.: token is malformed: token contains an invalid number of segments: /],
    ['new line in the middle', `${good.slice(0, 32)}\n${good.slice(32)}\n`, /^dataplane token is invalid, Token shouldn't contain line breaks within the token, only at the start or end: /],
  ];
  for (const [what, text, re] of failing) {
    it(`fails: ${what}`, async () => {
      const path = await fileWith(what.replace(/\W+/g, '-'), text);
      await assert.rejects(loadToken({ kind: 'file', path }), (err: Error) => re.test(err.message) && err.message.includes(path));
    });
  }

  for (const [what, text] of [['new line in the end', `${good}\n`], ['new line at the start', `\n${good}\n`]] as const) {
    it(`accepts: ${what}`, async () => {
      assert.equal(await loadToken({ kind: 'file', path: await fileWith(what.replace(/\W+/g, '-'), text) }), good);
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
