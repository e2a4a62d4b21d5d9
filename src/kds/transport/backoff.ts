/**
 * Reconnect delays of the zone's KDS client (Kuma's resilient component: exponential, 5 s base,
 * 1 min cap, with jitter; reset after a run that lasted at least the cap). Jitter spreads the zones
 * of a fleet that lost the global at the same moment.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A run at least this long was healthy: the next failure starts again from `baseMs`. Default capMs. */
  healthyRunMs?: number;
  random?: () => number;
}

export class ReconnectBackoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt, given how long the last run lasted. */
  next(lastRunMs: number): number {
    if (lastRunMs >= (this.opts.healthyRunMs ?? this.opts.capMs)) this.attempt = 0;
    const ceiling = Math.min(this.opts.capMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    // Between half the ceiling and the ceiling: never a hot loop, still spread out.
    const floor = ceiling / 2;
    return Math.round(floor + (this.opts.random ?? Math.random)() * (ceiling - floor));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
