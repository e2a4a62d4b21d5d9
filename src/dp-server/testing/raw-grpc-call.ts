/**
 * Test and benchmark support: a bidi gRPC call made with node:http2 and our framing (grpc/), with no
 * gRPC library in between. The load generator simulates thousands of proxies with it (a library
 * client costs as much CPU per message as the server it is measuring), and tests use it as a second,
 * independent client of the server.
 */
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { Code } from '../grpc/codes.js';
import { encodeMessage, FramingError, MessageDecoder } from '../grpc/framing.js';
import { decodeGrpcMessage } from '../grpc/status.js';

export interface CallStatus {
  /** gRPC status code (0 = OK). */
  code: number;
  message: string;
  /** `grpc-message` as it was on the wire (percent-encoded). */
  wireMessage: string;
  /** The HTTP status, the response headers, and whether the status came in the only HEADERS frame (trailers-only). */
  httpStatus: number;
  headers: IncomingHttpHeaders;
  trailersOnly: boolean;
}

export interface RawCallEvents {
  /** One response message (a view valid only during the call). */
  message(payload: Uint8Array): void;
  /** The call is over; called once. */
  end(status: CallStatus): void;
}

export interface RawCallOptions {
  /** e.g. `/kuma.dp.v1.ConfigService/Stream` */
  path: string;
  /** Extra request headers (metadata), e.g. `authorization`. */
  metadata?: Record<string, string>;
  contentType?: string;
  readMaxBytes?: number;
}

export class RawGrpcCall {
  private readonly stream: ClientHttp2Stream;
  private readonly decoder: MessageDecoder;
  private httpStatus = 0;
  private headers: IncomingHttpHeaders = {};
  private status: CallStatus | undefined;
  private done = false;

  constructor(
    session: ClientHttp2Session,
    opts: RawCallOptions,
    private readonly events: RawCallEvents,
  ) {
    this.decoder = new MessageDecoder(opts.readMaxBytes ?? 4 * 1024 * 1024);
    this.stream = session.request({
      ':method': 'POST',
      ':path': opts.path,
      'content-type': opts.contentType ?? 'application/grpc',
      te: 'trailers',
      ...opts.metadata,
    });
    this.stream.on('response', (headers) => {
      this.httpStatus = Number(headers[':status']);
      this.headers = headers;
      if (headers['grpc-status'] !== undefined) this.status = statusOf(headers, this.httpStatus, headers, true);
    });
    this.stream.on('trailers', (trailers) => {
      this.status = statusOf(trailers, this.httpStatus, this.headers, false);
    });
    this.stream.on('data', (chunk: Buffer) => {
      if (this.done) return;
      try {
        this.decoder.push(chunk, (message) => this.events.message(message));
      } catch (err) {
        if (!(err instanceof FramingError)) throw err;
        this.finish({ code: err.grpcCode, message: err.message, wireMessage: '', httpStatus: this.httpStatus, headers: this.headers, trailersOnly: false });
        this.stream.close(constants.NGHTTP2_CANCEL);
      }
    });
    this.stream.on('error', () => {});
    // The call is over with the server's END_STREAM, whether or not we finished sending (as in grpc-go).
    this.stream.on('end', () => {
      if (this.status === undefined) return;
      this.finish(this.status);
      this.cancel();
    });
    this.stream.on('close', () => {
      const rst = this.stream.rstCode;
      const httpError = this.httpStatus !== 0 && this.httpStatus !== 200;
      this.finish(
        this.status ?? {
          code: httpError ? Code.Unknown : Code.Unavailable,
          message: httpError ? `HTTP status ${this.httpStatus}` : `stream closed without a gRPC status (RST_STREAM code ${rst ?? 'none'})`,
          wireMessage: '',
          httpStatus: this.httpStatus,
          headers: this.headers,
          trailersOnly: false,
        },
      );
    });
  }

  /** Sends one serialized request message; false when the stream buffers above its high-water mark. */
  write(payload: Uint8Array): boolean {
    if (this.done || this.stream.writableEnded) return false;
    return this.stream.write(encodeMessage(payload));
  }

  /** Sends raw bytes as they are (tests: split or malformed frames). */
  writeRaw(bytes: Uint8Array): void {
    this.stream.write(bytes);
  }

  /** Stop / restart reading responses (HTTP/2 flow control then holds the server back). */
  pauseReading(): void {
    this.stream.pause();
  }

  resumeReading(): void {
    this.stream.resume();
  }

  /** No more requests (END_STREAM). */
  halfClose(): void {
    if (!this.stream.writableEnded) this.stream.end();
  }

  /** Abandons the call (RST_STREAM CANCEL). */
  cancel(): void {
    if (!this.stream.closed && !this.stream.destroyed) this.stream.close(constants.NGHTTP2_CANCEL);
  }

  private finish(status: CallStatus): void {
    if (this.done) return;
    this.done = true;
    this.events.end(status);
  }
}

function statusOf(fields: IncomingHttpHeaders, httpStatus: number, headers: IncomingHttpHeaders, trailersOnly: boolean): CallStatus {
  const raw = fields['grpc-message'];
  const wireMessage = typeof raw === 'string' ? raw : '';
  return { code: Number(fields['grpc-status']), message: decodeGrpcMessage(wireMessage), wireMessage, httpStatus, headers, trailersOnly };
}
