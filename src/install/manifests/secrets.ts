/**
 * Secrets the chart creates: the generated general TLS Secret (only without
 * `controlPlane.tls.general.secretName`) and the KDS Secrets made from values with `create: true`.
 * Secrets named by the user are expected to exist; they are mounted, never rendered.
 */
import type { GeneralTls } from '../general-tls.js';
import type { InstallSettings } from '../settings.js';
import { namespaced, type Manifest } from './common.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** `<name>-tls-cert` of type kubernetes.io/tls with tls.crt, tls.key and ca.crt (base64 in `data`). */
export function generalTlsSecret(s: InstallSettings, tls: GeneralTls): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: namespaced(s, s.tls.generalSecretInUse),
    data: { 'tls.crt': b64(tls.certPem), 'tls.key': b64(tls.keyPem), 'ca.crt': b64(tls.caPem) },
  };
}

/** KDS Secrets from values (`kdsGlobalServer.create` in mode global, `kdsZoneClient.create` in mode zone). */
export function kdsSecrets(s: InstallSettings): Manifest[] {
  const out: Manifest[] = [];
  const server = s.tls.kdsGlobalServerCreate;
  if (server) {
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: namespaced(s, s.tls.kdsGlobalServerSecret),
      stringData: { 'tls.crt': server.cert, 'tls.key': server.key },
    });
  }
  const client = s.tls.kdsZoneClientCreate;
  if (client) {
    out.push({ apiVersion: 'v1', kind: 'Secret', metadata: namespaced(s, s.tls.kdsZoneClientSecret), stringData: { 'ca.crt': client.cert } });
  }
  return out;
}
