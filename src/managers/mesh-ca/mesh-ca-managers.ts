/**
 * The mesh CA managers (Kuma core_ca.Managers for `builtin` and `provided`) behind one API: make
 * sure a backend's CA exists, hand out its root certificates and its signer, validate a Mesh's CA
 * backends on write, and the Mesh lifecycle hook the ResourceManager calls. Parsed CAs are cached by
 * their PEM bytes, so a signer costs two store reads (or a file read) and a buffer compare, and a
 * changed Secret or file is picked up on the next call.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { strAt, type JsonObject, type Violation } from '../../core/resources/index.js';
import { readCertificateInfo, type KeyPair } from '../../pki/index.js';
import { builtinCaParams, caBackendsOf, enabledBackendName, findCaBackend, providedSources, type MeshLike } from './backend-config.js';
import { ensureBuiltinCa, loadBuiltinCa, type CaStore } from './builtin-ca.js';
import { KeyPairError, parseCaKeyPair, signingKeyProblem, type CaKeyPair } from './ca-key-pair.js';
import { loadDataSource } from './data-source.js';
import { MeshCaError, loadFailure } from './errors.js';
import { validateMeshCaBackends } from './validate.js';

export interface MeshCaManagersOptions {
  /** Where CA Secrets live: the resource store (Secrets are created with the Mesh as owner). */
  store: CaStore;
  logger?: Logger;
  now?: () => Date;
  /** RSA key generation for builtin CAs (default: async generateKeyPair). */
  newRsaKey?: (rsaBits: number) => Promise<KeyPair>;
  /** See BuiltinCaOptions. */
  partnerWaitMs?: number;
  orphanAgeMs?: number;
}

/** A CA ready to sign identity certificates. */
export interface MeshCaSigner {
  mesh: string;
  backend: string;
  type: string;
  certificate: X509Certificate;
  privateKey: KeyObject;
  /** What follows an issued leaf in its chain: the CA certificates that are not self-signed, signer first (none for builtin). */
  intermediatesPem: string[];
}

/** The ResourceManager's Mesh hook: checks with I/O before a write, CA creation around it. */
export interface MeshLifecycleHook {
  /** Violations (Kuma's paths and texts) of the Mesh's CA backends that need I/O to find. */
  validateMesh(name: string, spec: JsonObject): Promise<Violation[]>;
  /** Ensure every backend's CA exists. Call after the Mesh is stored on create, before storing on update. */
  ensureMeshCas(mesh: MeshLike): Promise<void>;
}

/** The warning a Mesh write returns when mTLS is on and no MeshTrafficPermission lets any traffic through. */
export function mtlsWithoutPermissionWarning(mesh: string): string {
  return (
    `mTLS is enabled on Mesh "${mesh}" and the mesh has no MeshTrafficPermission, so all traffic between its data plane proxies is denied. ` +
    "Apply a MeshTrafficPermission to allow it, for example one with 'targetRef: {kind: Mesh}' and 'from: [{targetRef: {kind: Mesh}, default: {action: Allow}}]'"
  );
}

interface CachedCa {
  certPem: Buffer;
  keyPem: Buffer;
  pair: CaKeyPair;
  /** Computed once per CA: the non-self-signed certificates (chain material for issued leaves). */
  intermediatesPem: string[];
}

function isSelfSigned(c: X509Certificate): boolean {
  try {
    return c.checkIssued(c) && c.verify(c.publicKey);
  } catch {
    return false;
  }
}

export class MeshCaManagers implements MeshLifecycleHook {
  private readonly store: CaStore;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly ensuring = new Map<string, Promise<void>>();
  private readonly parsed = new Map<string, CachedCa>();

  constructor(private readonly opts: MeshCaManagersOptions) {
    this.store = opts.store;
    this.log = (opts.logger ?? silentLogger).child({ component: 'ca' });
    this.now = opts.now ?? (() => new Date());
  }

