/**
 * Small pieces of the global's KDS server: the port's TLS settings, the peer of a stream (address,
 * HTTP/2 session and stream, verified client certificate), the wording of size-limit failures, and
 * the clean end of a stream after its final status.
 */
import { constants, type Http2ServerRequest, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { Code, ConnectError } from '@connectrpc/connect';
import type { IncomingMessage } from 'node:http';
import type { KumaCpConfig } from '../../config/kuma-cp-config.js';
import type { TlsServerSettings } from '../../tls/server-credentials.js';

/**
 * The KDS port's TLS settings: resolveServerTls(cfg, 'multizone.global.kds' section, general pair)
 * plus the client-certificate policy (`tlsCaFile`, `requireClientCert`) of mutual TLS.
 */
export function kdsServerTlsSettings(base: TlsServerSettings, cfg: Pick<KumaCpConfig, 'multizone'>): TlsServerSettings {
  const kds = cfg.multizone.global.kds;
  return { ...base, clientCaFile: kds.tlsCaFile, requireClientCert: kds.requireClientCert };
}

export const MAX_MSG_SETTINGS = 'multizone.global.kds.maxMsgSize (KUMA_MULTIZONE_GLOBAL_KDS_MAX_MSG_SIZE) on the global and multizone.zone.kds.maxMsgSize on the zones';

export interface Peer {
  rawHeaders: string[];
  /** `ip:port` of the zone, for logs. */
  address: string;
  session: Http2Session | undefined;
  stream: ServerHttp2Stream | undefined;
}

/** `req` as connect-node hands it to contextValues (an HTTP/1.1 or HTTP/2 request). */
export function peerOf(req: IncomingMessage | Http2ServerRequest): Peer {
  const h2 = req.httpVersionMajor === 2 ? (req as Http2ServerRequest).stream : undefined;
  return { rawHeaders: req.rawHeaders, address: `${req.socket?.remoteAddress ?? ''}:${req.socket?.remotePort ?? ''}`, session: h2?.session, stream: h2 };
}

/** The verified client certificate of the stream's connection (mutual TLS), if any. */
export function peerCertificateOf(session: Http2Session | undefined): PeerCertificate | undefined {
  const socket = session?.socket as TLSSocket | undefined;
  if (socket === undefined || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  return cert !== null && Object.keys(cert).length > 0 ? cert : undefined;
}

/** The status for a failure reading the zone's messages (connect's size limit gets our wording). */
export function inputStatus(err: unknown, zone: string, maxMsgSize: number): ConnectError | undefined {
  if (err === undefined) return undefined;
  const ce = ConnectError.from(err);
  if (ce.code !== Code.ResourceExhausted) return ce;
  return new ConnectError(
    `a KDS message from zone ${JSON.stringify(zone)} is larger than the global's maxMsgSize (${maxMsgSize} bytes): ${ce.rawMessage}; raise ${MAX_MSG_SETTINGS}`,
    Code.ResourceExhausted,
  );
}

/**
 * After our final status, a client that never half-closes its side would keep the HTTP/2 stream
 * open (and count against the connection's stream limit); reset it with NO_ERROR a moment later, so
 * the trailers go out first (as grpc-go does).
 */
export function closeLater(stream: ServerHttp2Stream | undefined): void {
  if (stream === undefined) return;
  setTimeout(() => {
    if (!stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
  }, 1000).unref();
}
