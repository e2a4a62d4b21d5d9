/**
 * Runs one sync hook as the body of a server-side gRPC stream: what the hook sends becomes the
 * stream's output (with backpressure and msgSendTimeout, see Channel), its end ends the stream, its
 * failure fails it. Outgoing messages larger than maxMsgSize are refused here with a status that
 * names the setting, instead of failing inside the gRPC library with a bare size.
 */
import { Code } from '@connectrpc/connect';
import { Channel } from './channel.js';
import { KdsStatusError } from './kds-errors.js';

export type Hook<In, Out> = (input: AsyncIterable<In>, send: (m: Out) => Promise<void>, signal: AbortSignal) => Promise<void>;

export interface RunOptions<In, Out> {
  input: AsyncIterable<In>;
  hook: Hook<In, Out>;
  /** Aborts the hook (peer gone, connection kicked, server stopping). */
  signal: AbortSignal;
  sendTimeoutMs: number;
  maxMsgBytes: number;
  sizeOf: (m: Out) => number;
  /** `responses to zone "zone-1"`, for messages. */
  what: string;
  /** The setting(s) to raise when a message is too big. */
  maxMsgSizeSettings: string;
  onSend?: (m: Out) => void;
  onReceive?: (m: In) => void;
  /** The first error of `input` (the peer's side: e.g. its message was over the size limit). */
  onInputError?: (err: unknown) => void;
}

/** Passes `src` through, reporting each item and the first error. */
export async function* observed<T>(src: AsyncIterable<T>, onItem?: (t: T) => void, onError?: (e: unknown) => void): AsyncGenerator<T> {
  try {
    for await (const item of src) {
      onItem?.(item);
      yield item;
    }
  } catch (err) {
    onError?.(err);
    throw err;
  }
}

export async function* runHook<In, Out>(o: RunOptions<In, Out>): AsyncGenerator<Out> {
  const local = new AbortController();
  const signal = AbortSignal.any([o.signal, local.signal]);
  const out = new Channel<Out>({ sendTimeoutMs: o.sendTimeoutMs, what: o.what });
  const send = (m: Out): Promise<void> => {
    const size = o.sizeOf(m);
    if (size > o.maxMsgBytes) {
      const err = new KdsStatusError(
        Code.ResourceExhausted,
        'ERR_KDS_MESSAGE_TOO_LARGE',
        `a KDS message (${o.what}) is ${size} bytes, more than maxMsgSize (${o.maxMsgBytes}); raise ${o.maxMsgSizeSettings}`,
      );
      out.fail(err);
      return Promise.reject(err);
    }
    o.onSend?.(m);
    return out.push(m);
  };
  const input = observed(o.input, o.onReceive, o.onInputError);
  const run = o.hook(input, send, signal).then(
    () => out.end(),
    (err: unknown) => out.fail(err),
  );
  const onAbort = (): void => out.end();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    yield* out;
  } finally {
    signal.removeEventListener('abort', onAbort);
    local.abort();
    // A hook that ignores its signal must not hold the stream (or a shutdown) forever.
    await Promise.race([run, new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}
