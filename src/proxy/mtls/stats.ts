/** Per-listener counters, read by the agent for the DataplaneInsight and metrics. */

export interface ListenerStats {
  /** e.g. `inbound:10.0.0.5:8080` or `outbound:127.0.0.1:10001`. */
  name: string;
  /** Connections accepted since start. */
  connections: number;
  /** Connections open now (including those still handshaking). */
  active: number;
  /** Payload bytes received from downstream clients and forwarded. */
  bytesReceived: number;
  /** Payload bytes sent back to downstream clients. */
  bytesSent: number;
  /** Connections closed because the permission said deny (at handshake or on reauthorize). */
  denied: number;
  /** Connections allowed that a shadow deny would have refused. */
  shadowDenied: number;
  /** TLS that failed: bad or missing client certificate, wrong peer identity, TLS < 1.2, garbage. */
  handshakeFailures: number;
  /** Inbound: plaintext refused by a STRICT listener. */
  plaintextRefused: number;
  /** Inbound, by how each connection was handled. */
  mtls: number;
  plaintext: number;
  passthrough: number;
  /** Outbound: connections closed at once because the service had no endpoint. */
  noEndpoints: number;
  /** Connections that could not reach the upstream (application or endpoint). */
  upstreamFailures: number;
}

export type CounterName = Exclude<keyof ListenerStats, 'name' | 'active' | 'bytesReceived' | 'bytesSent'>;

export function emptyStats(name: string): ListenerStats {
  return {
    name,
    connections: 0,
    active: 0,
    bytesReceived: 0,
    bytesSent: 0,
    denied: 0,
    shadowDenied: 0,
    handshakeFailures: 0,
    plaintextRefused: 0,
    mtls: 0,
    plaintext: 0,
    passthrough: 0,
    noEndpoints: 0,
    upstreamFailures: 0,
  };
}
