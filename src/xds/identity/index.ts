/** Identity certificates for Dataplanes, issued from the proxy's CSR by the mesh's enabled CA backend. */
export { IdentityError, type IdentityErrorCode } from './errors.js';
export { dataplaneIdentity, dataplaneTagSet, serviceSpiffeId, kumaTagUri, SERVICE_TAG, WORKLOAD_LABEL, type DataplaneIdentity, type DataplaneLike } from '../../core/identity/entitlement.js';
export { checkCsr, MIN_RSA_BITS, MAX_RSA_BITS } from './csr-policy.js';
export { IdentityIssuer, renewalTime, type IdentityCaSource, type IdentityIssuerOptions, type IdentityRequest, type IssuedIdentity } from './issuer.js';
