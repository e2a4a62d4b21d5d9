/**
 * Why a config stream ends, as the gRPC status the proxy sees. Messages keep Kuma's texts where Kuma
 * has one (the proxy's operator searches for them) and never contain the token.
 */
import { Code } from './grpc/codes.js';

export class StreamError extends Error {
  constructor(
    readonly grpcCode: Code,
    message: string,
    /** The underlying error's stable code (e.g. ERR_TOKEN_REVOKED), for classification and logs. */
    readonly causeCode?: string,
  ) {
    super(message);
  }
}

export const streamErrors = {
  invalidNodeId: (reason: string) => new StreamError(Code.InvalidArgument, `request must have a valid Proxy ID: ${reason}`),
  nodeIdChanged: (was: string, now: string) =>
    new StreamError(Code.InvalidArgument, `stream was authenticated for ID ${was}. Received request is for node with ID ${now}. Node ID cannot be changed after stream is initialized`),
  unsupportedProxyType: (t: string) => new StreamError(Code.InvalidArgument, `unsupported proxy type ${JSON.stringify(t)}, only "dataplane" is supported`),
  notFound: (nodeId: string) =>
    new StreamError(Code.NotFound, `resource ${JSON.stringify(nodeId)} not found; create a Dataplane in Kuma CP first or pass it as an argument to kuma-dp`),
  credentialCount: (n: number) =>
    new StreamError(Code.Unauthenticated, `could not extract credential from DiscoveryRequest: request must have exactly 1 "authorization" header, got ${n}`),
  replaced: () =>
    new StreamError(
      Code.Aborted,
      'a newer config stream of this Dataplane was opened on this control plane instance and replaced this one (one stream per Dataplane; the newest wins)',
    ),
  noFirstRequest: (timeoutMs: number) =>
    new StreamError(Code.DeadlineExceeded, `no first request within ${timeoutMs} ms; send the node id and a subscription right after opening the stream`),
  invalidTemplate: (reason: string) => new StreamError(Code.InvalidArgument, `invalid Dataplane in the node metadata: ${reason}`),
  templateMismatch: (nodeId: string, mesh: string, name: string) =>
    new StreamError(Code.InvalidArgument, `proxyId ${nodeId} does not match proxy resource mesh ${JSON.stringify(mesh)} name ${JSON.stringify(name)}`),
  dataplaneDeleted: (nodeId: string) =>
    new StreamError(Code.NotFound, `dataplane deleted: the Dataplane ${JSON.stringify(nodeId)} was removed from the control plane while its proxy was connected`),
  shuttingDown: () => new StreamError(Code.Unavailable, 'the control plane is shutting down; reconnect (possibly to another instance)'),
  internal: () => new StreamError(Code.Internal, 'internal error in the control plane; see its log'),
};

/** Why a stream that was fine at connect time is closed now. */
export function liveRejection(err: StreamError): StreamError {
  switch (err.causeCode) {
    case 'ERR_TOKEN_REVOKED':
      return new StreamError(Code.Unauthenticated, `dataplane token revoked: ${err.message}`, err.causeCode);
    case 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND':
      return new StreamError(Code.Unauthenticated, `signing key deleted: ${err.message}`, err.causeCode);
    case 'ERR_TOKEN_BINDING':
      return new StreamError(Code.PermissionDenied, `dataplane changed: ${err.message}`, err.causeCode);
    default:
      return new StreamError(err.grpcCode, `dataplane token no longer valid: ${err.message}`, err.causeCode);
  }
}
