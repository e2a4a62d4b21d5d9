/** Schema of `multizone`: the global KDS server and the zone's KDS client. */

import { bool, duration, ignored, section, secret, str, uint } from './schema.js';
import { serverTlsFields } from './kuma-cp-schema-servers.js';

const G = 'KUMA_MULTIZONE_GLOBAL_KDS';
const Z = 'KUMA_MULTIZONE_ZONE_KDS';

export const globalKdsSchema = section('KDS server of the global control plane (zones connect to it).', {
  grpcPort: uint(5685, `${G}_GRPC_PORT`, 'Port of the KDS gRPC server.'),
  refreshInterval: duration('1s', `${G}_REFRESH_INTERVAL`, 'How often the state sent to zones is recomputed.'),
  zoneInsightFlushInterval: duration('10s', `${G}_ZONE_INSIGHT_FLUSH_INTERVAL`, 'How often zone connection statistics are saved.'),
  tlsEnabled: bool(true, `${G}_TLS_ENABLED`, 'If false, KDS is plaintext gRPC.'),
  ...serverTlsFields(G),
  tlsCaFile: str('', `${G}_TLS_CA_FILE`, 'PEM CA bundle that zone client certificates must chain to (used with requireClientCert).'),
  requireClientCert: bool(false, `${G}_REQUIRE_CLIENT_CERT`, 'If true, zones must present a client certificate signed by tlsCaFile (KDS mutual TLS).'),
  auth: section('Zone authentication.', {
    type: str('none', `${G}_AUTH_TYPE`, 'none (Kuma behaviour: the zone name a zone claims is trusted) or zoneToken (zones must send a zone token bound to their name).'),
  }),
  maxMsgSize: uint(10485760, `${G}_MAX_MSG_SIZE`, 'Maximum size in bytes of one KDS message.'),
  msgSendTimeout: duration('60s', `${G}_MSG_SEND_TIMEOUT`, 'A stream is closed when sending one message takes longer.'),
  nackBackoff: duration('5s', `${G}_NACK_BACKOFF`, 'Wait before resending a response a zone rejected.'),
  responseBackoff: duration('0s', `${G}_RESPONSE_BACKOFF`, 'Wait before sending ACK/NACK, to slow down chatty zones.'),
  logPayloads: ignored('Kuma payload logging switch.'),
  eventBasedWatchdog: ignored('Kuma event-based snapshot timing.'),
  zoneHealthCheck: ignored('Kuma zone health check timing.'),
  tracing: ignored('Kuma KDS tracing switch.'),
  labels: ignored('Kuma label handling.'),
});

export const zoneSchema = section('This zone and its connection to the global control plane.', {
  name: str('default', 'KUMA_MULTIZONE_ZONE_NAME', 'Zone name (an RFC 1035 DNS label).'),
  globalAddress: str('', 'KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS', 'KDS address of the global CP: grpcs://host:5685 (TLS) or grpc://host:5685; empty means not federated.'),
  kds: section('KDS client.', {
    refreshInterval: duration('1s', `${Z}_REFRESH_INTERVAL`, 'How often the state sent to the global CP is recomputed.'),
    rootCaFile: str('', `${Z}_ROOT_CA_FILE`, "PEM CA bundle the global CP's certificate must chain to; empty means the system roots."),
    tlsSkipVerify: bool(false, `${Z}_TLS_SKIP_VERIFY`, "If true, the global CP's certificate is not verified (insecure)."),
    tlsCertFile: str('', `${Z}_TLS_CERT_FILE`, 'Client certificate presented to the global CP (KDS mutual TLS); set with tlsKeyFile.'),
    tlsKeyFile: str('', `${Z}_TLS_KEY_FILE`, 'Private key of tlsCertFile.'),
    auth: section('Zone authentication to the global CP.', {
      tokenPath: str('', `${Z}_AUTH_TOKEN_PATH`, 'Path to a zone token file (re-read on reconnect).'),
      tokenInline: secret('', `${Z}_AUTH_TOKEN_INLINE`, 'Zone token text (instead of tokenPath). Printed as *****.'),
    }),
    maxMsgSize: uint(10485760, `${Z}_MAX_MSG_SIZE`, 'Maximum size in bytes of one KDS message.'),
    msgSendTimeout: duration('60s', `${Z}_MSG_SEND_TIMEOUT`, 'A stream is closed when sending one message takes longer.'),
    nackBackoff: duration('5s', `${Z}_NACK_BACKOFF`, 'Wait before resending a response the global CP rejected.'),
    responseBackoff: duration('0s', `${Z}_RESPONSE_BACKOFF`, 'Wait before sending ACK/NACK.'),
    logPayloads: ignored('Kuma payload logging switch.'),
    eventBasedWatchdog: ignored('Kuma event-based snapshot timing.'),
    labels: ignored('Kuma label handling.'),
  }),
  disableOriginLabelValidation: bool(false, 'KUMA_MULTIZONE_ZONE_DISABLE_ORIGIN_LABEL_VALIDATION', 'If true, resources applied on a zone CP need no kuma.io/origin label.'),
  ingressUpdateInterval: ignored('Kuma 2.x zone ingress update interval.'),
});

export const multizoneSchema = section('Multizone deployment.', {
  global: section('Used when mode is global.', { kds: globalKdsSchema }),
  zone: zoneSchema,
});
