import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';

export interface RetryOptions {
  /** Pause between attempts (Kuma: 5 s for defaults, 1 s for the admin token). */
  intervalMs: number;
  /** Give up after this long (Kuma: 10 min); the last error is thrown. */
  maxDurationMs: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** What is being retried, for the debug log. */
  what?: string;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Run `fn` until it succeeds, the time budget is spent (throws the last error) or `signal` aborts. */
export async function retryUntil<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const deadline = Date.now() + opts.maxDurationMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (opts.signal?.aborted || Date.now() + opts.intervalMs > deadline) throw err;
      opts.logger?.debug({ err: messageOf(err) }, `could not ${opts.what ?? 'complete the operation'}. Retrying.`);
    }
    await sleep(opts.intervalMs, opts.signal);
  }
}
