// Kuma's table cells for times (app/kumactl/pkg/output/table/cells.go), on Go's saturating
// time.Duration: a zero time (year 1) is "292y" because the difference clamps at ~292 years.

const MAX_DURATION_MS = 9_223_372_036_854; // math.MaxInt64 nanoseconds, in milliseconds

/** `Ns`, `Nm`, `Nh`, `Nd`, `Ny`; `0s` just in the future, `never` further ahead. */
export function formatAge(ms: number): string {
  const d = Math.max(-MAX_DURATION_MS, Math.min(MAX_DURATION_MS, ms));
  const seconds = Math.trunc(d / 1000);
  if (seconds < -1) return 'never';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(d / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(d / 3_600_000);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(d / 3_600_000 / 24 / 365)}y`;
}

/** Age of an RFC 3339 timestamp at `now`; a missing or unparsable time counts as Go's zero time. */
export function timeSince(timestamp: unknown, now: Date): string {
  const t = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  return formatAge(now.getTime() - (Number.isNaN(t) ? ZERO_TIME_MS : t));
}

const ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/** `never` for a missing time (Kuma's Ago). */
export function ago(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) return 'never';
  return formatAge(now.getTime() - Date.parse(timestamp));
}
