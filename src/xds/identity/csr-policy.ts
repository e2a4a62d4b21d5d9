/**
 * What a Dataplane's certificate request may ask for: exactly its identity's URI SANs (any order,
 * each once), nothing else — no DNS/IP/e-mail/other SANs, no subject, no CA, no extensions beyond
 * the ones an identity certificate has — with a strong key and a valid self-signature. The control
 * plane issues the certificate from the Dataplane's stored identity, never from the request; these
 * checks make a request for anything more fail loudly instead of silently getting less.
 */
import { formatName, type ParsedCsr } from '../../pki/index.js';
import type { DataplaneIdentity } from '../../core/identity/entitlement.js';
import { IdentityError } from './errors.js';

/** Curves accepted for identity keys (Node names): P-256 (what kuma-dp uses) and P-384. */
const ACCEPTED_CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384' };
export const MIN_RSA_BITS = 2048;
/** Larger RSA keys only cost verification time on every handshake; nobody needs them for a 24 h certificate. */
export const MAX_RSA_BITS = 8192;

const OID_NAMES: Readonly<Record<string, string>> = {
  '2.5.29.17': 'subjectAltName',
  '2.5.29.19': 'basicConstraints',
  '2.5.29.15': 'keyUsage',
  '2.5.29.37': 'extKeyUsage',
};
/** Extensions a request may carry; their values are ignored (the issued certificate has fixed ones), except CA=true. */
const ALLOWED_EXTENSIONS = new Set(Object.keys(OID_NAMES));

const KEY_ADVICE = 'use an ECDSA P-256 key (what kuma-dp generates), P-384, or RSA of 2048 to 8192 bits';

function checkKey(csr: ParsedCsr, who: string): void {
  if (csr.keyType === 'ec') {
    if (csr.curve !== undefined && ACCEPTED_CURVES[csr.curve] !== undefined) return;
    throw new IdentityError('ERR_IDENTITY_CSR_WEAK_KEY', `${who} has an EC key on curve ${csr.curve ?? 'unknown'}, which is not accepted: ${KEY_ADVICE}`);
  }
  if (csr.keyType === 'rsa') {
    const bits = csr.keyBits ?? 0;
    if (bits < MIN_RSA_BITS) throw new IdentityError('ERR_IDENTITY_CSR_WEAK_KEY', `${who} has a ${bits}-bit RSA key, which is too weak: ${KEY_ADVICE}`);
    if (bits > MAX_RSA_BITS) throw new IdentityError('ERR_IDENTITY_CSR_WEAK_KEY', `${who} has a ${bits}-bit RSA key, larger than accepted: ${KEY_ADVICE}`);
    return;
  }
  throw new IdentityError('ERR_IDENTITY_CSR_WEAK_KEY', `${who} has a key of type ${csr.keyType}, which is not accepted: ${KEY_ADVICE}`);
}

function checkSans(csr: ParsedCsr, identity: DataplaneIdentity, who: string): void {
  const entitled = new Set(identity.uris);
  const expected = identity.uris.join(', ');
  const other = [
    ...csr.dnsSans.map((d) => `DNS SAN ${JSON.stringify(d)}`),
    ...csr.ipSans.map((ip) => `IP SAN ${ip}`),
    ...csr.emailSans.map((e) => `e-mail SAN ${JSON.stringify(e)}`),
    ...csr.otherSans.map((o) => `a SAN of kind ${o}`),
  ];
  if (other.length > 0) {
    throw new IdentityError('ERR_IDENTITY_CSR_EXTRA_SAN', `${who} asks for ${other[0] as string}, but identity certificates carry only URI SANs: request exactly ${expected}`);
  }
  const seen = new Set<string>();
  for (const uri of csr.uriSans) {
    if (seen.has(uri)) throw new IdentityError('ERR_IDENTITY_CSR_EXTRA_SAN', `${who} asks for URI SAN ${JSON.stringify(uri)} more than once: request exactly ${expected}`);
    seen.add(uri);
    if (entitled.has(uri)) continue;
    if (uri.startsWith('spiffe://')) {
      const own = identity.uris.filter((u) => u.startsWith('spiffe://')).join(', ');
      throw new IdentityError('ERR_IDENTITY_CSR_FOREIGN_ID', `${who} asks for SPIFFE ID ${JSON.stringify(uri)}, which is not its identity: it may ask only for ${own}`);
    }
    const reason = uri.startsWith('kuma://') ? 'which is not one of its tags' : 'which is not part of its identity';
    throw new IdentityError('ERR_IDENTITY_CSR_EXTRA_SAN', `${who} asks for URI SAN ${JSON.stringify(uri)}, ${reason}: request exactly ${expected}`);
  }
  const missing = identity.uris.filter((u) => !seen.has(u));
  if (missing.length > 0) {
    throw new IdentityError('ERR_IDENTITY_CSR_MISSING_SAN', `${who} does not ask for ${missing.map((m) => JSON.stringify(m)).join(', ')}: request exactly ${expected} (the Dataplane's tags may have changed; rebuild the request from the latest config)`);
  }
}

function checkRest(csr: ParsedCsr, who: string): void {
  if (csr.subject.length > 0) {
    throw new IdentityError('ERR_IDENTITY_CSR_UNEXPECTED', `${who} has subject "${formatName(csr.subject)}", but identity certificates have an empty subject: leave the subject empty`);
  }
  const extension = csr.extensions.find((e) => !ALLOWED_EXTENSIONS.has(e.oid));
  if (extension) {
    throw new IdentityError('ERR_IDENTITY_CSR_UNEXPECTED', `${who} asks for extension ${extension.oid}, which identity certificates do not carry: request only subjectAltName`);
  }
  if (csr.otherAttributes.length > 0) {
    throw new IdentityError('ERR_IDENTITY_CSR_UNEXPECTED', `${who} carries attribute ${csr.otherAttributes[0] as string}; only the extensionRequest attribute is accepted: remove it`);
  }
}

/**
 * Throws IdentityError unless `csr` asks for exactly `identity` with a strong key and a valid
 * signature. `who` names the requester in messages, e.g. `the certificate request of Dataplane "web-1" in mesh "default"`.
 */
export function checkCsr(csr: ParsedCsr, identity: DataplaneIdentity, who: string): void {
  if (!csr.signatureValid) {
    throw new IdentityError('ERR_IDENTITY_CSR_BAD_SIGNATURE', `${who} has a signature that does not verify with its own public key: it was altered or built wrongly; create a new request signed with the key it carries`);
  }
  checkKey(csr, who);
  if (csr.isCaRequested) {
    throw new IdentityError('ERR_IDENTITY_CSR_CA', `${who} asks for a CA certificate (basicConstraints CA=true), but identity certificates cannot sign other certificates: remove the basicConstraints extension or set CA to false`);
  }
  checkSans(csr, identity, who);
  checkRest(csr, who);
}
