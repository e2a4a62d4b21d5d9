/**
 * Why a connection to PostgreSQL failed, in one line that names the TLS mode, host:port, what did
 * not verify or was refused, and the setting to change. Classified by error codes (Node TLS and
 * errno codes, PostgreSQL SQLSTATE and routine), not by message text, except where node-postgres
 * raises code-less errors. `transient` tells connectWithRetry whether waiting can help.
 */
import type { PeerCertificate } from 'node:tls';
import { KumaError } from '../../core/errors.js';
import { sanNames } from '../../tls/client-errors.js';
import { hostPort, postgresSetting, type PostgresStoreConfig } from './connect-settings.js';

export type PostgresConnectErrorCode =
  | 'ERR_POSTGRES_TLS_HOST_MISMATCH'
  | 'ERR_POSTGRES_TLS_UNTRUSTED'
  | 'ERR_POSTGRES_TLS_CERT_DATES'
  | 'ERR_POSTGRES_TLS_NOT_SUPPORTED'
  | 'ERR_POSTGRES_TLS_HANDSHAKE'
  | 'ERR_POSTGRES_CLIENT_CERT_REJECTED'
  | 'ERR_POSTGRES_CLIENT_CERT_REQUIRED'
  | 'ERR_POSTGRES_HBA_REJECTED'
  | 'ERR_POSTGRES_AUTH_FAILED'
  | 'ERR_POSTGRES_ROLE_NOT_FOUND'
  | 'ERR_POSTGRES_DATABASE_NOT_FOUND'
  | 'ERR_POSTGRES_UNREACHABLE'
  | 'ERR_POSTGRES_HOST_NOT_FOUND'
  | 'ERR_POSTGRES_CONNECT_TIMEOUT'
  | 'ERR_POSTGRES_NOT_READY'
  | 'ERR_POSTGRES_TOO_MANY_CONNECTIONS'
  | 'ERR_POSTGRES_CONNECTION_LOST'
  | 'ERR_POSTGRES_CONNECT';

/** A failed connection attempt, explained. The original error is the `cause`. */
export class PostgresConnectError extends KumaError {
  declare readonly code: PostgresConnectErrorCode;
  /** True when retrying later can succeed (server down, starting, unreachable); false for settings problems. */
  readonly transient: boolean;
  readonly address: string;

  constructor(code: PostgresConnectErrorCode, message: string, opts: { transient: boolean; address: string; cause?: unknown }) {
    super(code, message, { cause: opts.cause });
    this.transient = opts.transient;
    this.address = opts.address;
  }
}

