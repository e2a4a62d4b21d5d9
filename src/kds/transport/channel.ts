/**
 * One direction of a KDS stream as an async iterable with backpressure: the sync engine `push`es
 * messages, gRPC (connect) pulls them with `for await`. `push` resolves when the message was pulled,
 * so a peer that stops reading (flow control) holds the sender back, and after `sendTimeoutMs`
 * without a pull the channel fails: Kuma's `msgSendTimeout` (a stuck stream is closed, not kept).
 */
import { KdsError } from './kds-errors.js';

interface Pending<T> {
  message: T;
  pulled: () => void;
  failed: (err: unknown) => void;
}

export interface ChannelOptions {
  /** Fail the channel when a pushed message is not pulled within this time; 0 or absent: never. */
  sendTimeoutMs?: number;
  /** What flows here, for the timeout message ("responses to zone zone-1"). */
  what?: string;
}

export class Channel<T> implements AsyncIterable<T> {
  private readonly queue: Pending<T>[] = [];
  private ended = false;
  private failure: { err: unknown } | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ChannelOptions = {}) {}

  /** Queues `message`; resolves once the consumer took it, rejects if the channel fails or ends first. */
  push(message: T): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.err);
    if (this.ended) return Promise.reject(new KdsError('ERR_KDS_STREAM_CLOSED', `cannot send on a closed stream (${this.opts.what ?? 'KDS'})`));
    return new Promise<void>((pulled, failed) => {
      this.queue.push({ message, pulled, failed });
      this.armTimer();
      this.wake?.();
    });
  }

  /** No more messages: iteration ends once the queue is drained. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Iteration throws `err` (after nothing else); pending pushes reject with it. */
  fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = { err };
    this.clearTimer();
    for (const p of this.queue.splice(0)) p.failed(err);
    this.wake?.();
  }

  get isClosed(): boolean {
    return this.ended || this.failure !== undefined;
  }

  private armTimer(): void {
    const ms = this.opts.sendTimeoutMs ?? 0;
    if (ms <= 0 || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.queue.length === 0) return;
      this.fail(
        new KdsError(
          'ERR_KDS_SEND_TIMEOUT',
          `sending a KDS message (${this.opts.what ?? 'KDS'}) took longer than msgSendTimeout (${ms} ms): the peer stopped reading; the stream is closed and will be re-established`,
        ),
      );
    }, ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        if (this.failure !== undefined) throw this.failure.err;
        const next = this.queue.shift();
        if (next !== undefined) {
          // A new deadline for the next message in line, counted from now.
          this.clearTimer();
          if (this.queue.length > 0) this.armTimer();
          next.pulled();
          yield next.message;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
      }
    } finally {
      // The consumer went away (stream closed): nobody will pull what is left.
      this.clearTimer();
      if (this.failure === undefined) {
        const closed = new KdsError('ERR_KDS_STREAM_CLOSED', `the stream was closed (${this.opts.what ?? 'KDS'})`);
        this.failure = { err: closed };
        for (const p of this.queue.splice(0)) p.failed(closed);
      }
    }
  }
}
