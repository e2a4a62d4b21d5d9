/**
 * What a gRPC server reads from the request HEADERS before the first message: the content type to
 * answer with, the message encoding, and the deadline (`grpc-timeout`, PROTOCOL-HTTP2.md). Pure.
 */
import { Code } from './codes.js';

/** application/grpc or application/grpc+proto, optionally with parameters. */
const GRPC_CONTENT_TYPE = /^application\/grpc(\+proto)?(;|$)/;

export function isGrpcContentType(value: string): boolean {
  return GRPC_CONTENT_TYPE.test(value);
}

/** We answer in the request's flavour (as grpc-go does). */
export function responseContentType(requestContentType: string): string {
  return requestContentType.startsWith('application/grpc+proto') ? 'application/grpc+proto' : 'application/grpc';
}

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * The deadline in ms (undefined when the header is absent), or the status grpc-go answers for a
 * malformed one (at most 8 digits and one unit letter).
 */
export function parseGrpcTimeout(value: string | undefined): { ms: number | undefined } | { code: Code; message: string } {
  if (value === undefined) return { ms: undefined };
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!m) return { code: Code.Internal, message: `malformed grpc-timeout: ${JSON.stringify(value.slice(0, 40))} is not 1 to 8 digits followed by one of H M S m u n` };
  return { ms: Math.max(0, Number(m[1]) * (UNIT_MS[m[2] as string] as number)) };
}

/** The one `grpc-encoding` value ('' when absent). */
export function messageEncoding(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}