  private backendOf(mesh: MeshLike, backendName: string): JsonObject {
    const backend = findCaBackend(mesh.spec, backendName);
    if (!backend) {
      throw new MeshCaError('ERR_MESH_CA_UNKNOWN_BACKEND', `Mesh ${JSON.stringify(mesh.meta.name)} has no mTLS backend ${JSON.stringify(backendName)}: use one of the names in mtls.backends`);
    }
    return backend;
  }

  /**
   * Make sure the backend's CA exists: builtin generates and stores one unless its Secrets exist;
   * provided has nothing to create. Concurrent calls for the same backend share one creation.
   */
  ensure(mesh: MeshLike, backendName: string): Promise<void> {
    let backend: JsonObject;
    try {
      backend = this.backendOf(mesh, backendName);
    } catch (err) {
      return Promise.reject(err);
    }
    if (strAt(backend, 'type') !== 'builtin') return Promise.resolve();
    const meshName = mesh.meta.name;
    const id = `${meshName}\u0000${backendName}`;
    let pending = this.ensuring.get(id);
    if (!pending) {
      pending = this.ensureBuiltin(meshName, backendName, backend).finally(() => this.ensuring.delete(id));
      this.ensuring.set(id, pending);
    }
    return pending;
  }

  private async ensureBuiltin(mesh: string, backend: string, conf: JsonObject): Promise<void> {
    const { rsaBits, validityMs, expirationText } = builtinCaParams(conf);
    if (validityMs === undefined) {
      throw new MeshCaError('ERR_MESH_CA_CONFIG', `failed to create CA for mesh ${JSON.stringify(mesh)} and backend ${JSON.stringify(backend)}: conf.caCert.expiration ${JSON.stringify(expirationText)} is not a valid duration (use e.g. 10y, 52w, 365d)`);
    }
    try {
      const notAfter = await ensureBuiltinCa(this.store, mesh, backend, {
        rsaBits,
        validityMs,
        now: this.now,
        logger: this.log,
        ...(this.opts.newRsaKey ? { newKey: this.opts.newRsaKey } : {}),
        ...(this.opts.partnerWaitMs !== undefined ? { partnerWaitMs: this.opts.partnerWaitMs } : {}),
        ...(this.opts.orphanAgeMs !== undefined ? { orphanAgeMs: this.opts.orphanAgeMs } : {}),
      });
      if (notAfter) this.log.info({ mesh, backend, notAfter: notAfter.toISOString() }, 'CA created');
    } catch (err) {
      if (err instanceof MeshCaError) throw err;
      throw new MeshCaError('ERR_MESH_CA_CREATE', `failed to create CA for mesh ${JSON.stringify(mesh)} and backend ${JSON.stringify(backend)}: ${messageOf(err)}`, { cause: err });
    }
  }

  /** Every backend of the Mesh (enabled or not, as Kuma's EnsureCAs), in parallel. */
  async ensureMeshCas(mesh: MeshLike): Promise<void> {
    await Promise.all(caBackendsOf(mesh.spec).map((b) => this.ensure(mesh, strAt(b, 'name'))));
  }

  validateMesh(name: string, spec: JsonObject): Promise<Violation[]> {
    return validateMeshCaBackends(name, spec, this.store, this.now());
  }

