/**
 * The PERMISSIONS kind on the proxy side: the control plane's compiled MeshTrafficPermission JSON
 * (`DataplanePermissions`), checked field by field because it comes over the network, and turned
 * into one mtls Authorizer per inbound with the shared pure evaluator (src/core/permissions).
 *
 * The checks are stricter than the evaluator needs on purpose: an unknown rule action would count
 * as allow there, and an unknown condition with `not: true` would match everyone, so a document
 * this proxy does not fully understand is rejected (NACK, previous permissions kept) instead of
 * being enforced loosely.
 */
import { KumaError } from '../../core/errors.js';
import {
  decide,
  peerIdentityFromUriSans,
  type Condition,
  type DecisionRule,
  type DecisionSource,
  type InboundPermissions,
  type PermissionAction,
} from '../../core/permissions/index.js';
import type { AuthorizationDecision, Authorizer } from '../mtls/index.js';
import type { MeshMtlsState } from './data-path-desired.js';

/** The PERMISSIONS payload (`permissions_json`), the shape the control plane compiles (src/xds/permissions/compile.ts). */
export interface DataplanePermissions {
  mesh: string;
  dataplane: string;
  mtlsEnabled: boolean;
  inbounds: InboundPermissions[];
}

export class PermissionsDocumentError extends KumaError {
  constructor(message: string) {
    super('ERR_DP_PERMISSIONS_INVALID', message);
  }
}

const ACTIONS: readonly PermissionAction[] = ['allow', 'deny', 'allowWithShadowDeny'];
const SOURCES: readonly DecisionSource[] = ['mtls-disabled', 'no-policy', 'from', 'rules'];
const MAX_PROBLEMS = 5;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: Json): string => (typeof v === 'string' ? `"${v.slice(0, 64)}"` : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v).slice(0, 64));

/** Collects problems with their JSON paths; reading goes on after a problem so every one is reported. */
class Reader {
  readonly problems: string[] = [];

  fail(path: string, what: string): undefined {
    this.problems.push(`${path} ${what}`);
    return undefined;
  }

  str(o: Record<string, Json>, key: string, path: string, allowEmpty = false): string | undefined {
    const v = o[key];
    if (typeof v !== 'string') return this.fail(`${path}.${key}`, `must be a string, got ${v === undefined ? 'nothing' : show(v)}`);
    if (!allowEmpty && v === '') return this.fail(`${path}.${key}`, 'must not be empty');
    return v;
  }

  oneOf<T extends string>(o: Record<string, Json>, key: string, allowed: readonly T[], path: string): T | undefined {
    const v = o[key];
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    return this.fail(`${path}.${key}`, `must be one of ${allowed.join(', ')}, got ${v === undefined ? 'nothing' : show(v)}`);
  }

  array(o: Record<string, Json>, key: string, path: string): Json[] | undefined {
    const v = o[key];
    return Array.isArray(v) ? v : this.fail(`${path}.${key}`, `must be an array, got ${v === undefined ? 'nothing' : show(v)}`);
  }
}

function readCondition(r: Reader, v: Json, path: string): Condition | undefined {
  if (!isObject(v)) return r.fail(path, `must be an object, got ${show(v)}`);
  const not = v['not'];
  if (not !== undefined && typeof not !== 'boolean') return r.fail(`${path}.not`, `must be true or absent, got ${show(not)}`);
  const negate = not === true ? { not: true as const } : {};
  const type = r.oneOf(v, 'type', ['spiffeIdExact', 'spiffeIdPrefix', 'kumaTag', 'sni'] as const, path);
  switch (type) {
    case 'spiffeIdExact':
    case 'spiffeIdPrefix':
    case 'sni': {
      const value = r.str(v, 'value', path);
      return value === undefined ? undefined : { type, value, ...negate };
    }
    case 'kumaTag': {
      const key = r.str(v, 'key', path);
      const value = r.str(v, 'value', path, true);
      return key === undefined || value === undefined ? undefined : { type, key, value, ...negate };
    }
    default:
      return undefined;
  }
}

function readRule(r: Reader, v: Json, path: string): DecisionRule | undefined {
  if (!isObject(v)) return r.fail(path, `must be an object, got ${show(v)}`);
  const action = r.oneOf(v, 'action', ACTIONS, path);
  const anyOf: Condition[][] = [];
  for (const [i, all] of (r.array(v, 'anyOf', path) ?? []).entries()) {
    if (!Array.isArray(all)) {
      r.fail(`${path}.anyOf[${i}]`, `must be an array of conditions, got ${show(all)}`);
      continue;
    }
    const conditions = all.map((c: Json, j) => readCondition(r, c, `${path}.anyOf[${i}][${j}]`));
    if (conditions.every((c): c is Condition => c !== undefined)) anyOf.push(conditions);
  }
  const origin: string[] = [];
  for (const [i, o] of (r.array(v, 'origin', path) ?? []).entries()) {
    if (typeof o === 'string') origin.push(o);
    else r.fail(`${path}.origin[${i}]`, `must be a string, got ${show(o)}`);
  }
  return action === undefined ? undefined : { action, anyOf, origin };
}

