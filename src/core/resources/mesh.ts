import { parseKumaDuration } from './duration.js';
import type { JsonObject } from './json.js';
import { arrAt, has, isObject, objAt, strAt, stringMapAt } from './json.js';
import { validateSelector } from './tags.js';
import { FieldPath, Violations, goQuote } from './validation.js';

/** The Kuma 2.x Mesh spec (proto-JSON of `api/mesh/v1alpha1/mesh.proto`); only the parts we reason about are typed. */
export interface MeshSpec extends JsonObject {}

export interface CertificateAuthorityBackend {
  name: string;
  type: string;
  mode?: 'STRICT' | 'PERMISSIVE';
  dpCert?: { rotation?: { expiration?: string }; requestTimeout?: string };
  rootChain?: { requestTimeout?: string };
  conf?: JsonObject;
}

/** Top-level fields of the Mesh message (2.x), kept from an inline envelope. */
export const MESH_SPEC_FIELDS = [
  'mtls',
  'tracing',
  'logging',
  'metrics',
  'networking',
  'routing',
  'constraints',
  'skipCreatingInitialPolicies',
  'meshServices',
] as const;

/**
 * Kuma allows a single mTLS backend (AllowedMTLSBackends); we allow a second one so a CA can be
 * rotated without a plaintext window (proxies trust both roots while both exist).
 */
export const MAX_MTLS_BACKENDS = 2;

/** The backend named by `mtls.enabledBackend`, if mTLS is on and the backend exists. */
export function enabledCaBackend(spec: JsonObject): JsonObject | undefined {
  const mtls = objAt(spec, 'mtls');
  const enabled = strAt(mtls, 'enabledBackend');
  if (enabled === '') return undefined;
  return arrAt(mtls, 'backends').find((b): b is JsonObject => isObject(b) && strAt(b, 'name') === enabled);
}

export function mtlsEnabled(spec: JsonObject): boolean {
  return strAt(objAt(spec, 'mtls'), 'enabledBackend') !== '';
}

function validateMtls(mtls: JsonObject | undefined): Violations {
  const v = new Violations();
  if (!mtls) return v;
  const backends = arrAt(mtls, 'backends');
  if (backends.length > MAX_MTLS_BACKENDS) v.add(FieldPath.at('backends'), `cannot have more than ${MAX_MTLS_BACKENDS} backends`);
  const used = new Set<string>();
  backends.forEach((backend, i) => {
    const name = strAt(backend, 'name');
    if (used.has(name)) v.add(FieldPath.at('backends').index(i).field('name'), `${goQuote(name)} name is already used for another backend`);
    used.add(name);
    if (has(backend, 'dpCert')) {
      // Kuma reports this one without the backend index (sic), lower-case "dpcert" included.
      const expiration = strAt(objAt(objAt(backend, 'dpCert'), 'rotation'), 'expiration');
      if (parseKumaDuration(expiration) === undefined) v.add('dpcert.rotation.expiration', 'has to be a valid format');
    }
  });
  const enabled = strAt(mtls, 'enabledBackend');
  if (enabled !== '' && !used.has(enabled)) v.add('enabledBackend', 'has to be set to one of the backends in the mesh');
  return v;
}

/** logging / tracing: unique names, known types, default backend must exist. */
function validateNamedBackends(section: JsonObject | undefined, types: readonly string[], defaultField: string, defaultMsg: string): Violations {
  const v = new Violations();
  if (!section) return v;
  const used = new Set<string>();
  arrAt(section, 'backends').forEach((backend, i) => {
    const at = FieldPath.at('backends').index(i);
    const name = strAt(backend, 'name');
    if (name === '') v.add(at.field('name'), 'cannot be empty');
    if (!types.includes(strAt(backend, 'type'))) {
      v.add(at.field('type'), `unknown backend type. Available backends: ${types.map(goQuote).join(', ')}`);
    }
    if (used.has(name)) v.add(at.field('name'), `${goQuote(name)} name is already used for another backend`);
    used.add(name);
  });
  const def = strAt(section, defaultField);
  if (def !== '' && !used.has(def)) v.add(defaultField, defaultMsg);
  return v;
}

function validateMetrics(metrics: JsonObject | undefined): Violations {
  const v = new Violations();
  if (!metrics) return v;
  const used = new Set<string>();
  arrAt(metrics, 'backends').forEach((backend, i) => {
    const at = FieldPath.at('backends').index(i);
    const name = strAt(backend, 'name');
    if (used.has(name)) v.add(at.field('name'), `${goQuote(name)} name is already used for another backend`);
    if (strAt(backend, 'type') !== 'prometheus') v.add(at.field('type'), `unknown backend type. Available backends: "prometheus"`);
    used.add(name);
  });
  const enabled = strAt(metrics, 'enabledBackend');
  if (enabled !== '' && !used.has(enabled)) v.add('enabledBackend', 'has to be set to one of the backends in the mesh');
  return v;
}

function validateConstraints(constraints: JsonObject | undefined): Violations {
  const v = new Violations();
  const dpp = objAt(constraints, 'dataplaneProxy');
  if (!dpp) return v;
  const section = new Violations();
  for (const list of ['requirements', 'restrictions']) {
    arrAt(dpp, list).forEach((item, i) => {
      section.addAt('', validateSelector(FieldPath.at(list).index(i).field('tags'), stringMapAt(item, 'tags'), { requireAtLeastOneTag: true }));
    });
  }
  v.addAt('dataplaneProxy', section);
  return v;
}

/** Mesh spec validation (Kuma MeshResource.Validate), with its field paths. */
export function validateMeshSpec(spec: JsonObject): Violations {
  const v = new Violations();
  v.addAt('mtls', validateMtls(objAt(spec, 'mtls')));
  v.addAt('logging', validateNamedBackends(objAt(spec, 'logging'), ['tcp', 'file'], 'defaultBackend', 'has to be set to one of the logging backend in mesh'));
  v.addAt('tracing', validateNamedBackends(objAt(spec, 'tracing'), ['zipkin', 'datadog'], 'defaultBackend', 'has to be set to one of the tracing backend in mesh'));
  v.addAt('metrics', validateMetrics(objAt(spec, 'metrics')));
  v.addAt('constraints', validateConstraints(objAt(spec, 'constraints')));
  if (objAt(spec, 'routing')?.['zoneEgress'] === true && !mtlsEnabled(spec)) v.add('mtls', 'has to be set when zoneEgress enabled');
  return v;
}
