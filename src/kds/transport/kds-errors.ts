/**
 * Errors of the KDS transport. `KdsError` is a failure of our own side (configuration, a token file,
 * a closed stream); `KdsStatusError` is why the global refuses or ends a zone's stream, carried to the
 * zone as a gRPC status whose message says what to fix. Neither ever contains a token.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { KumaError } from '../../core/errors.js';

export class KdsError extends KumaError {}

export class KdsStatusError extends KumaError {
  constructor(
    readonly grpcCode: Code,
    code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }

  toConnectError(): ConnectError {
    return new ConnectError(this.message, this.grpcCode);
  }
}

/** The gRPC status of any error raised while serving a stream (our refusals keep their code). */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof KdsStatusError) return err.toConnectError();
  if (err instanceof ConnectError) return err;
  if (err instanceof KumaError && err.code === 'ERR_KDS_SEND_TIMEOUT') return new ConnectError(err.message, Code.DeadlineExceeded);
  return new ConnectError(`KDS sync failed on the global control plane: ${err instanceof Error ? err.message : String(err)}`, Code.Internal);
}
