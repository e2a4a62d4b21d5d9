import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from './codes.js';
import { encodeMessage, FramingError, MessageDecoder } from './framing.js';

const msg = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Feeds `chunks` and returns the messages as strings. */
function decodeAll(decoder: MessageDecoder, chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  for (const c of chunks) decoder.push(c, (m) => out.push(Buffer.from(m).toString('utf8')));
  return out;
}

function framingError(fn: () => void): FramingError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FramingError, `expected a FramingError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a FramingError');
}

describe('gRPC message framing', () => {
  it('encodes flag 0, the big-endian length and the message', () => {
    assert.deepEqual([...encodeMessage(msg('abc'))], [0, 0, 0, 0, 3, 0x61, 0x62, 0x63]);
    assert.deepEqual([...encodeMessage(new Uint8Array(0))], [0, 0, 0, 0, 0]);
    const big = encodeMessage(new Uint8Array(70_000));
    assert.equal(big.readUInt32BE(1), 70_000);
    assert.equal(big.length, 70_005);
  });

  it('decodes several messages packed in one chunk, including empty ones', () => {
    const packed = Buffer.concat([encodeMessage(msg('one')), encodeMessage(msg('')), encodeMessage(msg('three'))]);
    assert.deepEqual(decodeAll(new MessageDecoder(1024), [packed]), ['one', '', 'three']);
  });

  it('decodes messages split at every possible byte boundary, header included', () => {
    const stream = Buffer.concat([encodeMessage(msg('hello')), encodeMessage(msg('world!')), encodeMessage(msg(''))]);
    for (let cut = 1; cut < stream.length; cut++) {
      const d = new MessageDecoder(1024);
      assert.deepEqual(decodeAll(d, [stream.subarray(0, cut), stream.subarray(cut)]), ['hello', 'world!', ''], `cut at ${cut}`);
      assert.equal(d.midMessage, false);
    }
    // One byte per chunk.
    const d = new MessageDecoder(1024);
    assert.deepEqual(decodeAll(d, [...stream].map((b) => Uint8Array.of(b))), ['hello', 'world!', '']);
  });

  it('a message split across chunks is copied whole (later chunks do not alter it)', () => {
    const frame = encodeMessage(msg('abcdef'));
    const first = Buffer.from(frame.subarray(0, 7));
    const second = Buffer.from(frame.subarray(7));
    const seen: Uint8Array[] = [];
    const d = new MessageDecoder(1024);
    d.push(first, (m) => seen.push(m));
    assert.equal(d.midMessage, true);
    d.push(second, (m) => seen.push(m));
    first.fill(0);
    second.fill(0);
    assert.equal(Buffer.from(seen[0] as Uint8Array).toString(), 'abcdef');
  });

  it('knows when it stopped inside a header or a body', () => {
    const frame = encodeMessage(msg('abc'));
    const d = new MessageDecoder(1024);
    d.push(frame.subarray(0, 2), () => {});
    assert.equal(d.midMessage, true);
    d.push(frame.subarray(2, 6), () => {});
    assert.equal(d.midMessage, true);
    d.push(frame.subarray(6), () => {});
    assert.equal(d.midMessage, false);
  });

  it('refuses a message over the limit from its header alone (RESOURCE_EXHAUSTED, grpc-go text)', () => {
    const d = new MessageDecoder(10);
    assert.deepEqual(decodeAll(d, [encodeMessage(new Uint8Array(10))]), ['\0'.repeat(10)]);
    const header = Buffer.from([0, 0, 0x40, 0, 0]); // 4 MiB announced, nothing of it sent
    const err = framingError(() => d.push(header, () => assert.fail('no message')));
    assert.equal(err.grpcCode, Code.ResourceExhausted);
    assert.equal(err.message, 'grpc: received message larger than max (4194304 vs. 10)');
    // The decoder stays failed.
    assert.equal(framingError(() => d.push(encodeMessage(msg('x')), () => {})), err);
  });

  it('refuses compressed messages like grpc-go without a decompressor', () => {
    const compressed = Buffer.from([1, 0, 0, 0, 1, 0x61]);
    let err = framingError(() => new MessageDecoder(1024).push(compressed, () => {}));
    assert.equal(err.grpcCode, Code.Internal);
    assert.equal(err.message, 'grpc: compressed flag set with identity or empty encoding');
    err = framingError(() => new MessageDecoder(1024, 'identity').push(compressed, () => {}));
    assert.equal(err.grpcCode, Code.Internal);
    err = framingError(() => new MessageDecoder(1024, 'gzip').push(compressed, () => {}));
    assert.equal(err.grpcCode, Code.Unimplemented);
    assert.equal(err.message, 'grpc: Decompressor is not installed for grpc-encoding "gzip"');
    err = framingError(() => new MessageDecoder(1024).push(Buffer.from([7, 0, 0, 0, 0]), () => {}));
    assert.equal(err.grpcCode, Code.Internal);
    assert.equal(err.message, 'grpc: received unexpected payload format 7');
    // Uncompressed messages are fine whatever grpc-encoding says.
    assert.deepEqual(decodeAll(new MessageDecoder(1024, 'gzip'), [encodeMessage(msg('ok'))]), ['ok']);
  });

  it('messages before a bad header in the same chunk are still delivered', () => {
    const chunk = Buffer.concat([encodeMessage(msg('first')), Buffer.from([1, 0, 0, 0, 0])]);
    const seen: string[] = [];
    framingError(() => new MessageDecoder(1024).push(chunk, (m) => seen.push(Buffer.from(m).toString())));
    assert.deepEqual(seen, ['first']);
  });
});
