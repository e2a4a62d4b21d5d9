/**
 * What /bootstrap checks about certificates, with Kuma's texts (pkg/xds/bootstrap/generator.go):
 * the host a proxy used must be in the DP server certificate, and the CA handed to the proxy must be
 * able to be a CA. Also the start-up check of `bootstrapServer.params.xdsHost`.
 */
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { readCertificateInfo } from '../pki/index.js';

/** Go's %q of a []string: `["a" "b"]` (`[]` when empty). */
export function goQuoteList(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

/** `[::1]` -> `::1`, as Go's VerifyHostname does before comparing IP SANs. */
function unbracket(host: string): string {
  return host.length >= 3 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Go's x509 VerifyHostname: an IP is compared with the IP SANs; anything else with the DNS SANs
 * (case-insensitive, a trailing dot ignored, `*.` wildcards matching exactly one label). The subject
 * CN is never used (Go dropped that fallback in 1.15).
 */
export function certificateMatchesHost(cert: X509Certificate, host: string): boolean {
  const candidate = unbracket(host);
  if (isIP(candidate) !== 0) return cert.checkIP(candidate) !== undefined;
  const name = candidate.endsWith('.') ? candidate.slice(0, -1) : candidate;
  if (name === '') return false;
  return cert.checkHost(name, { subject: 'never', wildcards: true, partialWildcards: false, multiLabelWildcards: false, singleLabelSubdomains: false }) !== undefined;
}

/** IP SANs first, then DNS SANs: the list Kuma prints. */
export function certificateSans(cert: X509Certificate): string[] {
  const { ips, dns } = sansOf(cert);
  return [...ips, ...dns];
}

function sansOf(cert: X509Certificate): { ips: string[]; dns: string[] } {
  try {
    const { altNames } = readCertificateInfo(cert);
    return { ips: altNames.ipAddresses, dns: altNames.dnsNames };
  } catch {
    // A certificate our strict reader refuses but OpenSSL serves: fall back to Node's rendering.
    const entries = (cert.subjectAltName ?? '').split(', ');
    const pick = (prefix: string): string[] => entries.filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length));
    return { ips: pick('IP Address:'), dns: pick('DNS:') };
  }
}

/** Kuma's SANMismatchErr text (400). */
export function sanMismatchText(host: string, cert: X509Certificate): string {
  return (
    `A data plane proxy is trying to connect to the control plane using ${JSON.stringify(host)} address, but the certificate in the control plane has the following SANs ${goQuoteList(certificateSans(cert))}. ` +
    'Either change the --cp-address in kuma-dp to one of those or execute the following steps:\n' +
    `1) Generate a new certificate with the address you are trying to use. It is recommended to use trusted Certificate Authority, but you can also generate self-signed certificates using 'kumactl generate tls-certificate --type=server --hostname=${host}'\n` +
    '2) Set KUMA_GENERAL_TLS_CERT_FILE and KUMA_GENERAL_TLS_KEY_FILE or the equivalent in Kuma CP config file to the new certificate.\n' +
    '3) Start kuma-dp, the control plane picks up the new certificate on its own.'
  );
}

/** Kuma's NotCA text (400). */
export const NOT_CA_TEXT =
  "A data plane proxy is trying to verify the control plane using the certificate which is not a certificate authority (basic constraint 'CA' is set to 'false').\n" +
  "Provide CA that was used to sign a certificate used in the control plane by using 'kuma-dp run --ca-cert-file=file' or via KUMA_CONTROL_PLANE_CA_CERT_FILE";

/** Kuma's DpTokenRequired text (422). */
export const TOKEN_REQUIRED_TEXT =
  "Dataplane Token is required. Generate token using 'kumactl generate dataplane-token > /path/file' and provide it via --dataplane-token-file=/path/file argument to Kuma DP";

/**
 * Certificates with basic constraints that say CA=false cannot anchor a chain; those without the
 * extension are accepted (a CA may legitimately omit it), as in Kuma.
 */
export function isExplicitlyNotCa(cert: X509Certificate): boolean {
  try {
    const bc = readCertificateInfo(cert).basicConstraints;
    return bc !== undefined && !bc.isCa;
  } catch {
    return !cert.ca;
  }
}

/** The start-up error when `xdsHost` is not in the certificate (Kuma lists the DNS SANs only). */
export function xdsHostMismatchText(xdsHost: string, cert: X509Certificate): string {
  const { dns } = sansOf(cert);
  return `hostname: ${xdsHost} set by KUMA_BOOTSTRAP_SERVER_PARAMS_XDS_HOST is not available in the DP Server certificate. Available hostnames: ${goQuoteList(dns)}. Change the hostname or generate certificate with proper hostname.`;
}
