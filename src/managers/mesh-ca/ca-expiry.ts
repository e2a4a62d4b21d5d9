/**
 * When each mesh CA expires. An expired root is the outage peers keep reporting (Linkerd's one-year
 * "doomsday", Istio's self-signed root): kuma-cp checks every backend of every Mesh and warns well
 * ahead, so the rotation (add a backend, switch, remove the old one) happens before anything breaks.
 */
import { X509Certificate } from 'node:crypto';
import { messageOf } from '../../core/errors.js';
import { MeshType, strAt, type Resource } from '../../core/resources/index.js';
import { readCertificateInfo } from '../../pki/index.js';
import { caBackendsOf, type MeshLike } from './backend-config.js';

export interface CaRootSource {
  getRootCerts(mesh: MeshLike, backend: string): Promise<string[]>;
}

export interface MeshLister {
  list(type: string): Promise<{ items: Resource[] }>;
}

export interface CaExpiry {
  mesh: string;
  backend: string;
  /** The earliest notAfter of the backend's certificates (its chain); undefined when it cannot be read. */
  notAfter: Date | undefined;
  /** Why the CA could not be read. */
  problem?: string;
}

/** Every CA backend of every Mesh with the moment its chain stops being valid. */
export async function meshCaExpiries(meshes: MeshLister, ca: CaRootSource): Promise<CaExpiry[]> {
  const out: CaExpiry[] = [];
  for (const mesh of (await meshes.list(MeshType.name)).items) {
    for (const backend of caBackendsOf(mesh.spec)) {
      const name = strAt(backend, 'name');
      try {
        const pems = await ca.getRootCerts(mesh, name);
        const ends = pems.map((pem) => readCertificateInfo(new X509Certificate(pem)).notAfter.getTime());
        out.push({ mesh: mesh.meta.name, backend: name, notAfter: ends.length > 0 ? new Date(Math.min(...ends)) : undefined });
      } catch (err) {
        out.push({ mesh: mesh.meta.name, backend: name, notAfter: undefined, problem: messageOf(err) });
      }
    }
  }
  return out;
}
