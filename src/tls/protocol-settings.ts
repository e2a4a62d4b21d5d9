/**
 * Turns Kuma's TLS version and cipher-suite settings (Go names) into Node's `minVersion`,
 * `maxVersion` and `ciphers`. The vocabulary and Kuma's error texts live in core/tls-names.ts; this
 * file only decides how they map onto OpenSSL.
 *
 * Choices that differ from Go, on purpose:
 * - The floor is TLS 1.2 whatever the config says ("" ⇒ TLS 1.2). Kuma's names cannot express 1.0/1.1
 *   anyway; we also refuse a max below the min instead of letting every handshake fail.
 * - Go ignores TLS 1.3 names in CipherSuites (1.3 suites are not configurable there). We honour them:
 *   Node routes `TLS_*` names in `ciphers` to OpenSSL's TLS 1.3 list. A list naming only TLS 1.2 suites
 *   keeps OpenSSL's default TLS 1.3 suites, which is what Go does; a list naming only TLS 1.3 suites
 *   leaves TLS 1.2 without suites, so Node raises the floor to TLS 1.3 (Go would fail those handshakes
 *   with "no cipher suite supported by both client and server").
 * - A Go name that this Node's OpenSSL cannot negotiate (RC4, 3DES are compiled out of OpenSSL 3) is an
 *   error naming the suite, not a silently shorter list or OpenSSL's "no cipher match".
 */
import { getCiphers } from 'node:tls';
import type { SecureVersion } from 'node:tls';
import {
  NODE_TLS_VERSION,
  cipherSuiteByName,
  tlsCipherError,
  tlsVersionError,
  type CipherSuite,
  type TlsVersionName,
} from '../core/tls-names.js';
import { TlsError } from './errors.js';

export interface TlsProtocolSettings {
  /** Kuma name (`TLSv1_2`, `TLSv1_3`) or "" for the default (TLS 1.2). */
  minVersion: string;
  /** Kuma name or "" for no upper bound (the newest Node supports). */
  maxVersion: string;
  /** Go cipher-suite names; empty keeps OpenSSL's defaults. */
  cipherSuites: readonly string[];
}

export interface NodeTlsProtocolOptions {
  minVersion: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher string (TLS 1.3 `TLS_*` names first), absent when no suites were configured. */
  ciphers?: string;
}

const ORDER: Readonly<Record<TlsVersionName, number>> = { TLSv1_2: 2, TLSv1_3: 3 };

function checkVersion(setting: string, value: string): TlsVersionName | undefined {
  const problem = tlsVersionError(value);
  if (problem !== undefined) throw new TlsError('ERR_TLS_UNSUPPORTED_VERSION', `${setting}: ${problem}`);
  return value === '' ? undefined : (value as TlsVersionName);
}

/** Node's names of the suites this process's OpenSSL can negotiate, lower-cased as getCiphers() gives them. */
let available: ReadonlySet<string> | undefined;
function availableCiphers(): ReadonlySet<string> {
  available ??= new Set(getCiphers());
  return available;
}

function resolveSuites(names: readonly string[]): CipherSuite[] {
  const problem = tlsCipherError(names);
  if (problem !== undefined) throw new TlsError('ERR_TLS_UNSUPPORTED_CIPHER', problem);
  const suites: CipherSuite[] = [];
  for (const name of names) {
    const s = cipherSuiteByName(name);
    if (s === undefined || suites.includes(s)) continue;
    if (!availableCiphers().has(s.openssl.toLowerCase())) {
      throw new TlsError(
        'ERR_TLS_CIPHER_UNAVAILABLE',
        `tls cipher ${name} (OpenSSL ${s.openssl}) is not supported by the OpenSSL library of this Node.js ` +
          `(${process.versions.openssl}); remove it from tlsCipherSuites`,
      );
    }
    suites.push(s);
  }
  return suites;
}

/** Validates Kuma's TLS settings and returns Node's options; throws a TlsError with Kuma's texts. */
export function resolveTlsProtocol(settings: TlsProtocolSettings): NodeTlsProtocolOptions {
  const min = checkVersion('tlsMinVersion', settings.minVersion) ?? 'TLSv1_2';
  const max = checkVersion('tlsMaxVersion', settings.maxVersion);
  if (max !== undefined && ORDER[max] < ORDER[min]) {
    throw new TlsError(
      'ERR_TLS_VERSION_RANGE',
      `tlsMaxVersion must not be lower than tlsMinVersion (tlsMinVersion: ${min}, tlsMaxVersion: ${max})`,
    );
  }
  const out: NodeTlsProtocolOptions = { minVersion: NODE_TLS_VERSION[min] };
  if (max !== undefined) out.maxVersion = NODE_TLS_VERSION[max];

  const suites = resolveSuites(settings.cipherSuites);
  if (suites.length === 0) return out;
  const tls13 = suites.filter((s) => s.tls13);
  const tls12 = suites.filter((s) => !s.tls13);
  if (tls12.length === 0 && max === 'TLSv1_2') {
    throw new TlsError(
      'ERR_TLS_VERSION_RANGE',
      `tlsCipherSuites lists only TLS 1.3 suites (${tls13.map((s) => s.name).join(', ')}) but tlsMaxVersion is TLSv1_2, ` +
        'so no suite could ever be negotiated; add TLS 1.2 suites or raise tlsMaxVersion',
    );
  }
  if (tls12.length === 0) out.minVersion = 'TLSv1.3';
  out.ciphers = [...tls13, ...tls12].map((s) => s.openssl).join(':');
  return out;
}
