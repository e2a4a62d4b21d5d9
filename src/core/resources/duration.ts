// Kuma's short duration strings for CA lifetimes (`pkg/core/resources/apis/mesh/mesh_helpers.go`):
// `^(\d+)(y|w|d|h|m|s|ms)$` or a bare `0`; `y` is 365 days.
const DURATION_RE = /^(\d+)(y|w|d|h|m|s|ms)$/;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** Milliseconds, or undefined when the string is not a valid Kuma duration. */
export function parseKumaDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const m = DURATION_RE.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
}

const PROTO_DURATION_RE = /^(-)?(\d+)(\.\d{1,9})?s$/;

/** A google.protobuf.Duration in proto-JSON (`"10s"`, `"0.5s"`) → milliseconds, undefined if malformed. */
export function parseProtoDuration(s: string): number | undefined {
  const m = PROTO_DURATION_RE.exec(s);
  if (!m) return undefined;
  const ms = (Number(m[2]) + Number(m[3] ?? 0)) * 1000;
  return m[1] ? -ms : ms;
}
