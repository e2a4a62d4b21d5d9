/**
 * When a live stream's token expires (better than Kuma, which notices only on reconnect): the `exp`
 * claim of a token that already passed validation, read without verifying again. Undefined when
 * the token has no expiry (or is not a JWT, e.g. authentication `none`).
 */
export function tokenExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    const exp = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>)['exp'] : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Node timers hold at most 2^31-1 ms (~24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `onExpired` once `atMs` has passed; returns the cancel function. */
export function whenExpired(atMs: number, onExpired: () => void, now: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const wait = atMs - now();
    if (wait <= 0) {
      timer = undefined;
      onExpired();
      return;
    }
    // A few ms late, so the validator (no leeway) sees the token as expired.
    timer = setTimeout(arm, Math.min(wait + 5, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
