/**
 * Iterate `source` until it ends or `stop` settles, whichever comes first. A plain `for await` cannot
 * be interrupted while it waits for the next item (an async generator's `return()` queues behind the
 * pending `next()`), so each `next()` races the stop promise.
 */
export async function* untilStopped<T>(source: AsyncIterable<T>, stop: Promise<unknown>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const stopSignal: Promise<'stopped'> = stop.then(
    () => 'stopped' as const,
    () => 'stopped' as const,
  );
  try {
    for (;;) {
      const r = await Promise.race([it.next(), stopSignal]);
      if (r === 'stopped' || r.done) return;
      yield r.value;
    }
  } finally {
    // Not awaited: a generator blocked in `await` only returns once its pending next() settles.
    void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}

/** A promise that resolves when `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
