/**
 * Kind RESOURCE_KIND_IDENTITY: one stream's mesh identity. The proxy sends a CSR for its own key; the
 * certificate is issued from it by the mesh's enabled backend (IdentityIssuer checks the CSR against
 * the stored Dataplane). It is issued again when the proxy sends a new CSR (renewal, new tags), when
 * the Mesh's `mtls` section changes (a CA rotation switches `enabledBackend`: every identity is
 * re-issued from the new CA with the proxy's existing key), and when the mesh's trusted roots change
 * (new roots are pushed with a fresh certificate). Nothing is signed again while none of these change.
 *
 * The mesh roots are read once per change and shared by the mesh's streams (MeshRoots).
 */
import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { messageOf } from '../../core/errors.js';
import { formatKumaTime, objAt, type JsonObject, type Resource } from '../../core/resources/index.js';
import { IdentityConfigSchema, type IdentityConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { enabledBackendName } from '../../managers/mesh-ca/index.js';
import { IdentityError, renewalTime, type IdentityCaSource, type IdentityIssuer, type IssuedIdentity } from '../../xds/identity/index.js';
import { Code } from '../grpc/codes.js';
import { PerMeshCache } from '../per-mesh-cache.js';

/** PEM blocks one after another, each on its own lines. */
const concatPem = (pems: readonly string[]): string => pems.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');

const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

export interface MeshRootsPart {
  byBackend: { backend: string; rootsPem: string[] }[];
  hash: string;
}

/** Every backend's roots of a mesh with mTLS on (undefined when off), read once per Mesh or Secret change. */
export class MeshRoots extends PerMeshCache<MeshRootsPart | undefined> {
  constructor(ca: IdentityCaSource, meshOf: (mesh: string) => Promise<Resource | undefined>) {
    super(async (name) => {
      const mesh = await meshOf(name);
      if (mesh === undefined || enabledBackendName(mesh.spec) === '') return undefined;
      const byBackend = await ca.getAllRootCerts(mesh);
      return { byBackend, hash: hash(JSON.stringify(byBackend)) };
    });
  }
}

/** DataplaneInsight `mTLS` as Kuma writes it (times RFC 3339); null: mTLS is off, clear the block. */
export type MtlsInsight = JsonObject | null;

export interface IdentityBuild {
  config: IdentityConfig;
  version: string;
}

const OFF: IdentityBuild = { config: create(IdentityConfigSchema, { mtlsEnabled: false }), version: 'off' };

export class StreamIdentity {
  private csrPem = '';
  /** What the last answer was built from (CSR, the Mesh's mtls section, roots); an answer is rebuilt when it changes. */
  private builtFor = '';
  private last: IdentityBuild | undefined;
  private lastFailed = false;
  /** For the DataplaneInsight: undefined until the first answer. */
  insight: MtlsInsight | undefined;

  constructor(private readonly issuer: IdentityIssuer) {}

  /** A CSR from the proxy. A new one, or any after a failure, asks for a new certificate. */
  request(csrPem: string): void {
    if (csrPem !== this.csrPem || this.lastFailed) this.builtFor = '';
    this.csrPem = csrPem;
  }

  /** The answer for the current state, or undefined while there is nothing to say (mTLS on, no CSR yet). */
  /** `roots`: the mesh's, undefined with mTLS off, or why they cannot be read (the CA is not loadable). */
  async build(mesh: Resource, dataplane: Resource, roots: MeshRootsPart | undefined | Error): Promise<IdentityBuild | undefined> {
    if (enabledBackendName(mesh.spec) === '' || roots === undefined) {
      this.insight = null;
      this.builtFor = '';
      return OFF;
    }
    if (this.csrPem === '') return undefined;
    if (roots instanceof Error) {
      // The proxy keeps its certificate and asks again; a fixed CA (its Secrets change) re-pushes.
      this.builtFor = '';
      return this.failed('ERR_IDENTITY_CA', `cannot issue an identity for Dataplane ${JSON.stringify(dataplane.meta.name)}: ${messageOf(roots)}`, 'roots');
    }
    const wanted = hash(`${this.csrPem}\n${JSON.stringify(objAt(mesh.spec, 'mtls') ?? {})}\n${roots.hash}`);
    if (wanted === this.builtFor && this.last !== undefined) return this.last;
    this.builtFor = wanted;
    try {
      const issued = await this.issuer.issue({ mesh, dataplane, csr: this.csrPem });
      this.lastFailed = false;
      this.insight = {
        certificateExpirationTime: formatKumaTime(issued.expiresAt),
        // The control plane's clock at issuance (ms), as Kuma: certificate times have whole seconds only.
        lastCertificateRegeneration: formatKumaTime(new Date()),
        issuedBackend: issued.issuedBackend,
        supportedBackends: issued.supportedBackends,
      };
      this.last = { config: identityConfigOf(issued), version: hash(`${issued.serial}\n${roots.hash}`) };
    } catch (err) {
      return this.failed(err instanceof IdentityError ? err.code : 'ERR_IDENTITY_CA', messageOf(err), wanted);
    }
    return this.last;
  }

  private failed(code: string, message: string, salt: string): IdentityBuild {
    this.lastFailed = true;
    const grpc = code === 'ERR_IDENTITY_CA' ? Code.Unavailable : code === 'ERR_IDENTITY_MTLS_DISABLED' ? Code.FailedPrecondition : Code.InvalidArgument;
    this.last = {
      config: create(IdentityConfigSchema, { mtlsEnabled: true, error: { code: grpc, message }, errorCode: code }),
      version: `error-${hash(`${salt}\n${this.csrPem}\n${code}\n${message}`)}`,
    };
    return this.last;
  }
}

function identityConfigOf(issued: IssuedIdentity): IdentityConfig {
  return create(IdentityConfigSchema, {
    mtlsEnabled: true,
    certPem: issued.certPem,
    chainPem: concatPem(issued.chainPem),
    rootsPem: concatPem(issued.rootsPem),
    rootsByBackend: Object.fromEntries(issued.rootsByBackend.map((r) => [r.backend, concatPem(r.rootsPem)])),
    issuedAt: issued.issuedAt.toISOString(),
    expiresAt: issued.expiresAt.toISOString(),
    renewAt: renewalTime(issued.issuedAt, issued.expiresAt).toISOString(),
    issuedBackend: issued.issuedBackend,
    supportedBackends: issued.supportedBackends,
  });
}
