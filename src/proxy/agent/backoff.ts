/** Full-jitter exponential backoff for stream reconnects: random in [base/2, min(cap, base·2^n)]. */
export function reconnectDelayMs(attempt: number, baseMs = 1000, capMs = 30_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  const floor = Math.min(ceiling, baseMs / 2);
  return floor + random() * (ceiling - floor);
}

/** Resolves after `ms`, or early (false) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
