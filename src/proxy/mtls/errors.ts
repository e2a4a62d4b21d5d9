import { KumaError } from '../../core/errors.js';

/** Stable codes for what the kuma-dp proxy refuses to start or update with. */
export type ProxyMtlsErrorCode =
  | 'ERR_PROXY_IDENTITY'
  | 'ERR_PROXY_CONFIG'
  | 'ERR_PROXY_NO_IDENTITY'
  | 'ERR_PROXY_PEER_IDENTITY';

/** A configuration the proxy cannot apply; the message says what to change. Never carries key material. */
export class ProxyMtlsError extends KumaError {
  declare readonly code: ProxyMtlsErrorCode;

  constructor(code: ProxyMtlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
