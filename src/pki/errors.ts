import { KumaError } from '../core/errors.js';

/** Stable codes for every failure the PKI library raises on purpose. */
export type PkiErrorCode =
  | 'ERR_PKI_MALFORMED_PEM'
  | 'ERR_PKI_MALFORMED_DER'
  | 'ERR_PKI_NO_CERTIFICATE'
  | 'ERR_PKI_NO_KEY'
  | 'ERR_PKI_ENCRYPTED_KEY'
  | 'ERR_PKI_UNSUPPORTED_KEY'
  | 'ERR_PKI_KEY_MISMATCH'
  | 'ERR_PKI_EXPIRED'
  | 'ERR_PKI_NOT_YET_VALID'
  | 'ERR_PKI_UNKNOWN_ISSUER'
  | 'ERR_PKI_BAD_SIGNATURE'
  | 'ERR_PKI_NOT_CA'
  | 'ERR_PKI_INVALID_HOST'
  | 'ERR_PKI_INVALID_CERT_TYPE'
  | 'ERR_PKI_INVALID_KEY_TYPE'
  | 'ERR_PKI_INVALID_ARGUMENT'
  | 'ERR_PKI_KEYGEN'
  | 'ERR_PKI_WRITE_FILE';

/** An error of the PKI library; `code` says which kind, the message what to change. */
export class PkiError extends KumaError {
  declare readonly code: PkiErrorCode;

  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** " in <source>" when a source (usually a file name) is known, so messages point at the file. */
export function inSource(source: string | undefined): string {
  return source === undefined || source === '' ? '' : ` in ${source}`;
}
