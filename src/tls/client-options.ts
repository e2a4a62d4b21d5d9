/**
 * TLS options for kuma-ts clients of a control plane (kumactl → API server, kuma-dp → DP server,
 * zone → global KDS). Kuma's rules (pkg/util/http/tls.go): TLS 1.2 at least; skipVerify wins over a
 * CA; the CA comes from PEM text or a file, else the default roots; a client certificate only when
 * both cert and key are given. We add: clear errors when only one of cert/key is given, and when a
 * "PEM" value is really a file path (Kuma issue #1462: KUMA_CONTROL_PLANE_CA_CERT set to a path).
 */
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import { NODE_TLS_VERSION, tlsVersionError, type TlsVersionName } from '../core/tls-names.js';
import { CaBundleProblem, parseCaBundle, readCaBundleFile, type CaBundle } from './ca-bundle.js';
import { TlsError } from './errors.js';
import { KeyPairProblem, loadKeyPair } from './key-pair.js';

export interface ClientTlsSettings {
  /** Path of a PEM file with the CA(s) that issued the server's certificate. */
  caFile?: string | undefined;
  /** The same as PEM text; wins over caFile (as KUMA_CONTROL_PLANE_CA_CERT wins in kuma-dp). */
  caPem?: string | undefined;
  /** Where caPem came from (flag or env var name), to name it in errors. */
  caPemSource?: string | undefined;
  /** Accept any server certificate. Wins over the CA settings, as in Kuma. For tests only. */
  skipVerify?: boolean | undefined;
  clientCertFile?: string | undefined;
  clientKeyFile?: string | undefined;
  /** SNI and the name the certificate must match, when it differs from the host connected to. */
  serverName?: string | undefined;
  /** `TLSv1_2` (default) or `TLSv1_3`. */
  minVersion?: string | undefined;
}

export interface ClientTlsOptions extends ConnectionOptions {
  minVersion: SecureVersion;
  rejectUnauthorized: boolean;
}

const looksLikePem = (s: string): boolean => s.includes('-----BEGIN');
const looksLikePath = (s: string): boolean => /^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:[\\/])\S*$/.test(s.trim()) || /^\S+\.(?:pem|crt|cer|ca)$/i.test(s.trim());

function caFromPem(pem: string, source: string): CaBundle {
  if (!looksLikePem(pem) && looksLikePath(pem)) {
    throw new TlsError(
      'ERR_TLS_CA_CERT',
      `could not add certificate: ${source} must hold the PEM text of the CA certificate, but it looks like a file path ("${pem.trim()}"); ` +
        'pass the path as the CA certificate *file* instead (kuma-dp --ca-cert-file / KUMA_CONTROL_PLANE_CA_CERT_FILE)',
    );
  }
  try {
    return parseCaBundle(pem, source, false);
  } catch (err) {
    if (err instanceof CaBundleProblem) throw new TlsError('ERR_TLS_CA_CERT', `could not add certificate: ${err.message}`);
    throw err;
  }
}

async function caFromFile(file: string): Promise<CaBundle> {
  try {
    return await readCaBundleFile(file);
  } catch (err) {
    if (err instanceof CaBundleProblem) {
      const prefix = err.stage === 'read' ? 'could not read CA cert' : 'could not add certificate';
      throw new TlsError('ERR_TLS_CA_CERT', `${prefix}: ${err.message}`);
    }
    throw err;
  }
}

function minVersionOf(v: string | undefined): SecureVersion {
  const name = v ?? '';
  const problem = tlsVersionError(name);
  if (problem !== undefined) throw new TlsError('ERR_TLS_UNSUPPORTED_VERSION', problem);
  return name === '' ? 'TLSv1.2' : NODE_TLS_VERSION[name as TlsVersionName];
}

/** Builds tls.connect / https.request options; throws a TlsError with Kuma's texts and what to fix. */
export async function buildClientTlsOptions(settings: ClientTlsSettings): Promise<ClientTlsOptions> {
  const out: ClientTlsOptions = { minVersion: minVersionOf(settings.minVersion), rejectUnauthorized: true };
  if (settings.serverName !== undefined && settings.serverName !== '') out.servername = settings.serverName;

  if (settings.skipVerify === true) {
    out.rejectUnauthorized = false;
  } else if (settings.caPem !== undefined && settings.caPem !== '') {
    out.ca = caFromPem(settings.caPem, settings.caPemSource ?? 'the CA certificate').pem;
  } else if (settings.caFile !== undefined && settings.caFile !== '') {
    out.ca = (await caFromFile(settings.caFile)).pem;
  }
  // else: Node's default root store (Mozilla's bundle), so publicly trusted CP certificates just work.

  const cert = settings.clientCertFile ?? '';
  const key = settings.clientKeyFile ?? '';
  if ((cert === '') !== (key === '')) {
    const [given, missing] = cert === '' ? ['client key', 'client certificate'] : ['client certificate', 'client key'];
    throw new TlsError(
      'ERR_TLS_CLIENT_KEY_PAIR',
      `a ${given} file was given without a ${missing} file: both the client certificate and the client key have to be specified`,
    );
  }
  if (cert !== '') {
    try {
      const pair = await loadKeyPair({ certFile: cert, keyFile: key });
      out.cert = pair.certPem;
      out.key = pair.keyPem;
    } catch (err) {
      if (err instanceof KeyPairProblem) {
        throw new TlsError('ERR_TLS_CLIENT_KEY_PAIR', `could not create key pair from client cert and client key: ${err.message}`);
      }
      throw err;
    }
  }
  return out;
}