interface ErrorFacts {
  /** Node errno/TLS code, or '' */
  code: string;
  /** PostgreSQL SQLSTATE when the server answered with an error, or '' */
  sqlState: string;
  /** PostgreSQL's source routine (not translated, unlike the message), or '' */
  routine: string;
  message: string;
  cert?: PeerCertificate;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The innermost useful facts: pg-pool wraps errors in `cause`, happy eyeballs in AggregateError. */
function factsOf(err: unknown): ErrorFacts {
  const chain: Record<string, unknown>[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 5 && typeof cur === 'object' && cur !== null; i++) {
    const e = cur as Record<string, unknown>;
    chain.push(e);
    const errors = e['errors'];
    cur = e['cause'] ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  const db = chain.find((e) => 'severity' in e && /^[0-9A-Z]{5}$/.test(str(e['code'])));
  const sys = chain.find((e) => str(e['code']) !== '' && e !== db);
  const withCert = chain.find((e) => typeof e['cert'] === 'object' && e['cert'] !== null);
  const facts: ErrorFacts = {
    code: str(sys?.['code']),
    sqlState: str(db?.['code']),
    routine: str(db?.['routine']),
    message: str(db?.['message']) || (chain.map((e) => str(e['message'])).find((m) => m !== '') ?? String(err)),
  };
  if (withCert) facts.cert = withCert['cert'] as PeerCertificate;
  return facts;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);
/** TLS alerts a server sends when it does not accept the client certificate. */
const CLIENT_CERT_ALERTS = /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REQUIRED|DECRYPT_ERROR)$/;
const TIMEOUT_TEXTS = ['timeout expired', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect'];

type Explained = [PostgresConnectErrorCode, string, boolean];

/** The explanation: code, text after "cannot connect ...: ", transient. */
function explain(f: ErrorFacts, cfg: PostgresStoreConfig, host: string, port: number): Explained {
  const tls = cfg.tls;
  const serverSays = `server: ${f.message}`;
  if (f.sqlState !== '') {
    switch (f.sqlState) {
      case '28P01':
        return ['ERR_POSTGRES_AUTH_FAILED', `password authentication failed for user "${cfg.user}": check ${postgresSetting('user')} and ${postgresSetting('password')}`, false];
      case '3D000':
        return ['ERR_POSTGRES_DATABASE_NOT_FOUND', `database "${cfg.dbName}" does not exist: create it (CREATE DATABASE ${cfg.dbName} OWNER ${cfg.user}) or fix ${postgresSetting('dbName')}`, false];
      case '57P03':
        return ['ERR_POSTGRES_NOT_READY', `the server is not accepting connections yet (starting up, shutting down or in recovery; ${serverSays})`, true];
      case '53300':
        return ['ERR_POSTGRES_TOO_MANY_CONNECTIONS', `the server has no free connection slot (${serverSays}); lower ${postgresSetting('maxOpenConnections')} or raise max_connections on the server`, true];
      case '57P01':
      case '57P02':
        return ['ERR_POSTGRES_CONNECTION_LOST', `the server is shutting down (${serverSays})`, true];
      case '28000':
        return explainAuthorization(f, cfg);
    }
    if (f.sqlState.startsWith('08')) return ['ERR_POSTGRES_CONNECTION_LOST', `the connection failed (SQLSTATE ${f.sqlState}; ${serverSays})`, true];
    return ['ERR_POSTGRES_CONNECT', `the server refused the connection (SQLSTATE ${f.sqlState}; ${serverSays})`, false];
  }
  if (f.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = sanNames(f.cert);
    const its = names.length === 0 ? 'it names no host (no subject alternative names)' : `its names: ${names.join(', ')}`;
    return [
      'ERR_POSTGRES_TLS_HOST_MISMATCH',
      `the server certificate is not valid for host "${host}" (${its}); set ${postgresSetting('host')} to a name in the certificate, add "${host}" to the server certificate, or use verifyCa`,
      false,
    ];
  }
  if (UNTRUSTED.has(f.code)) {
    const self = f.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ? ' (it presents a self-signed certificate)' : '';
    // Surprising for verifyNone, so say why it verified at all.
    const why = tls.mode === 'verifyNone' ? ' (verifyNone verifies the chain when a caPath is set, as libpq does)' : '';
    return [
      'ERR_POSTGRES_TLS_UNTRUSTED',
      `the server certificate${self} is not signed by the CA in ${postgresSetting('tls.caPath')}, "${tls.caPath}" (${f.code})${why}; set it to the CA that issued the PostgreSQL server certificate`,
      false,
    ];
  }
  if (f.code === 'CERT_HAS_EXPIRED' || f.code === 'CERT_NOT_YET_VALID') {
    const when = f.code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet';
    return ['ERR_POSTGRES_TLS_CERT_DATES', `the server certificate ${when}; renew it on the server (ssl_cert_file) or check the clocks of both machines`, false];
  }
  if (f.code.startsWith('ERR_SSL_') && CLIENT_CERT_ALERTS.test(f.code)) {
    const fix = tls.certPath === ''
      ? `the server may require a client certificate: set ${postgresSetting('tls.certPath')} and ${postgresSetting('tls.keyPath')}`
      : `the client certificate in ${postgresSetting('tls.certPath')} must be issued by a CA in the server's ssl_ca_file and be currently valid`;
    return ['ERR_POSTGRES_CLIENT_CERT_REJECTED', `the server rejected the TLS handshake (${f.code}); ${fix}`, false];
  }
  if (f.code === 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' || f.code === 'ERR_SSL_UNSUPPORTED_PROTOCOL') {
    return ['ERR_POSTGRES_TLS_HANDSHAKE', `no TLS version in common (${f.code}); this client requires TLS 1.2 or later, check ssl_min_protocol_version/ssl_max_protocol_version on the server`, false];
  }
  if (f.code.startsWith('ERR_SSL_')) return ['ERR_POSTGRES_TLS_HANDSHAKE', `the TLS handshake failed (${f.code}: ${f.message})`, false];
  switch (f.code) {
    case 'ECONNREFUSED':
      return ['ERR_POSTGRES_UNREACHABLE', `connection refused: check ${postgresSetting('host')} and ${postgresSetting('port')}, and that PostgreSQL is running and listens on that address (listen_addresses, port)`, true];
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return ['ERR_POSTGRES_HOST_NOT_FOUND', `the host name "${host}" does not resolve (${f.code}): check ${postgresSetting('host')} and DNS`, true];
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return ['ERR_POSTGRES_UNREACHABLE', `${hostPort(host, port)} cannot be reached (${f.code}): check ${postgresSetting('host')}, ${postgresSetting('port')} and firewalls`, true];
    case 'ECONNRESET':
    case 'EPIPE':
      return ['ERR_POSTGRES_CONNECTION_LOST', `the server closed the connection (${f.code}) before it was ready; if this repeats, check the server log (it may refuse this TLS setup)`, true];
  }
  // node-postgres raises the following without a code.
  if (TIMEOUT_TEXTS.some((t) => f.message.includes(t))) {
    return [
      'ERR_POSTGRES_CONNECT_TIMEOUT',
      `no answer within ${cfg.connectionTimeout}s (${postgresSetting('connectionTimeout')}): check ${postgresSetting('host')}, ${postgresSetting('port')} and firewalls, or raise the timeout if the server is slow`,
      true,
    ];
  }
  if (f.message.includes('The server does not support SSL connections')) {
    return [
      'ERR_POSTGRES_TLS_NOT_SUPPORTED',
      `the server does not accept TLS connections (ssl = off in its postgresql.conf); turn ssl on in the server, or on a trusted network only set ${postgresSetting('tls.mode')} to disable`,
      false,
    ];
  }
  if (f.message.includes('There was an error establishing an SSL connection')) {
    return ['ERR_POSTGRES_TLS_HANDSHAKE', 'the server answered the TLS request with an error; check that host and port belong to a PostgreSQL server and its log', false];
  }
  if (f.message.includes('Connection terminated unexpectedly')) {
    return ['ERR_POSTGRES_CONNECTION_LOST', 'the server closed the connection before it was ready; if this repeats, check the server log', true];
  }
  return ['ERR_POSTGRES_CONNECT', f.message, false];
}

/** SQLSTATE 28000 covers several refusals; the routine (never translated) tells them apart. */
function explainAuthorization(f: ErrorFacts, cfg: PostgresStoreConfig): Explained {
  const serverSays = `server: ${f.message}`;
  if (f.routine === 'InitializeSessionUserId') {
    return ['ERR_POSTGRES_ROLE_NOT_FOUND', `role "${cfg.user}" does not exist (${serverSays}): create it or fix ${postgresSetting('user')}`, false];
  }
  if (f.routine === 'auth_failed') {
    const certHint = cfg.tls.certPath === '' ? '' : `; for the cert method the common name (CN) of ${postgresSetting('tls.certPath')} must equal the user or be mapped in pg_ident.conf`;
    return ['ERR_POSTGRES_AUTH_FAILED', `authentication failed for user "${cfg.user}" (${serverSays})${certHint}`, false];
  }
  // ClientAuthentication: "no pg_hba.conf entry ..." or "connection requires a valid client certificate".
  // The server message may be translated; pg_hba.conf and the word certificate usually survive.
  if (/certificate/i.test(f.message) && !f.message.includes('pg_hba.conf')) {
    return [
      'ERR_POSTGRES_CLIENT_CERT_REQUIRED',
      `the server requires a client certificate for user "${cfg.user}" (${serverSays}); set ${postgresSetting('tls.certPath')} and ${postgresSetting('tls.keyPath')}`,
      false,
    ];
  }
  if (cfg.tls.mode === 'disable') {
    return [
      'ERR_POSTGRES_HBA_REJECTED',
      `the server refused this unencrypted connection (${serverSays}); it probably accepts only TLS (hostssl in pg_hba.conf): set ${postgresSetting('tls.mode')} to verifyFull with ${postgresSetting('tls.caPath')} (or verifyCa, verifyNone)`,
      false,
    ];
  }
  return [
    'ERR_POSTGRES_HBA_REJECTED',
    `no pg_hba.conf rule of the server admits user "${cfg.user}" to database "${cfg.dbName}" from this host over TLS (${serverSays}); add one on the server, or check ${postgresSetting('user')} and ${postgresSetting('dbName')}`,
    false,
  ];
}

/** Replaces the password in foreign text (server and library messages), unless it is part of a name we print anyway. */
function scrub(text: string, cfg: PostgresStoreConfig): string {
  const pw = cfg.password;
  if (pw === '' || [cfg.user, cfg.dbName, cfg.host].some((n) => n.includes(pw))) return text;
  return text.split(pw).join('*****');
}

/**
 * Explains a failed connection attempt to the primary (or `target`) of `cfg`:
 * `cannot connect to PostgreSQL at 127.0.0.1:5432 (tls.mode verifyFull): <what and what to change>`.
 */
export function describeConnectError(err: unknown, cfg: PostgresStoreConfig, target: { host: string; port: number } = cfg): PostgresConnectError {
  if (err instanceof PostgresConnectError) return err;
  const facts = factsOf(err);
  facts.message = scrub(facts.message, cfg);
  const [code, why, transient] = explain(facts, cfg, target.host, target.port);
  const address = hostPort(target.host, target.port);
  return new PostgresConnectError(code, `cannot connect to PostgreSQL at ${address} (tls.mode ${cfg.tls.mode}): ${why}`, { transient, address, cause: err });
}
