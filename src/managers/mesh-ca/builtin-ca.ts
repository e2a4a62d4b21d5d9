/**
 * The builtin mesh CA (Kuma pkg/plugins/ca/builtin): an RSA key (`conf.caCert.RSAbits`, 2048) and a
 * self-signed CA certificate (O=Kuma, OU=Mesh, CN=<mesh>, URI SAN spiffe://<mesh>, serial 0,
 * now−10 s … now+`conf.caCert.expiration` (10 y)), kept as two Secrets owned by the Mesh:
 * `<mesh>.ca-builtin-cert-<backend>` and `<mesh>.ca-builtin-key-<backend>`, each holding PEM bytes.
 *
 * Creation is idempotent and safe with several control planes at once, better than Kuma (which can
 * end up with one instance's certificate and another's key): whoever creates the certificate Secret
 * owns the creation and writes the key next; the others wait for that key. A half-written pair left
 * by a crash (certificate without key, or key without certificate) is repaired.
 */
import { hasCode, messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { builtinCaCertSecretName, builtinCaKeySecretName, secretData, type Resource, type ResourceKey } from '../../core/resources/index.js';
import { createCaCertificate, generateKeyPair, readCertificateInfo, type KeyPair } from '../../pki/index.js';
import type { NewResource, ResourceList } from '../../store/resource-store.js';
import { MESH_CA_CLOCK_SKEW_MS } from './backend-config.js';
import { secretDataBytes } from './data-source.js';
import { MeshCaError } from './errors.js';

/** What the CA managers need from the ResourceManager (or a bare store, in tests). */
export interface CaStore {
  get(key: ResourceKey): Promise<Resource>;
  create(resource: NewResource, opts?: { owner?: ResourceKey }): Promise<Resource>;
  delete(key: ResourceKey, opts?: { version?: string }): Promise<void>;
  list(type: string, opts?: { mesh?: string; pageSize?: number }): Promise<ResourceList>;
}

export interface BuiltinCaOptions {
  rsaBits: number;
  validityMs: number;
  now: () => Date;
  logger: Logger;
  /** RSA key generation (async, off the event loop); tests may hand out pre-generated keys. */
  newKey?: (rsaBits: number) => Promise<KeyPair>;
  /** How long a creator that lost the race waits for the winner's key Secret (default 10 s). */
  partnerWaitMs?: number;
  /** A certificate Secret without key older than this is a crash leftover and is replaced (default 30 s). */
  orphanAgeMs?: number;
}

const secretKey = (mesh: string, name: string): ResourceKey => ({ type: 'Secret', mesh, name });
const meshKey = (mesh: string): ResourceKey => ({ type: 'Mesh', mesh: '', name: mesh });

async function find(store: CaStore, key: ResourceKey): Promise<Resource | undefined> {
  try {
    return await store.get(key);
  } catch (err) {
    if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return undefined;
    throw err;
  }
}

async function deleteIfUnchanged(store: CaStore, r: Resource): Promise<void> {
  try {
    await store.delete(secretKey(r.meta.mesh, r.meta.name), { version: r.meta.version });
  } catch (err) {
    if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND') && !hasCode(err, 'ERR_RESOURCE_CONFLICT')) throw err;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for another creator's key Secret; true when it appeared. */
async function waitForKey(store: CaStore, key: ResourceKey, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await find(store, key)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/** Creates the CA unless both Secrets exist. Returns the new certificate's notAfter, or undefined when nothing was created. */
export async function ensureBuiltinCa(store: CaStore, mesh: string, backend: string, opts: BuiltinCaOptions): Promise<Date | undefined> {
  const certKey = secretKey(mesh, builtinCaCertSecretName(mesh, backend));
  const keyKey = secretKey(mesh, builtinCaKeySecretName(mesh, backend));
  const log = opts.logger;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [cert, key] = await Promise.all([find(store, certKey), find(store, keyKey)]);
    if (cert && key) {
      log.debug({ mesh, backend }, 'CA secrets already exist. Nothing to create');
      return undefined;
    }
    if (cert && !key) {
      // Someone else is creating it right now (wait for its key), or crashed half-way (replace it).
      const age = opts.now().getTime() - cert.meta.creationTime.getTime();
      if (age < (opts.orphanAgeMs ?? 30_000) && (await waitForKey(store, keyKey, opts.partnerWaitMs ?? 10_000))) return undefined;
      log.warn({ mesh, backend, secret: certKey.name }, 'CA certificate Secret has no key Secret (an interrupted creation); replacing it');
      await deleteIfUnchanged(store, cert);
      continue;
    }
    if (!cert && key) {
      log.warn({ mesh, backend, secret: keyKey.name }, 'CA key Secret has no certificate Secret (an interrupted creation or a deleted certificate); replacing it');
      await deleteIfUnchanged(store, key);
      continue;
    }
    return createPair(store, mesh, certKey, keyKey, opts);
  }
  throw new MeshCaError(
    'ERR_MESH_CA_CREATE',
    `failed to create CA for mesh ${JSON.stringify(mesh)} and backend ${JSON.stringify(backend)}: its Secrets kept changing while it was being created; retry, and check that no tool deletes Secrets ${certKey.name} / ${keyKey.name}`,
  );
}

async function createPair(store: CaStore, mesh: string, certKey: ResourceKey, keyKey: ResourceKey, opts: BuiltinCaOptions): Promise<Date | undefined> {
  const keyPair = await (opts.newKey ?? ((bits) => generateKeyPair('rsa', { rsaBits: bits })))(opts.rsaBits);
  const ca = createCaCertificate({
    subject: { organization: 'Kuma', organizationalUnit: 'Mesh', commonName: mesh },
    keyPair,
    uriSans: [`spiffe://${mesh}`],
    now: opts.now(),
    validityMs: opts.validityMs,
    clockSkewMs: MESH_CA_CLOCK_SKEW_MS,
    serial: 0n,
  });
  const owner = meshKey(mesh);
  try {
    await store.create({ type: 'Secret', meta: { name: certKey.name, mesh }, spec: { data: secretData(Buffer.from(ca.certPem)) } }, { owner });
  } catch (err) {
    if (!hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) throw err;
    // Another creator won; its key follows its certificate.
    if (await waitForKey(store, keyKey, opts.partnerWaitMs ?? 10_000)) return undefined;
    throw new MeshCaError('ERR_MESH_CA_CREATE', `failed to create CA for mesh ${JSON.stringify(mesh)}: another control plane created Secret ${certKey.name} but not ${keyKey.name}; retry in a few seconds`);
  }
  try {
    await store.create({ type: 'Secret', meta: { name: keyKey.name, mesh }, spec: { data: secretData(Buffer.from(ca.keyPem)) } }, { owner });
  } catch (err) {
    // The certificate alone is useless: take it back so the next attempt starts clean.
    const written = await find(store, certKey).catch(() => undefined);
    if (written && secretDataBytes(written).toString() === ca.certPem) await deleteIfUnchanged(store, written).catch(() => undefined);
    throw new MeshCaError('ERR_MESH_CA_CREATE', `failed to create CA for mesh ${JSON.stringify(mesh)}: could not store Secret ${keyKey.name}: ${messageOf(err)}`, { cause: err });
  }
  return readCertificateInfo(ca.certificate).notAfter;
}

/** The stored certificate and key PEM bytes of a builtin CA (Kuma's error text when a Secret is missing). */
export async function loadBuiltinCa(store: CaStore, mesh: string, backend: string): Promise<{ certPem: Buffer; keyPem: Buffer }> {
  const read = async (name: string): Promise<Buffer> => {
    const secret = await store.get(secretKey(mesh, name));
    return secretDataBytes(secret);
  };
  // Sequential on purpose: Kuma reports the certificate Secret first when both are missing.
  const certPem = await read(builtinCaCertSecretName(mesh, backend));
  const keyPem = await read(builtinCaKeySecretName(mesh, backend));
  return { certPem, keyPem };
}