  /** The CA's certificate(s) and key, parsed and checked (cached while the PEM bytes stay the same). */
  private async load(mesh: MeshLike, backendName: string): Promise<CachedCa> {
    const backend = this.backendOf(mesh, backendName);
    const meshName = mesh.meta.name;
    const type = strAt(backend, 'type');
    let pem: { certPem: Buffer; keyPem: Buffer };
    try {
      if (type === 'builtin') {
        pem = await loadBuiltinCa(this.store, meshName, backendName);
      } else if (type === 'provided') {
        const { cert, key } = providedSources(backend);
        const keyPem = await loadDataSource(key, meshName, this.store);
        pem = { certPem: await loadDataSource(cert, meshName, this.store), keyPem };
      } else {
        throw new MeshCaError('ERR_MESH_CA_UNKNOWN_TYPE', `CA manager for type ${type} does not exist: use builtin or provided`);
      }
    } catch (err) {
      if (err instanceof MeshCaError && err.code === 'ERR_MESH_CA_UNKNOWN_TYPE') throw err;
      throw loadFailure(meshName, backendName, messageOf(err), err);
    }
    const id = `${meshName}\u0000${backendName}\u0000${type}`;
    const hit = this.parsed.get(id);
    if (hit && hit.certPem.equals(pem.certPem) && hit.keyPem.equals(pem.keyPem)) return hit;
    let pair: CaKeyPair;
    try {
      pair = parseCaKeyPair(pem.certPem, pem.keyPem);
    } catch (err) {
      if (!(err instanceof KeyPairError)) throw err;
      throw loadFailure(meshName, backendName, `not a valid TLS key pair: ${err.message}`, err);
    }
    const entry: CachedCa = { ...pem, pair, intermediatesPem: pair.certificates.flatMap((c, i) => (isSelfSigned(c) ? [] : [pair.certPems[i] as string])) };
    this.parsed.set(id, entry);
    return entry;
  }

  /** The backend's root certificates as one PEM per certificate (a provided CA may give a chain). */
  async getRootCerts(mesh: MeshLike, backendName: string): Promise<string[]> {
    return [...(await this.load(mesh, backendName)).pair.certPems];
  }

  /** Roots of every backend of the Mesh, enabled one first: what proxies must trust (two during a CA rotation). */
  async getAllRootCerts(mesh: MeshLike): Promise<{ backend: string; rootsPem: string[] }[]> {
    const enabled = enabledBackendName(mesh.spec);
    const names = caBackendsOf(mesh.spec).map((b) => strAt(b, 'name'));
    names.sort((a, b) => (a === enabled ? -1 : b === enabled ? 1 : 0));
    return Promise.all(names.map(async (backend) => ({ backend, rootsPem: await this.getRootCerts(mesh, backend) })));
  }

  /** The signing certificate and key of the backend, checked to be a currently valid CA with a usable key. */
  async getSigner(mesh: MeshLike, backendName: string): Promise<MeshCaSigner> {
    const { pair, intermediatesPem } = await this.load(mesh, backendName);
    const certificate = pair.certificates[0] as X509Certificate;
    const problem = signingKeyProblem(pair.privateKey);
    if (problem) throw loadFailure(mesh.meta.name, backendName, problem);
    const notAfter = readCertificateInfo(certificate).notAfter;
    const now = this.now();
    if (now.getTime() > notAfter.getTime()) {
      throw loadFailure(mesh.meta.name, backendName, `the CA certificate expired at ${notAfter.toISOString()} (now is ${now.toISOString()}): replace the CA (add a new backend, switch mtls.enabledBackend to it, then remove this one)`);
    }
    return {
      mesh: mesh.meta.name,
      backend: backendName,
      type: strAt(this.backendOf(mesh, backendName), 'type'),
      certificate,
      privateKey: pair.privateKey,
      intermediatesPem: [...intermediatesPem],
    };
  }

  /** Drop what is cached for a Mesh (call when it is deleted; a changed CA is noticed anyway). */
  forget(meshName: string): void {
    for (const id of this.parsed.keys()) if (id.startsWith(`${meshName}\u0000`)) this.parsed.delete(id);
  }

  /** Warnings for a Mesh write: mTLS on and not one MeshTrafficPermission in the mesh means all traffic is denied. */
  async mtlsWarnings(meshName: string, spec: JsonObject): Promise<string[]> {
    if (enabledBackendName(spec) === '') return [];
    const { total } = await this.store.list('MeshTrafficPermission', { mesh: meshName, pageSize: 1 });
    return total > 0 ? [] : [mtlsWithoutPermissionWarning(meshName)];
  }
}
