/**
 * Who is on the other end of a mesh mTLS connection, read from the URI SANs of its certificate:
 * `spiffe://<mesh>/<service>` names the services, `kuma://<tag>/<value>` carries every tag. Tag
 * names may contain '/' (`kuma.io/service`) but values may not, so the value is what follows the
 * last '/'.
 */
import type { X509Certificate } from 'node:crypto';
import { readCertificateInfo } from '../../pki/certificate-info.js';

export interface PeerIdentity {
  /** Every URI SAN, in certificate order (what Envoy's `uri_san` input joins with commas). */
  uriSans: readonly string[];
  /** The `spiffe://` URI SANs. */
  spiffeIds: readonly string[];
  /** Tag name -> values, from the `kuma://` URI SANs. */
  kumaTags: Readonly<Record<string, readonly string[]>>;
}

const KUMA_SCHEME = 'kuma://';

export function identityFromUris(uris: readonly string[]): PeerIdentity {
  const spiffeIds: string[] = [];
  const kumaTags: Record<string, string[]> = {};
  for (const uri of uris) {
    if (uri.startsWith('spiffe://')) spiffeIds.push(uri);
    else if (uri.startsWith(KUMA_SCHEME)) {
      const rest = uri.slice(KUMA_SCHEME.length);
      const slash = rest.lastIndexOf('/');
      if (slash <= 0) continue;
      const tag = rest.slice(0, slash);
      (kumaTags[tag] ??= []).push(rest.slice(slash + 1));
    }
  }
  return { uriSans: uris, spiffeIds, kumaTags };
}

/** The URI SANs of a certificate (DER or parsed); [] when it has none or cannot be read. */
export function uriSansOf(cert: X509Certificate | Uint8Array): string[] {
  try {
    return readCertificateInfo(cert, 'peer certificate').altNames.uris;
  } catch {
    return [];
  }
}

/** True when some URI SAN says the peer is a workload of `mesh` (Envoy's SAN matcher: prefix `spiffe://<mesh>/`). */
export function isWorkloadOfMesh(identity: PeerIdentity, mesh: string): boolean {
  const prefix = `spiffe://${mesh}/`;
  return identity.spiffeIds.some((id) => id.startsWith(prefix) && id.length > prefix.length);
}

/** A short description for log lines: the SPIFFE ids, else every URI SAN. */
export function describePeer(identity: PeerIdentity): string {
  const ids = identity.spiffeIds.length > 0 ? identity.spiffeIds : identity.uriSans;
  return ids.length > 0 ? ids.join(',') : '(no URI SAN)';
}
