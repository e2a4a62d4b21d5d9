/**
 * Kuma's TLS vocabulary: version names (`TLSv1_2`, `TLSv1_3`) and Go's cipher-suite names, with the
 * OpenSSL names Node understands. Config validation and the TLS option builder both read this table,
 * so a name is accepted in exactly one place. Pure data and checks, no I/O.
 */

export type TlsVersionName = 'TLSv1_2' | 'TLSv1_3';

export const TLS_VERSION_NAMES: readonly TlsVersionName[] = ['TLSv1_2', 'TLSv1_3'];

/** Node's `minVersion`/`maxVersion` spelling for each Kuma version name. */
export const NODE_TLS_VERSION: Readonly<Record<TlsVersionName, 'TLSv1.2' | 'TLSv1.3'>> = {
  TLSv1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
};

export interface CipherSuite {
  /** Go's name, the one operators write in Kuma config. */
  readonly name: string;
  /** OpenSSL's name (for TLS 1.3 suites the IANA name, which OpenSSL uses too). */
  readonly openssl: string;
  readonly tls13: boolean;
}

const suite = (name: string, openssl: string, tls13 = false): CipherSuite => ({ name, openssl, tls13 });

/** Go's tls.CipherSuites(), in Go's order. */
export const SECURE_CIPHER_SUITES: readonly CipherSuite[] = [
  suite('TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256', true),
  suite('TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384', true),
  suite('TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', true),
  suite('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'),
  suite('TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'),
  suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'),
  suite('TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'),
  suite('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'),
  suite('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'),
  suite('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'),
  suite('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'),
  suite('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'),
  suite('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'),
];

/** Go's tls.InsecureCipherSuites(), in Go's order. Accepted as Kuma accepts them. */
export const INSECURE_CIPHER_SUITES: readonly CipherSuite[] = [
  suite('TLS_RSA_WITH_RC4_128_SHA', 'RC4-SHA'),
  suite('TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'DES-CBC3-SHA'),
  suite('TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'),
  suite('TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'),
  suite('TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'),
  suite('TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'),
  suite('TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'),
  suite('TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 'ECDHE-ECDSA-RC4-SHA'),
  suite('TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'ECDHE-RSA-RC4-SHA'),
  suite('TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'ECDHE-RSA-DES-CBC3-SHA'),
  suite('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'),
  suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'),
];

const byName = new Map<string, CipherSuite>(
  [...SECURE_CIPHER_SUITES, ...INSECURE_CIPHER_SUITES].map((s) => [s.name, s]),
);

const goList = (xs: readonly CipherSuite[]): string => `[${xs.map((s) => s.name).join(' ')}]`;

/** Kuma's text for a bad version name, or undefined when `v` is valid ("" means unset). */
export function tlsVersionError(v: string): string | undefined {
  if (v === '' || (TLS_VERSION_NAMES as readonly string[]).includes(v)) return undefined;
  return `unsupported tls version: ${v} supported versions:[${TLS_VERSION_NAMES.join(' ')}]`;
}

/** Kuma's text for the first unknown cipher name, or undefined when all are known. */
export function tlsCipherError(names: readonly string[]): string | undefined {
  const bad = names.find((n) => !byName.has(n));
  if (bad === undefined) return undefined;
  return `unsupported tls cipher: ${bad} supported ciphers insecure:${goList(INSECURE_CIPHER_SUITES)}, secure:${goList(SECURE_CIPHER_SUITES)}`;
}

export function cipherSuiteByName(name: string): CipherSuite | undefined {
  return byName.get(name);
}
