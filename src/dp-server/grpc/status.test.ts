import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from './codes.js';
import { isGrpcContentType, messageEncoding, parseGrpcTimeout, responseContentType } from './request-headers.js';
import { decodeGrpcMessage, encodeGrpcMessage, statusFields } from './status.js';

describe('grpc-message percent-encoding (PROTOCOL-HTTP2.md)', () => {
  it('leaves space and visible ASCII except % as they are', () => {
    const plain = 'resource "default.web" not found; create a Dataplane (see https://kuma.io/docs?x=1#y) ~!@#$^&*()_+{}|:<>[]\\\';,./`';
    assert.equal(encodeGrpcMessage(plain), plain);
  });

  it('encodes %, control characters and the UTF-8 bytes of everything else, in upper-case hex', () => {
    assert.equal(encodeGrpcMessage('100%'), '100%25');
    assert.equal(encodeGrpcMessage('line1\nline2\t\r'), 'line1%0Aline2%09%0D');
    assert.equal(encodeGrpcMessage('grüße'), 'gr%C3%BC%C3%9Fe');
    assert.equal(encodeGrpcMessage('日本'), '%E6%97%A5%E6%9C%AC');
    assert.equal(encodeGrpcMessage('🙂'), '%F0%9F%99%82');
    assert.equal(encodeGrpcMessage('\x7f'), '%7F');
  });

  it('decodes back, and what connect\'s decodeURIComponent reads is the same text', () => {
    for (const text of ['grüße 100% \n ok', '日本 🙂', 'plain', '%', '%%41']) {
      const wire = encodeGrpcMessage(text);
      assert.match(wire, /^[\x20-\x7e]*$/);
      assert.equal(decodeGrpcMessage(wire), text);
      assert.equal(decodeURIComponent(wire), text);
    }
  });

  it('keeps malformed escapes as they are (lower-case hex accepted)', () => {
    assert.equal(decodeGrpcMessage('50% off %zz %4'), '50% off %zz %4');
    assert.equal(decodeGrpcMessage('%c3%bc'), 'ü');
  });

  it('status fields: grpc-status always, grpc-message only when there is one', () => {
    assert.deepEqual(statusFields(0, ''), { 'grpc-status': '0' });
    assert.deepEqual(statusFields(Code.NotFound, 'nö'), { 'grpc-status': '5', 'grpc-message': 'n%C3%B6' });
  });
});

describe('gRPC request headers', () => {
  it('content types: application/grpc and +proto, answered in the same flavour', () => {
    for (const ok of ['application/grpc', 'application/grpc+proto', 'application/grpc; charset=utf-8']) assert.equal(isGrpcContentType(ok), true, ok);
    for (const bad of ['', 'application/json', 'application/grpc+json', 'application/grpc-web', 'application/grpcx']) assert.equal(isGrpcContentType(bad), false, bad);
    assert.equal(responseContentType('application/grpc'), 'application/grpc');
    assert.equal(responseContentType('application/grpc+proto'), 'application/grpc+proto');
  });

  it('grpc-timeout: up to 8 digits and a unit', () => {
    assert.deepEqual(parseGrpcTimeout(undefined), { ms: undefined });
    assert.deepEqual(parseGrpcTimeout('1H'), { ms: 3_600_000 });
    assert.deepEqual(parseGrpcTimeout('2M'), { ms: 120_000 });
    assert.deepEqual(parseGrpcTimeout('3S'), { ms: 3000 });
    assert.deepEqual(parseGrpcTimeout('250m'), { ms: 250 });
    assert.deepEqual(parseGrpcTimeout('5000u'), { ms: 5 });
    assert.deepEqual(parseGrpcTimeout('99999999n'), { ms: 99.999999 });
    for (const bad of ['', '1', 'S', '123456789S', '1.5S', '-1S', '10s']) {
      const r = parseGrpcTimeout(bad);
      assert.ok('code' in r && r.code === Code.Internal, bad);
    }
  });

  it('grpc-encoding', () => {
    assert.equal(messageEncoding(undefined), '');
    assert.equal(messageEncoding(' gzip '), 'gzip');
    assert.equal(messageEncoding(['identity', 'gzip']), 'identity');
  });
});
