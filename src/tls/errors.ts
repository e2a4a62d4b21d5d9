import { KumaError } from '../core/errors.js';

/** Stable codes for every failure the TLS layer raises on purpose. */
export type TlsErrorCode =
  | 'ERR_TLS_UNSUPPORTED_VERSION'
  | 'ERR_TLS_VERSION_RANGE'
  | 'ERR_TLS_UNSUPPORTED_CIPHER'
  | 'ERR_TLS_CIPHER_UNAVAILABLE'
  | 'ERR_TLS_LOAD_CERTIFICATE'
  | 'ERR_TLS_CLIENT_CA'
  | 'ERR_TLS_CA_CERT'
  | 'ERR_TLS_CLIENT_KEY_PAIR'
  | 'ERR_TLS_CONNECT';

/** An error of the TLS layer; `code` says which kind, the message what to change. */
export class TlsError extends KumaError {
  declare readonly code: TlsErrorCode;

  constructor(code: TlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A short reason for a failed file read, without the raw errno text (which repeats the path and reads
 * like a crash). Used in messages that already name the file.
 */
export function fileReadReason(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'ENOTDIR':
      return 'a parent of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  }
}
