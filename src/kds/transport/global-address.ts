/**
 * `multizone.zone.globalAddress`: `grpcs://host:port` (TLS) or `grpc://host:port` (plaintext). As in
 * Kuma (grpc-go), an address without a port dials 443. Config validation already refused other
 * schemes; this turns the text into what the client dials and names in its messages.
 */
import { isIP } from 'node:net';
import { KdsError } from './kds-errors.js';

export interface GlobalAddress {
  scheme: 'grpc' | 'grpcs';
  tls: boolean;
  /** Host name or IP without brackets: what the global's certificate must be valid for. */
  host: string;
  port: number;
  /** `https://host:port` or `http://host:port`, for the gRPC transport. */
  baseUrl: string;
  /** The address as configured, for messages. */
  text: string;
  /** True when the address had no port and 443 is used. */
  defaultPort: boolean;
}

const SETTING = 'multizone.zone.globalAddress (KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS)';

export function parseGlobalAddress(text: string): GlobalAddress {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new KdsError('ERR_KDS_GLOBAL_ADDRESS', `${SETTING} ${JSON.stringify(text)} is not a URL; use grpcs://<global host>:5685`);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'grpc' && scheme !== 'grpcs') {
    throw new KdsError('ERR_KDS_GLOBAL_ADDRESS', `unsupported scheme ${JSON.stringify(scheme)} in zone GlobalAddress. Use one of [grpc grpcs]`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new KdsError('ERR_KDS_GLOBAL_ADDRESS', `${SETTING} ${JSON.stringify(text)} has no host; use ${scheme}://<global host>:5685`);
  const defaultPort = url.port === '';
  const port = defaultPort ? 443 : Number(url.port);
  const hostInUrl = isIP(host) === 6 ? `[${host}]` : host;
  const tls = scheme === 'grpcs';
  return { scheme, tls, host, port, baseUrl: `${tls ? 'https' : 'http'}://${hostInUrl}:${port}`, text, defaultPort };
}

/** `host:port` for messages (IPv6 in brackets). */
export function hostPort(a: Pick<GlobalAddress, 'host' | 'port'>): string {
  return `${isIP(a.host) === 6 ? `[${a.host}]` : a.host}:${a.port}`;
}
