import type { JsonObject } from './json.js';
import { arrAt, boolAt, has, isObject, objAt, strAt } from './json.js';
import { validateMeshNameLength } from './meta-rules.js';
import { mtlsEnabled } from './mesh.js';
import { isDNSName } from './net-rules.js';
import { FieldPath, Violations, goQuote } from './validation.js';

// The Mesh manager's checks (Kuma pkg/core/managers/apis/mesh/mesh_validator.go and the builtin/provided
// CA plugins' ValidateBackend), minus the crypto of provided CAs, which needs the secret store and PKI.

export const CA_BACKEND_TYPES = ['builtin', 'provided'] as const;

/** Secret names of a builtin CA (owned by the Mesh). */
export function builtinCaCertSecretName(mesh: string, backend: string): string {
  return `${mesh}.ca-builtin-cert-${backend}`;
}
export function builtinCaKeySecretName(mesh: string, backend: string): string {
  return `${mesh}.ca-builtin-key-${backend}`;
}

const MAX_BACKEND_NAME_LENGTH = 255;

function validateBuiltin(mesh: string, backend: JsonObject): Violations {
  const v = new Violations();
  const name = strAt(backend, 'name');
  const secretName = builtinCaCertSecretName(mesh, name);
  const at = FieldPath.at('mtls').field('backends').field('name');
  if (secretName.length > MAX_BACKEND_NAME_LENGTH) v.add(at, `Backend name is too long. Max length: ${MAX_BACKEND_NAME_LENGTH}`);
  if (!isDNSName(secretName) || secretName !== secretName.toLowerCase()) v.add(at, `${goQuote(name)} name must be valid dns name`);
  return v;
}

const DATA_SOURCE_KEYS = ['secret', 'file', 'inline', 'inlineString'] as const;

/** Kuma datasource.Validate for a provided CA's `cert` / `key`. */
export function validateDataSource(source: JsonObject | undefined): Violations {
  const v = new Violations();
  const chosen = DATA_SOURCE_KEYS.find((k) => has(source, k));
  if (!chosen) {
    v.add('', 'data source has to be chosen. Available sources: secret, file, inline');
    return v;
  }
  if (chosen !== 'inlineString' && strAt(source, chosen) === '') v.add(chosen, 'cannot be empty');
  return v;
}

function validateProvided(backend: JsonObject): Violations {
  const v = new Violations();
  const conf = objAt(backend, 'conf');
  for (const part of ['cert', 'key']) {
    if (!has(conf, part)) v.add(part, 'has to be defined');
    else v.addAt(part, validateDataSource(objAt(conf, part)));
  }
  return v;
}

/** Backend types must be installed; unless skipValidation, each backend's own structural rules. */
export function validateCaBackends(mesh: string, spec: JsonObject): Violations {
  const v = new Violations();
  const mtls = objAt(spec, 'mtls');
  const path = FieldPath.at('mtls').field('backends');
  const backends = arrAt(mtls, 'backends');
  for (let i = 0; i < backends.length; i++) {
    const backend = backends[i];
    const type = strAt(backend, 'type');
    if (!(CA_BACKEND_TYPES as readonly string[]).includes(type)) {
      v.add(path.index(i).field('type'), 'could not find installed plugin for this type');
      return v; // Kuma stops at the first unknown type
    }
    if (boolAt(mtls, 'skipValidation') || !isObject(backend)) continue;
    v.addAt(path.index(i).field('conf'), type === 'builtin' ? validateBuiltin(mesh, backend) : validateProvided(backend));
  }
  return v;
}

/** Mesh manager checks on create. */
export function validateMeshCreate(name: string, spec: JsonObject): Violations {
  const v = new Violations();
  v.addAt('', validateMeshNameLength(name));
  v.addAt('', validateCaBackends(name, spec));
  return v;
}

/** Mesh manager checks on update: the CA cannot change while mTLS stays on. */
export function validateMeshUpdate(name: string, previous: JsonObject, next: JsonObject): Violations {
  const v = new Violations();
  const prevBackend = strAt(objAt(previous, 'mtls'), 'enabledBackend');
  const nextBackend = strAt(objAt(next, 'mtls'), 'enabledBackend');
  // Switching to a backend that was already listed is a rotation: proxies have trusted its root since
  // it was added. Switching to one that appears only now would leave them unable to verify each other.
  if (mtlsEnabled(previous) && mtlsEnabled(next) && prevBackend !== nextBackend && !backendNames(previous).has(nextBackend)) {
    v.add(
      'mtls.enabledBackend',
      'Changing CA when mTLS is enabled is forbidden. Disable mTLS first and then change the CA, or rotate without downtime: first add the new backend next to the enabled one, then switch enabledBackend to it, then remove the old one',
    );
  }
  v.addAt('', validateCaBackends(name, next));
  return v;
}

function backendNames(spec: JsonObject): Set<string> {
  return new Set(arrAt(objAt(spec, 'mtls'), 'backends').map((b) => strAt(b, 'name')));
}
