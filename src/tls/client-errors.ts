/**
 * One-line, operator-facing explanations of TLS client failures: what is wrong and what to change,
 * instead of OpenSSL's "unable to verify the first certificate". kumactl, kuma-dp and the KDS zone
 * client all connect to a control plane, so the advice speaks of "the control plane".
 */
import { isIPv6 } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { TlsError } from './errors.js';
import type { ClientTlsSettings } from './client-options.js';

export interface TlsConnectContext {
  host: string;
  port?: number | string | undefined;
  /** The settings the client connected with: which CA (file or PEM) and whether a client cert was given. */
  settings?: ClientTlsSettings | undefined;
}

interface ErrorFields {
  code?: unknown;
  reason?: unknown;
  message?: unknown;
  cert?: unknown;
  errors?: unknown;
}

function fieldsOf(err: unknown): ErrorFields {
  return typeof err === 'object' && err !== null ? (err as ErrorFields) : { message: String(err) };
}

/** SAN names of a peer certificate, IPs first then DNS names, as Kuma lists them. */
export function sanNames(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined): string[] {
  const entries = (cert?.subjectaltname ?? '').split(', ').filter((e) => e !== '');
  const ips = entries.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice('IP Address:'.length));
  const dns = entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice('DNS:'.length));
  return [...ips, ...dns];
}

function address(ctx: TlsConnectContext): string {
  const host = isIPv6(ctx.host) ? `[${ctx.host}]` : ctx.host;
  return ctx.port === undefined ? host : `${host}:${ctx.port}`;
}

function trustSource(s: ClientTlsSettings | undefined): string | undefined {
  if (s?.caPem !== undefined && s.caPem !== '') return `the CA given in ${s.caPemSource ?? 'the CA certificate setting'}`;
  if (s?.caFile !== undefined && s.caFile !== '') return `the CA in ${s.caFile}`;
  return undefined;
}

const NOT_TRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

function explainUntrusted(code: string, ctx: TlsConnectContext): string {
  const source = trustSource(ctx.settings);
  const selfSigned = code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ? ' (it presents a self-signed certificate)' : '';
  if (source !== undefined) {
    return `the server certificate${selfSigned} is not signed by ${source}; pass the CA that issued the control plane's certificate`;
  }
  return (
    `the server certificate${selfSigned} is not signed by a CA this machine trusts (no CA was given, so the default roots were used); ` +
    "pass the CA that issued the control plane's certificate (e.g. --ca-cert-file), or for a throwaway test setup skip verification"
  );
}

function explainAltName(f: ErrorFields, ctx: TlsConnectContext): string {
  const names = sanNames(f.cert as PeerCertificate | undefined);
  const host = ctx.settings?.serverName !== undefined && ctx.settings.serverName !== '' ? ctx.settings.serverName : ctx.host;
  const fix = `regenerate it with kumactl generate tls-certificate --type=server --hostname=${host}`;
  if (names.length === 0) return `the server certificate has no subject alternative names, so it is valid for no host name; ${fix}`;
  return `the certificate is valid for [${names.join(' ')}] but you connected to ${host}; use one of those names or ${fix}`;
}

const has = (text: string, ...needles: string[]): boolean => needles.some((n) => text.includes(n));

/** A one-line explanation of a TLS client failure that says what to fix. */
export function explainTlsClientError(err: unknown, ctx: TlsConnectContext): string {
  const f = fieldsOf(err);
  let code = typeof f.code === 'string' ? f.code : '';
  const text = `${typeof f.reason === 'string' ? f.reason : ''} ${typeof f.message === 'string' ? f.message : ''}`.toLowerCase();
  if (code === '' && Array.isArray(f.errors)) code = String(fieldsOf(f.errors[0]).code ?? ''); // AggregateError (happy eyeballs)
  const at = address(ctx);
  const why = ((): string => {
    if (NOT_TRUSTED.has(code)) return explainUntrusted(code, ctx);
    switch (code) {
      case 'ERR_TLS_CERT_ALTNAME_INVALID':
        return explainAltName(f, ctx);
      case 'CERT_HAS_EXPIRED':
        return "the server certificate has expired; renew the control plane's certificate (it is reloaded from disk without a restart) or check this machine's clock";
      case 'CERT_NOT_YET_VALID':
        return "the server certificate is not valid yet; check this machine's clock and the control plane's";
      case 'ECONNREFUSED':
        return 'nothing is listening there; check the address and port and that the control plane is running';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `the host name ${ctx.host} cannot be resolved; check the address`;
      case 'ETIMEDOUT':
        return 'the connection timed out; check the address, port and firewalls';
    }
    if (has(text, 'wrong version number', 'packet length too long', 'http request')) {
      return 'the server does not speak TLS on this port (it answered in plain text, e.g. plain HTTP); use http:// or the TLS port';
    }
    if (has(text, 'unsupported protocol', 'alert protocol version', 'no protocols available')) {
      return 'the server and this client have no TLS version in common (this client requires TLS 1.2 or later); check tlsMinVersion/tlsMaxVersion on both sides';
    }
    if (has(text, 'certificate required')) {
      return 'the server requires a client certificate; pass a client certificate and key issued by the CA the server trusts';
    }
    if (has(text, 'alert unknown ca', 'alert bad certificate', 'alert certificate unknown', 'alert decrypt error')) {
      return 'the server rejected the client certificate; use a client certificate issued by the CA in the server\'s tlsCaFile';
    }
    if (has(text, 'handshake failure', 'no shared cipher', 'no cipher')) {
      const noClientCert = (ctx.settings?.clientCertFile ?? '') === '';
      // A TLS 1.2 server that demands a client certificate answers a client without one with this same alert.
      return noClientCert
        ? 'the server refused the TLS handshake: it may require a client certificate (none was given; pass a client certificate and key), or it shares no cipher suite with this client (check tlsCipherSuites)'
        : 'the TLS handshake failed: no common cipher suite; check tlsCipherSuites and the TLS versions on both sides';
    }
    if (code === 'ECONNRESET' || has(text, 'socket disconnected', 'socket hang up')) {
      return 'the server closed the connection during the TLS handshake; it may not speak TLS on this port, may require a client certificate, or may refuse this TLS version';
    }
    return typeof f.message === 'string' && f.message !== '' ? f.message : String(err);
  })();
  return `TLS connection to ${at} failed: ${why}`;
}

/** The same explanation as a TlsError (code ERR_TLS_CONNECT) with the original error as cause. */
export function tlsConnectError(err: unknown, ctx: TlsConnectContext): TlsError {
  return new TlsError('ERR_TLS_CONNECT', explainTlsClientError(err, ctx), { cause: err });
}
