import { explainTlsClientError } from '../../../tls/client-errors.js';
import type { ClientTlsSettings } from '../../../tls/client-options.js';

export interface ConnectionTarget {
  url: URL;
  tls?: ClientTlsSettings | undefined;
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; errors?: unknown };
  if (typeof e?.code === 'string') return e.code;
  if (Array.isArray(e?.errors)) return codeOf(e.errors[0]); // AggregateError from happy eyeballs
  return '';
}

function hostPort(url: URL): string {
  return url.host !== '' ? url.host : url.hostname;
}

/**
 * One line that says why a request could not be made and what to change. HTTPS failures use the
 * TLS explanations shared with kuma-dp; plain HTTP gets the same treatment for network errors and a
 * hint when the port speaks TLS.
 */
export function explainConnectionError(err: unknown, target: ConnectionTarget): string {
  const { url } = target;
  if (url.protocol === 'https:') {
    return explainTlsClientError(err, { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || 443, settings: target.tls });
  }
  const at = hostPort(url);
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection to ${at} refused: nothing is listening there; check the address and port and that the control plane is running`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${url.hostname} cannot be resolved; check the address`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach ${at} (${code}); check the address, port and firewalls`;
    case 'ECONNRESET':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_VERSION':
      return `${at} did not answer with HTTP (${message}); if the control plane serves HTTPS on this port, use an https:// address`;
  }
  if (/socket hang up/i.test(message)) {
    return `${at} closed the connection without answering; if the control plane serves HTTPS on this port, use an https:// address`;
  }
  return message;
}
