/**
 * The gRPC side of the DP server: `kuma.dp.v1.ConfigService/Stream` served on our own framing
 * (grpc/), one ConfigStreamSession per call. A response is serialized and written as it is pushed;
 * a request is parsed and handed to the session as its last DATA byte arrives.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { ConfigService, DiscoveryRequestSchema, DiscoveryResponseSchema, type DiscoveryRequest } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { ConfigStreamSession, type Credential, type ResponseSink, type StreamServices } from './config-stream-session.js';
import { BidiCall, respondWithStatus } from './grpc/bidi-stream.js';
import { Code, STATUS_OK } from './grpc/codes.js';
import { streamErrors } from './stream-errors.js';

/** `/kuma.dp.v1.ConfigService/Stream` */
export const CONFIG_STREAM_PATH = `/${ConfigService.typeName}/${ConfigService.method.stream.name}`;

export interface ConfigStreamServer {
  services: StreamServices;
  /** Largest request message (gRPC's default: 4 MiB). */
  readMaxBytes: number;
  logger: Logger;
  isStopping(): boolean;
  /** A call started: the session, until its `closed` resolves (active-stream accounting, stop()). */
  track(session: ConfigStreamSession): void;
}

/** Every `authorization` value as sent (Node joins repeated headers, so count the raw list). */
export function credentialOf(req: Http2ServerRequest): Credential {
  const raw = req.rawHeaders;
  let count = 0;
  let value = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === 'authorization') {
      count += 1;
      value = raw[i + 1] as string;
    }
  }
  return { count, value: count === 1 ? value : '' };
}

/** Serves one HTTP/2 request that is a gRPC call (POST, gRPC content type: checked by the router). */
export function serveGrpcCall(srv: ConfigStreamServer, req: Http2ServerRequest, res: Http2ServerResponse): void {
  const path = (req.url ?? '').split('?', 1)[0] ?? '';
  if (path !== CONFIG_STREAM_PATH) return respondWithStatus(req, res, Code.Unimplemented, unknownMethodText(path));
  if (srv.isStopping()) return respondWithStatus(req, res, Code.Unavailable, streamErrors.shuttingDown().message);

  const call = new BidiCall(req, res, {
    readMaxBytes: srv.readMaxBytes,
    onHandlerError: (err) => srv.logger.error({ reason: messageOf(err) }, 'config stream failed'),
  });
  const sink: ResponseSink = {
    send: (response) => call.send(toBinary(DiscoveryResponseSchema, response)),
    end: (err) => (err ? call.end(err.grpcCode, err.message) : call.end(STATUS_OK)),
    pauseRequests: () => call.pauseReading(),
    resumeRequests: () => call.resumeReading(),
  };
  const session = new ConfigStreamSession(srv.services, credentialOf(req), call.peerAddress, sink);
  srv.track(session);
  const started = call.start({
    message: (payload) => {
      let request: DiscoveryRequest;
      try {
        request = fromBinary(DiscoveryRequestSchema, payload);
      } catch (err) {
        srv.logger.debug({ reason: messageOf(err) }, 'config stream request could not be parsed');
        return call.end(Code.Internal, `grpc: failed to unmarshal the received message: ${messageOf(err)}`);
      }
      session.receive(request);
    },
    halfClose: () => session.halfClosed(),
    drain: () => session.drained(),
    closed: () => session.transportClosed(),
  });
  if (started) session.start();
}

/** grpc-go's texts for a path it has no handler for. */
function unknownMethodText(path: string): string {
  const shown = path.slice(0, 200);
  const slash = shown.lastIndexOf('/');
  if (slash <= 0) return `malformed method name: ${JSON.stringify(shown)}`;
  const service = shown.slice(1, slash);
  if (service !== ConfigService.typeName) return `unknown service ${service}`;
  return `unknown method ${shown.slice(slash + 1)} for service ${service}`;
}
