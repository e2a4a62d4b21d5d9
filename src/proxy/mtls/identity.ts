/**
 * The proxy's mesh identity: its certificate chain and key, and the mesh roots it trusts (one
 * bundle per CA backend, two while a CA rotation is under way). `update()` swaps in new material
 * for NEW connections only: listeners re-read the server options and every dial takes the current
 * client context, while open connections keep the session they negotiated.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions, type SecureVersion } from 'node:tls';
import { messageOf } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { readCertificateInfo } from '../../pki/certificate-info.js';
import { parseCertificatesPem, parsePrivateKeyPem, privateKeyToPem } from '../../pki/pem.js';
import { checkCanIssue, checkKeyMatchesCertificate, verifyChain } from '../../pki/verify.js';
import { ProxyMtlsError } from './errors.js';
import { identityFromUris, type PeerIdentity } from './peer-identity.js';

export interface IdentityMaterial {
  /** The mesh this proxy belongs to: inbound clients must carry `spiffe://<mesh>/...`. */
  mesh: string;
  /** The identity certificate first, then any intermediates (PEM). */
  certChainPem: string;
  /** The private key (PEM or KeyObject); kuma-dp generates it and it never leaves the proxy. */
  privateKey: string | KeyObject;
  /** Trusted mesh roots: one PEM bundle per CA backend (two while a CA rotation is under way). */
  trustedRootsPem: readonly string[];
  /** From MeshTLS: TLS versions and ciphers. The floor is TLS 1.2 whatever is given. */
  tls?: { minVersion?: 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string };
}

export interface IdentitySummary extends PeerIdentity {
  mesh: string;
  notBefore: Date;
  notAfter: Date;
  /** Number of trusted root certificates (all bundles). */
  trustedRoots: number;
  /** Increases with every applied update. */
  generation: number;
}

interface Applied {
  mesh: string;
  options: SecureContextOptions;
  client: SecureContext;
  summary: IdentitySummary;
}

const fail = (what: string, err?: unknown): ProxyMtlsError =>
  new ProxyMtlsError('ERR_PROXY_IDENTITY', `cannot use the mesh identity: ${what}${err === undefined ? '' : `: ${messageOf(err)}`}`, { cause: err });

function keyPemOf(key: string | KeyObject): { pem: string; object: KeyObject } {
  const object = typeof key === 'string' ? parsePrivateKeyPem(key, 'the identity private key') : key;
  if (object.type !== 'private') throw fail('the identity key is not a private key');
  return { pem: typeof key === 'string' ? key : privateKeyToPem(object), object };
}

function build(m: IdentityMaterial, generation: number, logger: Logger): Applied {
  if (typeof m.mesh !== 'string' || m.mesh === '') throw fail('no mesh name given');
  let chain: X509Certificate[];
  try {
    chain = parseCertificatesPem(m.certChainPem, 'the identity certificate chain');
  } catch (err) {
    throw fail('the identity certificate chain is not valid PEM', err);
  }
  const leaf = chain[0] as X509Certificate;
  let key: { pem: string; object: KeyObject };
  try {
    key = keyPemOf(m.privateKey);
    checkKeyMatchesCertificate(leaf, key.object, 'the identity');
  } catch (err) {
    throw err instanceof ProxyMtlsError ? err : fail('the private key does not belong to the identity certificate', err);
  }
  if (m.trustedRootsPem.length === 0) throw fail('no trusted mesh CA roots were given, so no peer could be verified; pass the mesh CA certificate(s)');
  const roots: X509Certificate[] = [];
  m.trustedRootsPem.forEach((pem, i) => {
    try {
      const certs = parseCertificatesPem(pem, `trusted root bundle ${i + 1}`);
      certs.forEach((c) => checkCanIssue(c, `trusted root bundle ${i + 1}`));
      roots.push(...certs);
    } catch (err) {
      throw fail(`trusted root bundle ${i + 1} is not usable`, err);
    }
  });
  const info = readCertificateInfo(leaf, 'the identity certificate');
  try {
    verifyChain(leaf, chain.slice(1), roots);
  } catch (err) {
    // Not fatal: the peers decide. But an identity our own roots reject usually means a half-applied rotation.
    logger.warn({ mesh: m.mesh, problem: messageOf(err) }, 'the identity certificate does not verify against the trusted mesh roots; peers will likely refuse it');
  }
  const minVersion: SecureVersion = m.tls?.minVersion ?? 'TLSv1.2';
  const options: SecureContextOptions = {
    cert: m.certChainPem,
    key: key.pem,
    ca: roots.map((r) => r.toString()),
    minVersion,
    ...(m.tls?.maxVersion ? { maxVersion: m.tls.maxVersion } : {}),
    ...(m.tls?.ciphers ? { ciphers: m.tls.ciphers } : {}),
  };
  let client: SecureContext;
  try {
    client = createSecureContext(options);
  } catch (err) {
    throw fail('OpenSSL refused the certificate, key or TLS settings', err);
  }
  const summary: IdentitySummary = {
    mesh: m.mesh,
    ...identityFromUris(info.altNames.uris),
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    trustedRoots: roots.length,
    generation,
  };
  return { mesh: m.mesh, options, client, summary };
}

export class ProxyIdentity {
  private current: Applied;
  private readonly listeners = new Set<(summary: IdentitySummary) => void>();
  private readonly logger: Logger;

  /** Throws ProxyMtlsError (ERR_PROXY_IDENTITY) when the material is unusable. */
  constructor(material: IdentityMaterial, opts: { logger?: Logger } = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.current = build(material, 1, this.logger);
  }

  /**
   * Applies new material to new connections. On error (ProxyMtlsError) the previous identity stays
   * in force, so a bad push from the control plane never leaves the proxy without an identity.
   */
  update(material: IdentityMaterial): IdentitySummary {
    this.current = build(material, this.current.summary.generation + 1, this.logger);
    const s = this.current.summary;
    this.logger.info({ mesh: s.mesh, spiffeIds: s.spiffeIds, notAfter: s.notAfter.toISOString(), trustedRoots: s.trustedRoots, generation: s.generation }, 'mesh identity updated; new connections use it');
    for (const l of this.listeners) {
      try {
        l(s);
      } catch (err) {
        this.logger.error({ error: messageOf(err) }, 'a listener failed to apply the new mesh identity');
      }
    }
    return s;
  }

  get mesh(): string {
    return this.current.mesh;
  }

  summary(): IdentitySummary {
    return this.current.summary;
  }

  /** Options for `tls.Server#setSecureContext` (certificate, key, roots, versions). */
  serverOptions(): SecureContextOptions {
    return this.current.options;
  }

  /** The context every outbound dial uses; replaced (not mutated) by update(). */
  clientContext(): SecureContext {
    return this.current.client;
  }

  /** Calls `listener` after every applied update; returns the unsubscribe function. */
  onUpdate(listener: (summary: IdentitySummary) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

