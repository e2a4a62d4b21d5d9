import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DurationError,
  formatGoDuration,
  formatGoDurationNanos,
  parseGoDuration,
  parseGoDurationNanos,
} from './duration.js';

// Expected values are Go's (time.ParseDuration / Duration.String) for the same inputs.
const parseTable: [string, bigint][] = [
  ['0', 0n],
  ['5s', 5_000_000_000n],
  ['30s', 30_000_000_000n],
  ['1478s', 1_478_000_000_000n],
  ['-5s', -5_000_000_000n],
  ['+5s', 5_000_000_000n],
  ['-0', 0n],
  ['+0', 0n],
  ['5.0s', 5_000_000_000n],
  ['5.6s', 5_600_000_000n],
  ['5.s', 5_000_000_000n],
  ['.5s', 500_000_000n],
  ['1.0s', 1_000_000_000n],
  ['1.00s', 1_000_000_000n],
  ['1.004s', 1_004_000_000n],
  ['1.0040s', 1_004_000_000n],
  ['100.00100s', 100_001_000_000n],
  ['10ns', 10n],
  ['11us', 11_000n],
  ['12\u00b5s', 12_000n],
  ['12\u03bcs', 12_000n],
  ['13ms', 13_000_000n],
  ['14s', 14_000_000_000n],
  ['15m', 900_000_000_000n],
  ['16h', 57_600_000_000_000n],
  ['3h30m', 12_600_000_000_000n],
  ['10.5s4m', 250_500_000_000n],
  ['-2m3.4s', -123_400_000_000n],
  ['1h2m3s4ms5us6ns', 3_723_004_005_006n],
  ['39h9m14.425s', 140_954_425_000_000n],
  ['52763797000ns', 52_763_797_000n],
  ['0.3333333333333333333h', 1_200_000_000_000n],
  ['9007199254740993ns', 9_007_199_254_740_993n],
  ['9223372036854775807ns', 9_223_372_036_854_775_807n],
  ['9223372036854775.807us', 9_223_372_036_854_775_807n],
  ['9223372036s854ms775us807ns', 9_223_372_036_854_775_807n],
  ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
  ['-9223372036854775.808us', -9_223_372_036_854_775_808n],
  ['0.100000000000000000000h', 360_000_000_000n],
  ['0.830103483285477580700h', 2_988_372_539_827n],
  ['1.5h', 5_400_000_000_000n],
  ['2m0s', 120_000_000_000n],
  ['-1s', -1_000_000_000n],
  ['300ms', 300_000_000n],
];

test('parseGoDurationNanos matches Go time.ParseDuration', () => {
  for (const [input, want] of parseTable) {
    assert.equal(parseGoDurationNanos(input), want, input);
  }
});

const parseErrors: [string, string][] = [
  ['', 'time: invalid duration ""'],
  ['3', 'time: missing unit in duration "3"'],
  ['-', 'time: invalid duration "-"'],
  ['s', 'time: invalid duration "s"'],
  ['.', 'time: invalid duration "."'],
  ['-.', 'time: invalid duration "-."'],
  ['.s', 'time: invalid duration ".s"'],
  ['+.s', 'time: invalid duration "+.s"'],
  ['1d', 'time: unknown unit "d" in duration "1d"'],
  ['x', 'time: invalid duration "x"'],
  ['10 s', 'time: unknown unit " s" in duration "10 s"'],
  ['\x85\x85', 'time: invalid duration "\\xc2\\x85\\xc2\\x85"'],
  ['\xffff', 'time: invalid duration "\\xc3\\xbfff"'],
  ['hello \xffff world', 'time: invalid duration "hello \\xc3\\xbfff world"'],
  ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
  ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
  ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
  ['3000000h', 'time: invalid duration "3000000h"'],
  ['"1s"', 'time: invalid duration "\\"1s\\""'],
];

test('parseGoDurationNanos fails with Go error texts', () => {
  for (const [input, msg] of parseErrors) {
    assert.throws(
      () => parseGoDurationNanos(input),
      (err: unknown) => err instanceof DurationError && err.message === msg && err.code === 'ERR_INVALID_DURATION',
      JSON.stringify(input),
    );
  }
});

test('parseGoDuration returns milliseconds', () => {
  assert.equal(parseGoDuration('300ms'), 300);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('2m0s'), 120_000);
  assert.equal(parseGoDuration('-1s'), -1000);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('1us'), 0.001);
  assert.equal(parseGoDuration('72h'), 259_200_000);
});

const formatTable: [bigint, string][] = [
  [0n, '0s'],
  [1n, '1ns'],
  [1_100n, '1.1\u00b5s'],
  [2_200_000n, '2.2ms'],
  [3_300_000_000n, '3.3s'],
  [240_000_000_000n, '4m0s'],
  [301_000_000_000n, '5m1s'],
  [21_901_000_000_000n, '6h5m1s'],
  [29_161_000_000_001n, '8h6m1.000000001s'],
  [-1n, '-1ns'],
  [-1_000_000_000n, '-1s'],
  [3_600_000_000_000n, '1h0m0s'],
  [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
  [-9_223_372_036_854_775_808n, '-2562047h47m16.854775808s'],
];

test('formatGoDurationNanos matches Go Duration.String', () => {
  for (const [ns, want] of formatTable) assert.equal(formatGoDurationNanos(ns), want);
});

test('formatGoDuration formats milliseconds', () => {
  const table: [number, string][] = [
    [120_000, '2m0s'],
    [10_000, '10s'],
    [3_600_000, '1h0m0s'],
    [0, '0s'],
    [1500, '1.5s'],
    [300, '300ms'],
    [-1000, '-1s'],
    [259_200_000, '72h0m0s'],
    [0.001, '1\u00b5s'],
  ];
  for (const [ms, want] of table) assert.equal(formatGoDuration(ms), want, String(ms));
});

test('parse and format round-trip', () => {
  for (const s of ['2m0s', '10s', '1h0m0s', '0s', '1.5s', '300ms', '-1s', '72h0m0s', '1.1\u00b5s']) {
    assert.equal(formatGoDuration(parseGoDuration(s)), s);
  }
});
