/**
 * Identity issuance from a proxy's CSR. Better than Kuma, whose control plane generates every
 * proxy's RSA key and ships it over the wire: kuma-dp keeps its ECDSA key and sends a PKCS#10
 * request; the control plane checks the request asks for exactly the Dataplane's identity
 * (csr-policy.ts), then signs a certificate built from the stored Dataplane, like Kuma's
 * NewWorkloadCert: empty subject, URI SANs in Kuma's order, serverAuth+clientAuth, CA=false, Kuma's
 * key usages, random 128-bit serial, notBefore = now − 10 s, notAfter = now + `dpCert.rotation.expiration`
 * (24 h), signed by the enabled backend. The answer carries every backend's roots, so proxies trust
 * old and new CA alike while a rotation is under way.
 */
import { messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { dpCertValidityMs, enabledBackendName, findCaBackend, MESH_CA_CLOCK_SKEW_MS, type MeshCaSigner, type MeshLike } from '../../managers/mesh-ca/index.js';
import { issueLeafCertificate, parseCsr, readCertificateInfo } from '../../pki/index.js';
import { checkCsr } from './csr-policy.js';
import { dataplaneIdentity, type DataplaneIdentity, type DataplaneLike } from '../../core/identity/entitlement.js';
import { IdentityError } from './errors.js';

/** What the issuer needs from the CA managers (MeshCaManagers fits). */
export interface IdentityCaSource {
  getSigner(mesh: MeshLike, backend: string): Promise<MeshCaSigner>;
  getAllRootCerts(mesh: MeshLike): Promise<{ backend: string; rootsPem: string[] }[]>;
}

export interface IdentityIssuerOptions {
  ca: IdentityCaSource;
  now?: () => Date;
  logger?: Logger;
}

export interface IdentityRequest {
  /** The Dataplane's Mesh as stored (its `mtls` decides backend and lifetime). */
  mesh: MeshLike;
  /** The Dataplane as stored: the identity comes from here, never from the request. */
  dataplane: DataplaneLike;
  /** The proxy's PKCS#10 request, PEM or DER. */
  csr: string | Uint8Array;
}

export interface IssuedIdentity {
  /** The identity certificate, PEM. */
  certPem: string;
  /** Leaf first, then the provided CA's intermediates (what a TLS peer is sent). */
  chainPem: string[];
  /** Roots of every backend of the mesh, enabled backend first, one PEM per certificate: the proxy's trust bundle. */
  rootsPem: string[];
  /** The same roots grouped by backend (one bundle per backend, as the proxy's IdentityMaterial.trustedRootsPem). */
  rootsByBackend: { backend: string; rootsPem: string[] }[];
  /** The certificate's notBefore + 10 s, i.e. when it was generated. */
  issuedAt: Date;
  expiresAt: Date;
  /** Backend that signed it (DataplaneInsight mTLS.issuedBackend). */
  issuedBackend: string;
  /** Backends whose roots are in `rootsPem` (DataplaneInsight mTLS.supportedBackends). */
  supportedBackends: string[];
  /** The URI SANs of the certificate, in order. */
  uriSans: string[];
  /** Serial number, lower-case hex. */
  serial: string;
}

/** When a certificate of this lifetime should be renewed: after 80 % of it, as Kuma's secrets tracker. */
export function renewalTime(issuedAt: Date, expiresAt: Date): Date {
  return new Date(issuedAt.getTime() + 0.8 * (expiresAt.getTime() - issuedAt.getTime()));
}

export class IdentityIssuer {
  private readonly now: () => Date;
  private readonly log: Logger;

  constructor(private readonly opts: IdentityIssuerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.log = (opts.logger ?? silentLogger).child({ component: 'identity-issuer' });
  }

  /** Checks the request against the Dataplane's identity and signs it; IdentityError for every refusal. */
  async issue(req: IdentityRequest): Promise<IssuedIdentity> {
    const { mesh, dataplane } = req;
    const meshName = mesh.meta.name;
    const who = `the certificate request of Dataplane ${JSON.stringify(dataplane.meta.name)} in mesh ${JSON.stringify(meshName)}`;
    const backendName = enabledBackendName(mesh.spec);
    const backend = backendName === '' ? undefined : findCaBackend(mesh.spec, backendName);
    if (!backend) {
      throw new IdentityError('ERR_IDENTITY_MTLS_DISABLED', `mesh ${JSON.stringify(meshName)} has mTLS disabled, so Dataplane ${JSON.stringify(dataplane.meta.name)} gets no identity certificate: enable mtls.enabledBackend on the Mesh`);
    }
    let identity: DataplaneIdentity;
    try {
      identity = dataplaneIdentity({ ...dataplane, meta: { ...dataplane.meta, mesh: meshName } });
    } catch (err) {
      throw new IdentityError('ERR_IDENTITY_NO_IDENTITY', messageOf(err), { cause: err });
    }
    let csr;
    try {
      csr = parseCsr(req.csr);
    } catch (err) {
      throw new IdentityError('ERR_IDENTITY_CSR_MALFORMED', `${who} cannot be read: ${messageOf(err)}`, { cause: err });
    }
    checkCsr(csr, identity, who);

    let signer: MeshCaSigner;
    let roots: { backend: string; rootsPem: string[] }[];
    try {
      [signer, roots] = await Promise.all([this.opts.ca.getSigner(mesh, backendName), this.opts.ca.getAllRootCerts(mesh)]);
    } catch (err) {
      throw new IdentityError('ERR_IDENTITY_CA', `cannot issue an identity for Dataplane ${JSON.stringify(dataplane.meta.name)}: ${messageOf(err)}`, { cause: err });
    }
    const now = this.now().getTime();
    const leaf = issueLeafCertificate({
      ca: signer,
      publicKey: csr.publicKey,
      uriSans: identity.uris,
      ekus: ['serverAuth', 'clientAuth'],
      notBefore: new Date(now - MESH_CA_CLOCK_SKEW_MS),
      // Never past the CA: a leaf outliving its issuer fails verification before its renewal is due.
      notAfter: new Date(Math.min(now + dpCertValidityMs(backend), readCertificateInfo(signer.certificate).notAfter.getTime())),
    });
    const info = readCertificateInfo(leaf.certDer);
    this.log.debug({ mesh: meshName, dataplane: dataplane.meta.name, backend: backendName, notAfter: info.notAfter.toISOString() }, 'identity certificate issued');
    return {
      certPem: leaf.certPem,
      chainPem: [leaf.certPem, ...signer.intermediatesPem],
      rootsPem: roots.flatMap((r) => r.rootsPem),
      rootsByBackend: roots,
      issuedAt: new Date(info.notBefore.getTime() + MESH_CA_CLOCK_SKEW_MS),
      expiresAt: info.notAfter,
      issuedBackend: backendName,
      supportedBackends: roots.map((r) => r.backend),
      uriSans: identity.uris,
      serial: info.serial.toString(16),
    };
  }
}
