/** Test support: mesh CAs and workload identity certificates minted by our own pki/. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCaCertificate, generateKeyPair, issueLeafCertificate, privateKeyToPem, type CertificateAuthority } from '../../../pki/index.js';
import type { IdentityMaterial } from '../identity.js';

const run = promisify(execFile);

export interface MeshCa {
  mesh: string;
  certPem: string;
  ca: CertificateAuthority;
}

/** A builtin-style mesh CA (O=Kuma, OU=Mesh, CN=<mesh>, URI spiffe://<mesh>); ECDSA to keep tests fast. */
export async function createMeshCa(mesh: string): Promise<MeshCa> {
  const keyPair = await generateKeyPair('ecdsa');
  const cert = createCaCertificate({
    subject: { organization: 'Kuma', organizationalUnit: 'Mesh', commonName: mesh },
    keyPair,
    uriSans: [`spiffe://${mesh}`],
    serial: 'random',
  });
  return { mesh, certPem: cert.certPem, ca: { certificate: cert.certificate, privateKey: keyPair.privateKey } };
}

export interface WorkloadOptions {
  /** Tags of the workload; `kuma.io/service` values become the SPIFFE ids. */
  tags: Readonly<Record<string, readonly string[]>>;
  /** Mesh named in the SANs; default the CA's mesh. */
  mesh?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/** The URI SANs Kuma puts in an identity certificate (spec §4.6). */
export function workloadUris(mesh: string, tags: Readonly<Record<string, readonly string[]>>): string[] {
  const services = [...(tags['kuma.io/service'] ?? [])].sort();
  const uris = services.map((s) => `spiffe://${mesh}/${s}`);
  for (const k of Object.keys(tags).sort()) for (const v of [...(tags[k] ?? [])].sort()) uris.push(`kuma://${k}/${v}`);
  return uris;
}

export async function issueWorkload(ca: MeshCa, o: WorkloadOptions): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair('ecdsa');
  const now = Date.now();
  const leaf = issueLeafCertificate({
    ca: ca.ca,
    publicKey: keys.publicKey,
    uriSans: workloadUris(o.mesh ?? ca.mesh, o.tags),
    ekus: ['serverAuth', 'clientAuth'],
    notBefore: o.notBefore ?? new Date(now - 10_000),
    notAfter: o.notAfter ?? new Date(now + 24 * 3600_000),
  });
  return { certPem: leaf.certPem, keyPem: privateKeyToPem(keys.privateKey) };
}

/** Identity material for a workload of `service` trusting `roots` (default: its own CA). */
export async function workloadIdentity(ca: MeshCa, service: string, extra: { roots?: readonly MeshCa[]; tags?: Record<string, readonly string[]> } = {}): Promise<IdentityMaterial> {
  const w = await issueWorkload(ca, { tags: { 'kuma.io/service': [service], ...extra.tags } });
  return { mesh: ca.mesh, certChainPem: w.certPem, privateKey: w.keyPem, trustedRootsPem: (extra.roots ?? [ca]).map((r) => r.certPem) };
}

/**
 * A self-signed workload certificate carrying a mesh SPIFFE id (what an attacker could make), made by
 * the openssl binary so it is a proper client certificate apart from its issuer.
 */
export async function selfSignedWorkload(mesh: string, service: string): Promise<{ certPem: string; keyPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${service}`,
      '-addext', `subjectAltName=URI:spiffe://${mesh}/${service}`,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
      '-addext', 'extendedKeyUsage=serverAuth,clientAuth',
    ]);
    return { certPem: await readFile(cert, 'utf8'), keyPem: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
