import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goJsonSyntaxError, toJson } from './json-body.js';

describe('Go encoding/json error texts', () => {
  const cases: [string, string | undefined][] = [
    ['{,\n}', "invalid character ',' looking for beginning of object key string"],
    ['', 'unexpected end of JSON input'],
    ['{"a":1', 'unexpected end of JSON input'],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{} x', "invalid character 'x' after top-level value"],
    ['"a\tb"', "invalid character '\\t' in string literal"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['-a', "invalid character 'a' in numeric literal"],
    ['1.e', "invalid character 'e' after decimal point in numeric literal"],
    ['1e+x', "invalid character 'x' in exponent of numeric literal"],
    ['tru', 'unexpected end of JSON input'],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['01', "invalid character '1' after top-level value"],
    ['{"a":[1,{"b":null}],"c":"\\u00e9"}', undefined],
    [' [ ] ', undefined],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => assert.equal(goJsonSyntaxError(input), want));

  it('responses use one-space indentation without HTML escaping', () => {
    assert.equal(toJson({ a: [1], next: 'http://h/x?a=1&b=2', e: {} }), '{\n "a": [\n  1\n ],\n "next": "http://h/x?a=1&b=2",\n "e": {}\n}');
  });
});
