/**
 * gRPC message framing on an HTTP/2 stream (PROTOCOL-HTTP2.md "Length-Prefixed-Message"): a 1-byte
 * compressed flag, a 4-byte big-endian length, the message. DATA frames do not align with messages:
 * one message may span many chunks and one chunk may carry many messages. Nothing here compresses,
 * so a compressed message is refused with grpc-go's status. Shared by the server and the benchmark's
 * raw client; no dependencies beyond node:buffer.
 */
import { Code } from './codes.js';

export const FRAME_HEADER_BYTES = 5;

/** A status that ends the call, raised while reading the peer's messages. */
export class FramingError extends Error {
  constructor(
    readonly grpcCode: Code,
    message: string,
  ) {
    super(message);
  }
}

/** One framed, uncompressed message (a single buffer: one write per message). */
export function encodeMessage(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** grpc-go's check of the flag against the call's `grpc-encoding` (we install no decompressor). */
function payloadProblem(flag: number, encoding: string): FramingError | undefined {
  if (flag === 0) return undefined;
  if (flag !== 1) return new FramingError(Code.Internal, `grpc: received unexpected payload format ${flag}`);
  if (encoding === '' || encoding === 'identity') return new FramingError(Code.Internal, 'grpc: compressed flag set with identity or empty encoding');
  return new FramingError(Code.Unimplemented, `grpc: Decompressor is not installed for grpc-encoding ${JSON.stringify(encoding)}`);
}

/**
 * Reassembles messages from DATA chunks. Complete messages inside a chunk are handed out as views of
 * it (no copy); only a message split across chunks is copied once, into a buffer of its final size.
 */
export class MessageDecoder {
  /** Bytes of the current header seen so far (0 to 5). */
  private headerFill = 0;
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  /** The message being filled across chunks, or undefined between messages. */
  private body: Buffer | undefined;
  private bodyFill = 0;
  private failed: FramingError | undefined;

  /**
   * @param limitBytes largest accepted message (RESOURCE_EXHAUSTED beyond it, before any of it is buffered)
   * @param encoding the call's `grpc-encoding` header ('' when absent)
   */
  constructor(
    private readonly limitBytes: number,
    private readonly encoding = '',
  ) {}

  /** True while a message is partly received (the stream must not end here). */
  get midMessage(): boolean {
    return this.headerFill > 0 || this.body !== undefined;
  }

  /** Feeds one chunk; calls `onMessage` for each completed message in order. Throws FramingError. */
  push(chunk: Uint8Array, onMessage: (message: Uint8Array) => void): void {
    if (this.failed) throw this.failed;
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.body !== undefined) {
        const take = Math.min(this.body.length - this.bodyFill, end - at);
        this.body.set(chunk.subarray(at, at + take), this.bodyFill);
        this.bodyFill += take;
        at += take;
        if (this.bodyFill === this.body.length) {
          const message = this.body;
          this.body = undefined;
          onMessage(message);
        }
        continue;
      }
      let flag: number;
      let length: number;
      if (this.headerFill === 0 && end - at >= FRAME_HEADER_BYTES) {
        // Fast path: the whole header is in this chunk.
        flag = chunk[at] as number;
        length = (((chunk[at + 1] as number) << 24) >>> 0) + ((chunk[at + 2] as number) << 16) + ((chunk[at + 3] as number) << 8) + (chunk[at + 4] as number);
        at += FRAME_HEADER_BYTES;
      } else {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, end - at);
        this.header.set(chunk.subarray(at, at + take), this.headerFill);
        this.headerFill += take;
        at += take;
        if (this.headerFill < FRAME_HEADER_BYTES) return;
        this.headerFill = 0;
        flag = this.header[0] as number;
        length = this.header.readUInt32BE(1);
      }
      const problem = payloadProblem(flag, this.encoding) ?? this.sizeProblem(length);
      if (problem) {
        this.failed = problem;
        throw problem;
      }
      if (end - at >= length) {
        const message = chunk.subarray(at, at + length);
        at += length;
        onMessage(message);
      } else {
        this.body = Buffer.allocUnsafe(length);
        this.bodyFill = 0;
      }
    }
  }

  private sizeProblem(length: number): FramingError | undefined {
    if (length <= this.limitBytes) return undefined;
    return new FramingError(Code.ResourceExhausted, `grpc: received message larger than max (${length} vs. ${this.limitBytes})`);
  }
}
