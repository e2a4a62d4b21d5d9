/** The PKI library: keys, PEM, self-signed/CA/leaf certificates, CSRs, checks and key files. */
export { PkiError, type PkiErrorCode } from './errors.js';
export { generateKeyPair, generateKeyPairLike, parseKeyType, KEY_TYPES, DEFAULT_RSA_BITS, type KeyType, type KeyPair } from './keys.js';
export {
  pemEncode,
  pemDecodeAll,
  privateKeyToPem,
  publicKeyToPem,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  parseCertificatesPem,
  certificateToPem,
  type PemBlock,
} from './pem.js';
export { createSelfSignedCertificate, parseCertType, type CertType, type SelfSignedOptions, type SelfSignedCertificate } from './self-signed.js';
export { createCaCertificate, type CaOptions } from './ca.js';
export { issueLeafCertificate, WORKLOAD_KEY_USAGE, type LeafOptions, type CertificateAuthority } from './leaf.js';
export { spkiOf } from './spki.js';
export { type IssuedCertificate, TEN_YEARS_MS, DEFAULT_CLOCK_SKEW_MS } from './issued.js';
export { createCsr, parseCsr, type CsrOptions, type ParsedCsr } from './csr.js';
export { checkKeyMatchesCertificate, checkValidity, checkCanIssue, verifyChain } from './verify.js';
export { loadKeyPair, type LoadKeyPairOptions, type LoadedKeyPair } from './load.js';
export { writePrivateKeyFile, writeCertificateFile, ensurePrivateDir } from './files.js';
export { readCertificateInfo, describeCertificate, formatName, type CertificateInfo, type NameAttribute } from './certificate-info.js';
export { parseIp, formatIp, dnsNameProblem, checkDnsName, classifyHosts } from './hosts.js';
export type { SubjectName } from './names.js';
export type { KeyUsage, ExtKeyUsage } from './oids.js';
