import { KumaError } from '../../core/errors.js';

/** Stable codes of identity issuance; every refusal of a CSR has its own. */
export type IdentityErrorCode =
  /** The Mesh has mTLS off: there is no identity to issue. */
  | 'ERR_IDENTITY_MTLS_DISABLED'
  /** The Dataplane has no kuma.io/service tag and no kuma.io/workload label, or one that cannot be a SPIFFE ID. */
  | 'ERR_IDENTITY_NO_IDENTITY'
  /** The CSR is not a parseable PKCS#10 request. */
  | 'ERR_IDENTITY_CSR_MALFORMED'
  /** The CSR's self-signature does not verify with its own key. */
  | 'ERR_IDENTITY_CSR_BAD_SIGNATURE'
  /** The CSR's key is weak or of an unsupported kind. */
  | 'ERR_IDENTITY_CSR_WEAK_KEY'
  /** The CSR asks for a CA certificate. */
  | 'ERR_IDENTITY_CSR_CA'
  /** The CSR asks for a SPIFFE ID that is not the Dataplane's. */
  | 'ERR_IDENTITY_CSR_FOREIGN_ID'
  /** The CSR asks for a SAN the Dataplane is not entitled to (DNS, IP, e-mail, other kinds, foreign tags). */
  | 'ERR_IDENTITY_CSR_EXTRA_SAN'
  /** The CSR leaves out part of the Dataplane's identity. */
  | 'ERR_IDENTITY_CSR_MISSING_SAN'
  /** The CSR has a subject, an attribute or an extension identity certificates do not carry. */
  | 'ERR_IDENTITY_CSR_UNEXPECTED'
  /** The mesh CA could not be loaded or cannot sign. */
  | 'ERR_IDENTITY_CA';

/** A refusal to issue an identity certificate; the message says what is wrong with the request and what to do. */
export class IdentityError extends KumaError {
  declare readonly code: IdentityErrorCode;

  constructor(code: IdentityErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
