/**
 * CA-signed leaf certificates: dataplane identity certificates (URI SANs, serverAuth+clientAuth,
 * CA=false, empty subject) and any other end-entity certificate. This is the issuance hot path, so
 * everything that depends only on the CA (issuer name, signer, AuthorityKeyIdentifier, the checks
 * that the CA can sign) is computed once per CA certificate and key and cached.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { encodeCertificate, randomSerial } from './certificate-encoder.js';
import { readCertificateInfo } from './certificate-info.js';
import { bigintToBytes } from './der.js';
import { PkiError } from './errors.js';
import {
  authorityKeyIdExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
} from './extensions.js';
import { checkDnsName, checkUri, ipsToBytes } from './hosts.js';
import { issued, type IssuedCertificate } from './issued.js';
import { spkiOf } from './spki.js';
import { EMPTY_NAME, encodeName, type SubjectName } from './names.js';
import type { ExtKeyUsage, KeyUsage } from './oids.js';
import { signerFor, type Signer } from './signature.js';
import { checkCanIssue, checkKeyMatchesCertificate } from './verify.js';

export interface CertificateAuthority {
  certificate: X509Certificate;
  privateKey: KeyObject;
}

export interface LeafOptions {
  ca: CertificateAuthority;
  /** The subject's public key (a private key is accepted; its public half is used). */
  publicKey: KeyObject;
  dnsSans?: readonly string[];
  ipSans?: readonly string[];
  uriSans?: readonly string[];
  ekus: readonly ExtKeyUsage[];
  /** Default: Kuma's workload usages digitalSignature, keyEncipherment, keyAgreement. */
  keyUsage?: readonly KeyUsage[];
  notBefore: Date;
  notAfter: Date;
  /** Default: empty (Kuma workload certificates); SANs are then marked critical. */
  subject?: SubjectName;
  /** Default: random in [1, 2^128 − 1]. */
  serial?: bigint;
}

/** Kuma's workload certificate key usages (pkg/core/ca/issuer). */
export const WORKLOAD_KEY_USAGE: readonly KeyUsage[] = ['digitalSignature', 'keyEncipherment', 'keyAgreement'];

interface IssuerContext {
  issuerName: Buffer;
  signer: Signer;
  authorityKeyId: Buffer | undefined;
}

const contexts = new WeakMap<X509Certificate, WeakMap<KeyObject, IssuerContext>>();

function issuerContext(ca: CertificateAuthority): IssuerContext {
  let byKey = contexts.get(ca.certificate);
  const hit = byKey?.get(ca.privateKey);
  if (hit) return hit;
  checkCanIssue(ca.certificate);
  checkKeyMatchesCertificate(ca.certificate, ca.privateKey);
  const info = readCertificateInfo(ca.certificate, 'CA certificate');
  const ctx: IssuerContext = {
    issuerName: info.subjectName,
    signer: signerFor(ca.privateKey),
    // Like Go: the AKI is the CA's own SubjectKeyIdentifier, and absent when the CA has none.
    authorityKeyId: info.subjectKeyId ? authorityKeyIdExtension(info.subjectKeyId) : undefined,
  };
  if (!byKey) {
    byKey = new WeakMap();
    contexts.set(ca.certificate, byKey);
  }
  byKey.set(ca.privateKey, ctx);
  return ctx;
}

// The few extension encodings that repeat across certificates are built once.
const BASIC_CONSTRAINTS_LEAF = basicConstraintsExtension(false);
const encodedOnce = new Map<string, Buffer>();
function memo(key: string, build: () => Buffer): Buffer {
  let v = encodedOnce.get(key);
  if (!v) {
    v = build();
    if (encodedOnce.size < 64) encodedOnce.set(key, v);
  }
  return v;
}

export function issueLeafCertificate(opts: LeafOptions): IssuedCertificate {
  const ctx = issuerContext(opts.ca);
  const dnsNames = opts.dnsSans ?? [];
  for (const d of dnsNames) checkDnsName(d, 'DNS SAN');
  const uris = opts.uriSans ?? [];
  for (const u of uris) checkUri(u);
  const ipAddresses = ipsToBytes(opts.ipSans ?? []);
  const subjectName = opts.subject === undefined ? EMPTY_NAME : encodeName(opts.subject);
  const subjectIsEmpty = subjectName.length === 2;
  const san = subjectAltNameExtension({ dnsNames, ipAddresses, uris }, subjectIsEmpty);
  if (subjectIsEmpty && !san) {
    throw new PkiError('ERR_PKI_INVALID_ARGUMENT', 'a certificate with an empty subject needs at least one SAN: give dnsSans, ipSans or uriSans');
  }
  const keyUsage = opts.keyUsage ?? WORKLOAD_KEY_USAGE;
  const extensions: Buffer[] = [memo(`ku:${keyUsage.join(',')}`, () => keyUsageExtension(keyUsage))];
  if (opts.ekus.length > 0) extensions.push(memo(`eku:${opts.ekus.join(',')}`, () => extKeyUsageExtension(opts.ekus)));
  extensions.push(BASIC_CONSTRAINTS_LEAF);
  if (ctx.authorityKeyId) extensions.push(ctx.authorityKeyId);
  if (san) extensions.push(san);
  const der = encodeCertificate(
    {
      serial: opts.serial === undefined ? randomSerial() : bigintToBytes(opts.serial),
      issuerName: ctx.issuerName,
      subjectName,
      notBefore: opts.notBefore,
      notAfter: opts.notAfter,
      spki: spkiOf(opts.publicKey),
      extensions,
    },
    ctx.signer,
  );
  return issued(der);
}
