/**
 * The CA checks of a Mesh write that need I/O (Kuma's ValidateBackend of the builtin and provided
 * CA managers): a provided CA's certificate and key are loaded from their data sources and checked
 * as X509-SVID signing certificates; a builtin CA's parameters must be usable. The structural rules
 * (unknown type, missing cert/key, empty data source, builtin backend names) are checked without
 * I/O by core's validateMeshCreate/validateMeshUpdate; backends failing those are skipped here.
 */
import { messageOf } from '../../core/errors.js';
import {
  CA_BACKEND_TYPES,
  FieldPath,
  arrAt,
  isObject,
  Violations,
  boolAt,
  has,
  objAt,
  strAt,
  uintAt,
  validateDataSource,
  type JsonObject,
  type Violation,
} from '../../core/resources/index.js';
import { builtinCaParams, providedSources } from './backend-config.js';
import { KeyPairError, parseCaKeyPair, validateCaCertificates } from './ca-key-pair.js';
import { loadDataSource, type SecretReader } from './data-source.js';

function validateBuiltinConf(backend: JsonObject): Violations {
  const v = new Violations();
  const caCert = objAt(objAt(backend, 'conf'), 'caCert');
  const bits = uintAt(caCert, 'RSAbits');
  if (has(caCert, 'RSAbits') && bits !== 0 && (bits < 2048 || bits > 16384 || bits % 8 !== 0)) {
    v.add('caCert.RSAbits', 'must be a multiple of 8 between 2048 and 16384 (default 2048)');
  }
  if (builtinCaParams(backend).validityMs === undefined) v.add('caCert.expiration', 'has to be a valid format');
  return v;
}

/** Kuma's provided ValidateBackend after its structural checks passed: load, pair, X509-SVID rules. */
export async function validateProvidedConf(mesh: string, backend: JsonObject, secrets: SecretReader, now: Date): Promise<Violations> {
  const v = new Violations();
  const { cert, key } = providedSources(backend);
  let certPem: Buffer;
  let keyPem: Buffer;
  try {
    // Kuma loads the key first; the first failure is reported on both fields.
    keyPem = await loadDataSource(key, mesh, secrets);
    certPem = await loadDataSource(cert, mesh, secrets);
  } catch (err) {
    v.add('cert', messageOf(err));
    v.add('key', messageOf(err));
    return v;
  }
  try {
    return v.addAt('', validateCaCertificates(parseCaKeyPair(certPem, keyPem), now));
  } catch (err) {
    if (err instanceof KeyPairError) return v.add('cert', `not a valid TLS key pair: ${err.message}`);
    throw err;
  }
}

function structurallyValidProvided(backend: JsonObject): boolean {
  const conf = objAt(backend, 'conf');
  return ['cert', 'key'].every((part) => has(conf, part) && validateDataSource(objAt(conf, part)).ok);
}

/**
 * The I/O part of the Mesh manager's CA validation, with Kuma's paths
 * (`mtls.backends[i].conf.cert`, `…conf.cert[0]`). Empty unless something is wrong.
 */
export async function validateMeshCaBackends(meshName: string, spec: JsonObject, secrets: SecretReader, now: Date): Promise<Violation[]> {
  const mtls = objAt(spec, 'mtls');
  if (boolAt(mtls, 'skipValidation')) return [];
  const backends = arrAt(mtls, 'backends');
  // Kuma stops at the first unknown type, which the structural check reports.
  if (backends.some((b) => !(CA_BACKEND_TYPES as readonly string[]).includes(strAt(b, 'type')))) return [];
  const v = new Violations();
  for (const [i, backend] of backends.entries()) {
    if (!isObject(backend)) continue;
    const at = FieldPath.at('mtls').field('backends').index(i).field('conf');
    if (strAt(backend, 'type') === 'builtin') v.addAt(at, validateBuiltinConf(backend));
    else if (structurallyValidProvided(backend)) v.addAt(at, await validateProvidedConf(meshName, backend, secrets, now));
  }
  return v.list;
}
