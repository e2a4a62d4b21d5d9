/**
 * The first connection at kuma-cp start, retried while the database may still be coming up (both
 * started together by compose or Kubernetes). Kuma exits on the first failure; here transient
 * failures (refused, timeout, DNS, "starting up") are retried with exponential backoff for a bounded
 * time, while settings problems (TLS verification, authentication, missing database) fail at once:
 * waiting cannot fix them and an operator should see them immediately.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KumaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';

export const DEFAULT_RETRY_INITIAL_DELAY_MS = 250;
export const DEFAULT_RETRY_MAX_DELAY_MS = 5_000;

/** What `describe` must return: an explained error that says whether waiting can help. */
export type DescribedConnectError = KumaError & { readonly transient: boolean };

export interface ConnectRetryOptions<E extends DescribedConnectError> {
  /** Give up once this much time has passed since the first attempt. */
  deadlineMs: number;
  log: Logger;
  /** Turns a raw failure into the error that is logged and finally thrown (e.g. describeConnectError). */
  describe: (err: unknown) => E;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Stops waiting (kuma-cp shutting down); the pending sleep rejects with an AbortError. */
  signal?: AbortSignal;
  now?: () => number;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/**
 * Calls `connect` until it succeeds, a failure is not transient, or the deadline passes. Each failed
 * attempt is logged once at warn; the last described error is thrown, its message saying how long
 * it was tried.
 */
export async function connectWithRetry<T, E extends DescribedConnectError>(connect: () => Promise<T>, opts: ConnectRetryOptions<E>): Promise<T> {
  const now = opts.now ?? Date.now;
  const maxDelay = opts.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
  let delay = opts.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      const described = opts.describe(err);
      if (!described.transient) throw described;
      const elapsed = now() - start;
      const wait = Math.min(delay, opts.deadlineMs - elapsed);
      if (wait <= 0) {
        described.message = `${described.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${seconds(elapsed)})`;
        throw described;
      }
      opts.log.warn({ attempt, retryInMs: wait, code: described.code, error: described.message }, `${described.message} (attempt ${attempt}; retrying in ${seconds(wait)})`);
      await sleep(wait, undefined, opts.signal === undefined ? {} : { signal: opts.signal });
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
