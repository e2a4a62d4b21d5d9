/**
 * Reading a Mesh's `mtls.backends[]` entries (proto-JSON, as stored) into what the CA managers and
 * the identity issuer need: type, mode, certificate lifetimes and the builtin CA's parameters.
 * Lenient on types (validation happened on write); invalid durations fall back to the defaults.
 */
import { arrAt, isObject, objAt, parseKumaDuration, strAt, uintAt, type JsonObject } from '../../core/resources/index.js';
import { DEFAULT_RSA_BITS } from '../../pki/index.js';

export type CaBackendType = 'builtin' | 'provided';

/** Kuma's issuer.DefaultWorkloadCertValidityPeriod. */
export const DEFAULT_DP_CERT_VALIDITY_MS = 24 * 3_600_000;
/** Kuma's builtin DefaultCACertValidityPeriod: 10 × 365 days. */
export const DEFAULT_CA_VALIDITY_MS = 10 * 365 * 24 * 3_600_000;
/** notBefore = now − 10 s for the builtin CA and for identity certificates (Kuma's DefaultAllowedClockSkew). */
export const MESH_CA_CLOCK_SKEW_MS = 10_000;

/** The Mesh-like value the managers read: a stored Mesh resource or anything shaped like one. */
export interface MeshLike {
  meta: { name: string };
  spec: JsonObject;
}

/** Every `mtls.backends[]` object of a Mesh spec, in order. */
export function caBackendsOf(spec: JsonObject): JsonObject[] {
  return arrAt(objAt(spec, 'mtls'), 'backends').filter(isObject);
}

export function findCaBackend(spec: JsonObject, name: string): JsonObject | undefined {
  return caBackendsOf(spec).find((b) => strAt(b, 'name') === name);
}

/** `mtls.enabledBackend`, '' when mTLS is off. */
export function enabledBackendName(spec: JsonObject): string {
  return strAt(objAt(spec, 'mtls'), 'enabledBackend');
}

export function backendMode(backend: JsonObject): 'STRICT' | 'PERMISSIVE' {
  const mode = backend['mode'];
  return mode === 'PERMISSIVE' || mode === 1 ? 'PERMISSIVE' : 'STRICT';
}

/**
 * Identity certificate lifetime: `dpCert.rotation.expiration` or 24 h. Kuma turns "0" into a
 * certificate that expires as it is issued; we use the default instead (docs/differences.md).
 */
export function dpCertValidityMs(backend: JsonObject): number {
  const text = strAt(objAt(objAt(backend, 'dpCert'), 'rotation'), 'expiration');
  const ms = text === '' ? undefined : parseKumaDuration(text);
  return ms === undefined || ms <= 0 ? DEFAULT_DP_CERT_VALIDITY_MS : ms;
}

export interface BuiltinCaParams {
  rsaBits: number;
  validityMs: number;
}

/** `conf.caCert.{RSAbits, expiration}` of a builtin backend; undefined fields when they are invalid. */
export function builtinCaParams(backend: JsonObject): { rsaBits: number; validityMs: number | undefined; expirationText: string } {
  const caCert = objAt(objAt(backend, 'conf'), 'caCert');
  const bits = uintAt(caCert, 'RSAbits');
  const expirationText = strAt(caCert, 'expiration');
  const validity = expirationText === '' ? DEFAULT_CA_VALIDITY_MS : parseKumaDuration(expirationText);
  return { rsaBits: bits === 0 ? DEFAULT_RSA_BITS : bits, validityMs: validity === undefined || validity <= 0 ? undefined : validity, expirationText };
}

/** The `cert` / `key` data sources of a provided backend. */
export function providedSources(backend: JsonObject): { cert: JsonObject | undefined; key: JsonObject | undefined } {
  const conf = objAt(backend, 'conf');
  return { cert: objAt(conf, 'cert'), key: objAt(conf, 'key') };
}
