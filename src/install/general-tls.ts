/**
 * The general TLS certificate the chart generates when no `controlPlane.tls.general.secretName` is
 * given (Helm's `genCA "kuma-ca" 3650` + `genSignedCert <svc> nil (<svc>.<ns> <svc>.<ns>.svc) 3650`):
 * a CA and a server certificate for the control plane Service, both valid for 10 years. We use
 * ECDSA P-256 (Helm uses RSA-2048): smaller, faster to generate, accepted by the Kubernetes API
 * server, Kuma DP and Node. Keys are generated off the event loop.
 */
import { DEFAULT_CLOCK_SKEW_MS, TEN_YEARS_MS, createCaCertificate, generateKeyPair, issueLeafCertificate, privateKeyToPem } from '../pki/index.js';

export interface GeneralTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A certificate for `<service>.<namespace>` and `<service>.<namespace>.svc`, signed by a new "kuma-ca". */
export async function generateGeneralTls(serviceName: string, namespace: string, now: Date = new Date()): Promise<GeneralTls> {
  const [caKeys, leafKeys] = await Promise.all([generateKeyPair('ecdsa'), generateKeyPair('ecdsa')]);
  const ca = createCaCertificate({ subject: { commonName: 'kuma-ca' }, keyPair: caKeys, now, serial: 'random' });
  const leaf = issueLeafCertificate({
    ca: { certificate: ca.certificate, privateKey: caKeys.privateKey },
    publicKey: leafKeys.publicKey,
    subject: { commonName: serviceName },
    dnsSans: [`${serviceName}.${namespace}`, `${serviceName}.${namespace}.svc`],
    ekus: ['serverAuth', 'clientAuth'],
    keyUsage: ['digitalSignature'], // ECDSA keys sign; keyEncipherment is for RSA key transport
    notBefore: new Date(now.getTime() - DEFAULT_CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + TEN_YEARS_MS),
  });
  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: privateKeyToPem(leafKeys.privateKey) };
}
