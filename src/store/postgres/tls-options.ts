/**
 * Kuma's four `store.postgres.tls.mode` values as Node TLS options for node-postgres, with libpq's
 * semantics (Kuma hands them to pgx as sslmode=disable/require/verify-ca/verify-full):
 *
 *   disable    no TLS
 *   verifyNone TLS without checks; but with a caPath the chain IS verified, because libpq/pgx treat
 *              `require` plus `sslrootcert` as `verify-ca` and Kuma always passes `sslrootcert`
 *   verifyCa   chain verified against caPath, host name not checked
 *   verifyFull chain and host name verified
 *
 * The files are read and checked once, at startup, so a wrong path or a key that does not belong to
 * the certificate stops kuma-cp with a message naming the setting instead of a handshake failure
 * later. Key material never reaches a message or a log line.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { KumaError, messageOf } from '../../core/errors.js';
import type { LogEntry } from '../../core/log.js';
import { certificateToPem, checkKeyMatchesCertificate, checkValidity, parseCertificatesPem, parsePrivateKeyPem } from '../../pki/index.js';
import { fileReadReason } from '../../tls/errors.js';
import { hostPort, postgresSetting, type PostgresStoreConfig } from './connect-settings.js';

export const POSTGRES_TLS_MODES = ['disable', 'verifyNone', 'verifyCa', 'verifyFull'] as const;
export type PostgresTlsMode = (typeof POSTGRES_TLS_MODES)[number];

export type PostgresTlsErrorCode =
  | 'ERR_POSTGRES_TLS_MODE'
  | 'ERR_POSTGRES_TLS_MISSING_SETTING'
  | 'ERR_POSTGRES_TLS_READ_FILE'
  | 'ERR_POSTGRES_TLS_BAD_FILE'
  | 'ERR_POSTGRES_TLS_KEY_MISMATCH';

/** A TLS setting of store.postgres that cannot work; the message names the setting and the fix. */
export class PostgresTlsConfigError extends KumaError {
  declare readonly code: PostgresTlsErrorCode;
  constructor(code: PostgresTlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The checked PEM material the TLS options are built from. */
export interface PostgresTlsMaterial {
  /** CA certificates, only when they are used for verification. */
  readonly caPem?: string;
  readonly caCertificates?: readonly X509Certificate[];
  /** Client certificate chain (leaf first) and key, for the `cert` auth method. */
  readonly certPem?: string;
  readonly clientCertificate?: X509Certificate;
  /** Not enumerable: stays out of console.log and JSON dumps. */
  readonly keyPem?: string;
}

export function isPostgresTlsMode(mode: string): mode is PostgresTlsMode {
  return (POSTGRES_TLS_MODES as readonly string[]).includes(mode);
}

function modeOf(tls: PostgresStoreConfig['tls']): PostgresTlsMode {
  if (!isPostgresTlsMode(tls.mode)) {
    throw new PostgresTlsConfigError('ERR_POSTGRES_TLS_MODE', `${postgresSetting('tls.mode')} is "${tls.mode}": use one of ${POSTGRES_TLS_MODES.join(', ')}`);
  }
  return tls.mode;
}

/** Whether the server's chain is verified: verifyCa, verifyFull, and verifyNone with a caPath (libpq). */
export function verifiesChain(tls: PostgresStoreConfig['tls']): boolean {
  const mode = modeOf(tls);
  return mode === 'verifyCa' || mode === 'verifyFull' || (mode === 'verifyNone' && tls.caPath !== '');
}

function readSetting(setting: string, file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new PostgresTlsConfigError(
      'ERR_POSTGRES_TLS_READ_FILE',
      `cannot read ${postgresSetting(setting)} "${file}": ${fileReadReason(err)}; point it at ${what}`,
      { cause: err },
    );
  }
}

/** Runs a pki/ check; its message (which names the file, never key bytes) goes after the setting. */
function checked<T>(setting: string, fix: string, fn: () => T, code: PostgresTlsErrorCode = 'ERR_POSTGRES_TLS_BAD_FILE'): T {
  try {
    return fn();
  } catch (err) {
    throw new PostgresTlsConfigError(code, `invalid ${postgresSetting(setting)}: ${messageOf(err)}${fix === '' ? '' : `; ${fix}`}`, { cause: err });
  }
}

const CA_WHAT = 'the PEM file of the CA that issued the PostgreSQL server certificate';
const CERT_WHAT = 'the PEM client certificate PostgreSQL accepts for this user (cert auth method)';
const KEY_WHAT = 'the PEM private key of the client certificate in store.postgres.tls.certPath';

/**
 * Reads and checks the files the mode uses: the CA when the chain is verified, the client certificate
 * and key when both are set (one without the other is refused). `disable` reads nothing.
 */
export function loadPostgresTlsMaterial(tls: PostgresStoreConfig['tls'], now: Date = new Date()): PostgresTlsMaterial {
  const mode = modeOf(tls);
  if (mode === 'disable') return {};
  if (tls.certPath !== '' && tls.keyPath === '') {
    throw new PostgresTlsConfigError(
      'ERR_POSTGRES_TLS_MISSING_SETTING',
      `${postgresSetting('tls.certPath')} is set but ${postgresSetting('tls.keyPath')} is empty: a client certificate needs its private key; set both or neither`,
    );
  }
  if (tls.keyPath !== '' && tls.certPath === '') {
    throw new PostgresTlsConfigError(
      'ERR_POSTGRES_TLS_MISSING_SETTING',
      `${postgresSetting('tls.keyPath')} is set but ${postgresSetting('tls.certPath')} is empty: a client key needs its certificate; set both or neither`,
    );
  }
  const material: { caPem?: string; caCertificates?: X509Certificate[]; certPem?: string; clientCertificate?: X509Certificate } = {};
  if (mode !== 'verifyNone' && tls.caPath === '') {
    throw new PostgresTlsConfigError('ERR_POSTGRES_TLS_MISSING_SETTING', `${postgresSetting('tls.caPath')} is empty but tls.mode ${mode} verifies the server against it: set it to ${CA_WHAT}`);
  }
  if (verifiesChain(tls)) {
    const bytes = readSetting('tls.caPath', tls.caPath, CA_WHAT);
    const cas = checked('tls.caPath', `it must hold ${CA_WHAT}`, () => parseCertificatesPem(bytes, tls.caPath));
    material.caCertificates = cas;
    // Re-encoded: only the certificate blocks reach OpenSSL, whatever else the file holds.
    material.caPem = cas.map((c) => certificateToPem(c)).join('');
  }
  let keyPem: string | undefined;
  if (tls.certPath !== '') {
    const certBytes = readSetting('tls.certPath', tls.certPath, CERT_WHAT);
    const keyBytes = readSetting('tls.keyPath', tls.keyPath, KEY_WHAT);
    const chain = checked('tls.certPath', `it must hold ${CERT_WHAT}`, () => parseCertificatesPem(certBytes, tls.certPath));
    const key: KeyObject = checked('tls.keyPath', `it must hold ${KEY_WHAT}`, () => parsePrivateKeyPem(keyBytes, tls.keyPath));
    const leaf = chain[0] as X509Certificate;
    checked('tls.keyPath', `set ${postgresSetting('tls.certPath')} and ${postgresSetting('tls.keyPath')} to files that belong together`, () => checkKeyMatchesCertificate(leaf, key, tls.keyPath), 'ERR_POSTGRES_TLS_KEY_MISMATCH');
    checked('tls.certPath', '', () => checkValidity(leaf, now, tls.certPath));
    material.certPem = chain.map((c) => certificateToPem(c)).join('');
    material.clientCertificate = leaf;
    keyPem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
  if (keyPem !== undefined) Object.defineProperty(material, 'keyPem', { value: keyPem, enumerable: false });
  return material;
}

/**
 * The `ssl` option of node-postgres for `host` (the primary or the replica): false for disable.
 * Server Name Indication is left to connection-config (node-postgres decides it from the host).
 */
export function postgresSslOptions(tls: PostgresStoreConfig['tls'], host: string, material: PostgresTlsMaterial): false | ConnectionOptions {
  const mode = modeOf(tls);
  if (mode === 'disable') return false;
  const verify = verifiesChain(tls);
  const opts: ConnectionOptions = { rejectUnauthorized: verify };
  if (verify && material.caPem !== undefined) opts.ca = material.caPem;
  if (mode === 'verifyFull') {
    // Checked against the configured host, not the SNI name: with disableSSLSNI no name is sent at all.
    opts.checkServerIdentity = (_servername: string, cert: PeerCertificate) => checkServerIdentity(host, cert);
  } else if (verify) {
    // verify-ca: OpenSSL still verifies the chain (rejectUnauthorized); only the name check is skipped.
    opts.checkServerIdentity = () => undefined;
  }
  if (material.certPem !== undefined && material.keyPem !== undefined) {
    opts.cert = material.certPem;
    // node-postgres copies `key` explicitly ('key' in ssl), so hiding it from enumeration is safe.
    Object.defineProperty(opts, 'key', { value: material.keyPem, enumerable: false, writable: true, configurable: true });
  }
  return opts;
}

/**
 * The startup line stating the TLS mode in effect. `disable` is a warning: the database password,
 * resources and secrets cross the network readable by anyone on the path.
 */
export function tlsModeLogLine(cfg: PostgresStoreConfig): LogEntry {
  const mode = modeOf(cfg.tls);
  const at = hostPort(cfg.host, cfg.port);
  const fields: Record<string, unknown> = {
    mode,
    host: cfg.host,
    port: cfg.port,
    verifiesChain: verifiesChain(cfg.tls),
    verifiesHostName: mode === 'verifyFull',
    clientCertificate: mode !== 'disable' && cfg.tls.certPath !== '',
    sni: mode !== 'disable' && !cfg.tls.disableSSLSNI,
  };
  if (cfg.tls.caPath !== '' && mode !== 'disable') fields['caPath'] = cfg.tls.caPath;
  switch (mode) {
    case 'disable': {
      const unused = cfg.tls.caPath !== '' || cfg.tls.certPath !== '' ? '; the configured TLS files are not used' : '';
      return {
        level: 'warn',
        fields,
        msg:
          `PostgreSQL at ${at}: TLS is disabled (store.postgres.tls.mode disable), so the database password, resources and secrets cross the network in plain text${unused}; ` +
          `set ${postgresSetting('tls.mode')} to verifyFull with ${postgresSetting('tls.caPath')}`,
      };
    }
    case 'verifyNone':
      if (cfg.tls.caPath !== '') {
        return { level: 'info', fields, msg: `PostgreSQL at ${at}: TLS mode verifyNone with a caPath: the server chain is verified against it (as libpq's require with sslrootcert), its host name is not` };
      }
      return {
        level: 'warn',
        fields,
        msg: `PostgreSQL at ${at}: TLS mode verifyNone encrypts but does not verify the server, so anyone on the path can impersonate it and read the password; use verifyFull with ${postgresSetting('tls.caPath')}`,
      };
    case 'verifyCa':
      return { level: 'info', fields, msg: `PostgreSQL at ${at}: TLS mode verifyCa: the server chain is verified against ${cfg.tls.caPath}, its host name is not` };
    case 'verifyFull':
      return { level: 'info', fields, msg: `PostgreSQL at ${at}: TLS mode verifyFull: the server chain is verified against ${cfg.tls.caPath} and its certificate must name ${cfg.host}` };
  }
}
