/**
 * Building blocks of config validation: scopes that add Kuma's wrapping text ("Store validation
 * failed: ...") and the YAML path to each violation, and the checks shared by several sections.
 */

import { tlsCipherError, tlsVersionError } from '../core/tls-names.js';
import type { Violation } from './errors.js';
import type { PublicKey } from './schema.js';

const join = (a: string, b: string): string => (a === '' ? b : b === '' ? a : b.startsWith('[') ? `${a}${b}` : `${a}.${b}`);

/** Where violations of one config section go: `prefix` is Kuma's wrapping text, `base` the YAML path. */
export class Scope {
  constructor(
    private readonly out: Violation[],
    private readonly prefix: string,
    private readonly base: string,
  ) {}

  add(relPath: string, message: string): void {
    this.out.push({ path: join(this.base, relPath), message: `${this.prefix}${message}` });
  }

  scope(prefix: string, relPath: string): Scope {
    return new Scope(this.out, `${this.prefix}${prefix}`, join(this.base, relPath));
  }
}

export const rootScope = (out: Violation[]): Scope => new Scope(out, '', '');

export interface TlsVersions {
  tlsMinVersion: string;
  tlsMaxVersion: string;
  tlsCipherSuites: string[];
}

/**
 * TLS version and cipher names. Kuma glues the field name to the error without a separator
 * (`.TlsMinVersionunsupported ...`) except in inter-CP; we always use inter-CP's single space.
 */
export function checkTlsNames(s: Scope, t: TlsVersions): void {
  const min = tlsVersionError(t.tlsMinVersion);
  if (min !== undefined) s.add('tlsMinVersion', `.TlsMinVersion ${min}`);
  const max = tlsVersionError(t.tlsMaxVersion);
  if (max !== undefined) s.add('tlsMaxVersion', `.TlsMaxVersion ${max}`);
  const cipher = tlsCipherError(t.tlsCipherSuites);
  if (cipher !== undefined) s.add('tlsCipherSuites', `.TlsCipherSuites ${cipher}`);
}

/** Kuma's cert/key pairing texts (general, KDS, diagnostics, MADS). */
export function checkCertKeyPair(s: Scope, t: { tlsCertFile: string; tlsKeyFile: string }): void {
  if (t.tlsCertFile === '' && t.tlsKeyFile !== '') s.add('tlsCertFile', '.TlsCertFile cannot be empty if TlsKeyFile has been set');
  if (t.tlsKeyFile === '' && t.tlsCertFile !== '') s.add('tlsKeyFile', '.TlsKeyFile cannot be empty if TlsCertFile has been set');
}

export const outOfPortRange = (port: number): boolean => port < 0 || port > 65535;

/** Token validator public keys: Kuma's `.PublicKeys[i] is not valid: ...` texts. */
export function checkPublicKeys(s: Scope, relPath: string, keys: readonly PublicKey[]): void {
  keys.forEach((k, i) => {
    const at = `${relPath}[${i}]`;
    const why = `.PublicKeys[${i}] is not valid: `;
    if (k.kid === '') s.add(`${at}.kid`, `${why}.KID is required`);
    if (k.keyFile === '' && k.key === '') s.add(at, `${why}either .KeyFile or .Key has to be defined`);
    if (k.keyFile !== '' && k.key !== '') s.add(at, `${why}both .KeyFile or .Key cannot be defined`);
  });
}
