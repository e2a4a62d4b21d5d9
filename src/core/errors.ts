/**
 * The base of every error kuma-ts raises on purpose. `code` is stable (tests, HTTP/gRPC mapping and
 * operators key on it); `message` says what went wrong and what to change. Never put a token, key or
 * password into either.
 */
export class KumaError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `err` is a KumaError carrying `code` (works across module copies, unlike instanceof). */
export function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** A message for any thrown value, for logs and CLI output. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
