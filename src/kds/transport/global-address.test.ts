import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPort, parseGlobalAddress } from './global-address.js';

test('grpcs:// and grpc:// addresses', () => {
  assert.deepEqual(parseGlobalAddress('grpcs://global.example:5685'), {
    scheme: 'grpcs', tls: true, host: 'global.example', port: 5685, baseUrl: 'https://global.example:5685', text: 'grpcs://global.example:5685', defaultPort: false,
  });
  const plain = parseGlobalAddress('grpc://10.0.0.1:5685');
  assert.equal(plain.tls, false);
  assert.equal(plain.baseUrl, 'http://10.0.0.1:5685');
});

test('IPv6 hosts are unbracketed for certificate checks and bracketed in URLs', () => {
  const a = parseGlobalAddress('grpcs://[::1]:5685');
  assert.equal(a.host, '::1');
  assert.equal(a.baseUrl, 'https://[::1]:5685');
  assert.equal(hostPort(a), '[::1]:5685');
});

test('no port means 443, as grpc-go dials', () => {
  const a = parseGlobalAddress('grpcs://global.example');
  assert.equal(a.port, 443);
  assert.equal(a.defaultPort, true);
});

test('other schemes and non-URLs are refused with Kuma\'s text', () => {
  assert.throws(() => parseGlobalAddress('https://global:5685'), /unsupported scheme "https" in zone GlobalAddress. Use one of \[grpc grpcs\]/);
  assert.throws(() => parseGlobalAddress('global:5685'), /unsupported scheme "global"/);
  assert.throws(() => parseGlobalAddress('::::'), /is not a URL; use grpcs:\/\/<global host>:5685/);
});