function readInbound(r: Reader, v: Json, path: string): InboundPermissions | undefined {
  if (!isObject(v)) return r.fail(path, `must be an object, got ${show(v)}`);
  const inbound = r.str(v, 'inbound', path);
  const address = r.str(v, 'address', path);
  const port = v['port'];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) r.fail(`${path}.port`, `must be a port number (1-65535), got ${show(port)}`);
  const source = r.oneOf(v, 'source', SOURCES, path);
  const otherwise = r.oneOf(v, 'otherwise', ['allow', 'deny'] as const, path);
  const rules = (r.array(v, 'rules', path) ?? []).map((rule, i) => readRule(r, rule, `${path}.rules[${i}]`));
  if (inbound !== undefined && address !== undefined && typeof port === 'number' && inbound !== `${address}:${port}`) {
    r.fail(`${path}.inbound`, `"${inbound}" does not name the inbound's address and port (${address}:${port})`);
  }
  if (inbound === undefined || address === undefined || typeof port !== 'number' || source === undefined || otherwise === undefined) return undefined;
  if (!rules.every((x): x is DecisionRule => x !== undefined)) return undefined;
  return { inbound, address, port, source, rules, otherwise };
}

/**
 * Parses and checks a `permissions_json` document. Throws PermissionsDocumentError naming every
 * problem with its path (at most a few), e.g. `inbounds[0].rules[1].action must be one of ...`.
 */
export function parseDataplanePermissions(json: string): DataplanePermissions {
  let doc: Json;
  try {
    doc = JSON.parse(json) as Json;
  } catch (err) {
    throw new PermissionsDocumentError(`permissions_json is not valid JSON (${err instanceof Error ? err.message : String(err)}); the previous permissions stay in force`);
  }
  if (!isObject(doc)) throw new PermissionsDocumentError(`permissions_json must be a JSON object, got ${show(doc)}; the previous permissions stay in force`);
  const r = new Reader();
  const mesh = r.str(doc, 'mesh', '$');
  const dataplane = r.str(doc, 'dataplane', '$');
  const mtlsEnabled = doc['mtlsEnabled'];
  if (typeof mtlsEnabled !== 'boolean') r.fail('$.mtlsEnabled', `must be true or false, got ${show(mtlsEnabled)}`);
  const inbounds = (r.array(doc, 'inbounds', '$') ?? []).map((ib, i) => readInbound(r, ib, `$.inbounds[${i}]`));
  const seen = new Set<string>();
  for (const [i, ib] of inbounds.entries()) {
    if (ib === undefined) continue;
    if (seen.has(ib.inbound)) r.fail(`$.inbounds[${i}].inbound`, `"${ib.inbound}" appears twice`);
    seen.add(ib.inbound);
  }
  if (r.problems.length > 0 || mesh === undefined || dataplane === undefined || typeof mtlsEnabled !== 'boolean') {
    const more = r.problems.length > MAX_PROBLEMS ? ` (and ${r.problems.length - MAX_PROBLEMS} more)` : '';
    throw new PermissionsDocumentError(`permissions_json is malformed: ${r.problems.slice(0, MAX_PROBLEMS).join('; ')}${more}; the previous permissions stay in force`);
  }
  return { mesh, dataplane, mtlsEnabled, inbounds: inbounds as InboundPermissions[] };
}

/** The mtls Authorizer of one inbound: the core decision on the client certificate's URI SANs and SNI. */
export function authorizerFor(permissions: InboundPermissions): Authorizer {
  return (request): AuthorizationDecision => {
    const d = decide(permissions, peerIdentityFromUriSans(request.uriSans, request.sni));
    return { action: d.action, shadowDeny: d.shadowDeny, rule: d.rule };
  };
}

/** Fail closed with a rule text saying why, for the listener's log lines. */
export function denyingAuthorizer(why: string): Authorizer {
  const decision: AuthorizationDecision = { action: 'deny', shadowDeny: false, rule: why };
  return () => decision;
}

/** A parsed document with its inbounds by key (`<address>:<port>`). */
export interface PermissionsIndex {
  doc: DataplanePermissions;
  byInbound: Map<string, InboundPermissions>;
}

export function indexPermissions(doc: DataplanePermissions): PermissionsIndex {
  return { doc, byInbound: new Map(doc.inbounds.map((ib) => [ib.inbound, ib])) };
}

/**
 * What an inbound's permission comes from: its InboundPermissions, or why every mesh mTLS client is
 * denied (fail closed): nothing received yet, a document still compiled for mTLS off while the mesh
 * has it on (the PERMISSIONS push lags the DATAPLANE one), one for another mesh, no entry.
 */
export function permissionSource(p: PermissionsIndex | undefined, mesh: MeshMtlsState | undefined, key: string): InboundPermissions | string {
  if (!p) return 'no permissions from the control plane yet (deny)';
  if (mesh?.enabled && !p.doc.mtlsEnabled) return 'permissions were compiled for mTLS off; waiting for new ones (deny)';
  if (mesh && mesh.mesh !== p.doc.mesh) return `permissions are for mesh "${p.doc.mesh}", not "${mesh.mesh}" (deny)`;
  return p.byInbound.get(key) ?? 'no permissions for this inbound (deny)';
}

export function authorizerOf(source: InboundPermissions | string): Authorizer {
  return typeof source === 'string' ? denyingAuthorizer(source) : authorizerFor(source);
}
