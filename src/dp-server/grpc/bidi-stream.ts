/**
 * The server side of one bidirectional-streaming gRPC call on a node:http2 stream, with no
 * per-message async machinery: request DATA is reassembled into messages handed to the handler as
 * they complete, a response is one framed write, and the call ends with a status in the trailers (or
 * in a trailers-only response when no message went out). The handler sees backpressure through
 * `send()`'s result and `drain()`.
 *
 * The response goes through node's compatibility response object (it owns the stream's trailers);
 * the request is read from the raw stream.
 */
import { constants, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Stream } from 'node:http2';
import { Code, type StatusCode } from './codes.js';
import { encodeMessage, FramingError, MessageDecoder } from './framing.js';
import { messageEncoding, parseGrpcTimeout, responseContentType } from './request-headers.js';
import { statusFields } from './status.js';

export interface BidiCallHandler {
  /** One complete request message (a view that is only valid during this call). */
  message(payload: Uint8Array): void;
  /** The client half-closed: no more messages will come. */
  halfClose(): void;
  /** The stream took its queued responses: sending may resume. */
  drain(): void;
  /** The call is over: our status went out, or the peer reset the stream, or the connection went. Called once. */
  closed(): void;
}

export interface BidiCallOptions {
  /** Largest request message (RESOURCE_EXHAUSTED beyond). */
  readMaxBytes: number;
  /**
   * After our status, a client that never half-closes (connect's client does not while its request
   * iterable is open) would keep the HTTP/2 stream open for good. Like grpc-go we reset it with
   * NO_ERROR, this long after the trailers so that they go out first.
   */
  resetDelayMs?: number;
  /** A handler threw (a bug): the call ends with INTERNAL; this is told why. */
  onHandlerError?: (err: unknown) => void;
}

const DEFAULT_RESET_DELAY_MS = 1000;

/** See BidiCallOptions.resetDelayMs. */
function resetLater(stream: ServerHttp2Stream, delayMs: number): void {
  if (stream.readableEnded) return;
  setTimeout(() => {
    if (!stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
  }, delayMs).unref();
}

/** Answers a call with a status only (HEADERS with END_STREAM): unknown methods, refusals. */
export function respondWithStatus(req: Http2ServerRequest, res: Http2ServerResponse, code: StatusCode, message: string): void {
  if (res.headersSent) return;
  res.writeHead(200, { 'content-type': responseContentType(String(req.headers['content-type'] ?? '')), ...statusFields(code, message) });
  res.end();
  resetLater(req.stream, DEFAULT_RESET_DELAY_MS);
}

export class BidiCall {
  private readonly stream: ServerHttp2Stream;
  private readonly decoder: MessageDecoder;
  private readonly contentType: string;
  private handler: BidiCallHandler | undefined;
  private ended = false;
  private readEnded = false;
  private blocked = false;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly req: Http2ServerRequest,
    private readonly res: Http2ServerResponse,
    private readonly opts: BidiCallOptions,
  ) {
    this.stream = req.stream;
    this.contentType = responseContentType(String(req.headers['content-type'] ?? ''));
    this.decoder = new MessageDecoder(opts.readMaxBytes, messageEncoding(req.headers['grpc-encoding']));
  }

  /** The remote address of the connection ('' once it is gone). */
  get peerAddress(): string {
    return this.stream.session?.socket?.remoteAddress ?? '';
  }

  /** Starts reading. Returns false when the call was refused right away (its status is sent). */
  start(handler: BidiCallHandler): boolean {
    this.handler = handler;
    const timeout = parseGrpcTimeout(this.req.headers['grpc-timeout'] as string | undefined);
    if ('code' in timeout) {
      this.end(timeout.code, timeout.message);
      return false;
    }
    if (timeout.ms !== undefined) {
      this.deadline = setTimeout(() => this.end(Code.DeadlineExceeded, `the call's grpc-timeout (${Math.round(timeout.ms as number)} ms) passed`), timeout.ms);
      this.deadline.unref();
    }
    const stream = this.stream;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.once('end', () => this.onEnd());
    stream.on('drain', () => this.onDrain());
    stream.once('close', () => this.onClose());
    // Errors (a reset, a dead connection) also close the stream; 'close' does the work.
    stream.on('error', () => {});
    return true;
  }

  /** Sends one serialized message. False: the stream is backed up, wait for the handler's drain(). */
  send(payload: Uint8Array): boolean {
    if (this.ended) return false;
    if (!this.res.headersSent) this.res.writeHead(200, { 'content-type': this.contentType });
    const ok = this.res.write(encodeMessage(payload));
    if (!ok) this.blocked = true;
    return ok;
  }

  /** Ends the call with a status (trailers, or trailers-only before any message). Idempotent. */
  end(code: StatusCode, message = ''): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.deadline);
    const stream = this.stream;
    if (!stream.destroyed && !stream.closed) {
      const fields = statusFields(code, message);
      if (this.res.headersSent) {
        this.res.addTrailers(fields);
      } else {
        this.res.writeHead(200, { 'content-type': this.contentType, ...fields });
      }
      this.res.end();
      if (!this.readEnded) resetLater(stream, this.opts.resetDelayMs ?? DEFAULT_RESET_DELAY_MS);
    }
    this.handler?.closed();
  }

  /** Stops / restarts reading requests (HTTP/2 flow control then holds the client back). */
  pauseReading(): void {
    this.stream.pause();
  }

  resumeReading(): void {
    this.stream.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    try {
      this.decoder.push(chunk, this.onMessage);
    } catch (err) {
      if (err instanceof FramingError) return this.end(err.grpcCode, err.message);
      // Handlers do not throw; should one, the call ends rather than the process.
      this.opts.onHandlerError?.(err);
      this.end(Code.Internal, 'internal error in the server; see its log');
    }
  }

  private readonly onMessage = (payload: Uint8Array): void => {
    if (!this.ended) this.handler?.message(payload);
  };

  private onEnd(): void {
    this.readEnded = true;
    if (this.ended) return;
    if (this.decoder.midMessage) return this.end(Code.Internal, 'grpc: the request stream ended in the middle of a message (unexpected EOF)');
    this.handler?.halfClose();
  }

  private onDrain(): void {
    if (!this.blocked) return;
    this.blocked = false;
    if (!this.ended) this.handler?.drain();
  }

  private onClose(): void {
    clearTimeout(this.deadline);
    if (this.ended) return;
    this.ended = true;
    this.handler?.closed();
  }
}
