/**
 * The typed view of a values tree that the manifests are built from: names, labels, images and
 * which Secret backs which TLS role (the chart's `$kdsGlobalServerTLSSecretName` logic and friends).
 */
import { checkCaBundle } from './ca-bundle.js';
import { chartName } from './args.js';
import { boolAt, stringAt, stringMapAt, type Values } from './values.js';

export interface TlsSettings {
  /** `controlPlane.tls.general.secretName`; '' means the chart generates `<name>-tls-cert`. */
  generalSecret: string;
  /** The Secret mounted as `general-tls-cert` (given or generated). */
  generalSecretInUse: string;
  /** `controlPlane.tls.general.caSecretName`: when set, ca.crt comes from this Secret. */
  generalCaSecret: string;
  /** base64 PEM for the webhooks, without whitespace; '' when generated. */
  caBundle: string;
  apiServerSecret: string;
  apiServerClientCertsSecret: string;
  /** The KDS server Secret, '' unless mode is global and one is named or created. */
  kdsGlobalServerSecret: string;
  kdsGlobalServerCreate: { cert: string; key: string } | undefined;
  /** The KDS client root CA Secret, '' unless mode is zone and one is named or created. */
  kdsZoneClientSecret: string;
  kdsZoneClientCreate: { cert: string } | undefined;
  kdsZoneClientSkipVerify: boolean;
}

export interface InstallSettings {
  namespace: string;
  /** kuma.name: "kuma" unless nameOverride. */
  name: string;
  /** `<name>-control-plane`: Deployment, ServiceAccount, RBAC and the `app` label. */
  cpName: string;
  mode: string;
  zone: string;
  kdsGlobalAddress: string;
  serviceName: string;
  labels: Record<string, string>;
  selectorLabels: Record<string, string>;
  images: { controlPlane: string; dataPlane: string; init: string };
  tls: TlsSettings;
}

export function readSettings(values: Values, namespace: string, appVersion: string): InstallSettings {
  const name = chartName(values);
  const cpName = `${name}-control-plane`;
  const mode = stringAt(values, 'controlPlane.mode');
  const selectorLabels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
  const labels: Record<string, string> = { app: cpName };
  for (const [k, v] of stringMapAt(values, 'controlPlane.extraLabels')) labels[k] = v;
  Object.assign(labels, selectorLabels);
  const serviceName = stringAt(values, 'controlPlane.service.name') || cpName;
  return {
    namespace,
    name,
    cpName,
    mode,
    zone: stringAt(values, 'controlPlane.zone'),
    kdsGlobalAddress: stringAt(values, 'controlPlane.kdsGlobalAddress'),
    serviceName,
    labels,
    selectorLabels,
    images: {
      controlPlane: image(values, 'controlPlane.image', appVersion),
      dataPlane: image(values, 'dataPlane.image', appVersion),
      init: image(values, 'dataPlane.initImage', appVersion),
    },
    tls: readTls(values, name, mode),
  };
}

/** kuma.formatImage: `<registry>/<repository>:<tag>`, each falling back to global.image.* and the app version. */
function image(values: Values, path: string, appVersion: string): string {
  const registry = stringAt(values, `${path}.registry`) || stringAt(values, 'global.image.registry');
  const tag = stringAt(values, `${path}.tag`) || stringAt(values, 'global.image.tag') || appVersion;
  return `${registry}/${stringAt(values, `${path}.repository`)}:${tag}`;
}

function readTls(values: Values, name: string, mode: string): TlsSettings {
  const t = 'controlPlane.tls';
  const generalSecret = stringAt(values, `${t}.general.secretName`);
  const bundle = stringAt(values, `${t}.general.caBundle`);
  const checked = bundle === '' ? undefined : checkCaBundle(bundle);

  let kdsGlobalServerSecret = '';
  let kdsGlobalServerCreate: TlsSettings['kdsGlobalServerCreate'];
  if (mode === 'global') {
    kdsGlobalServerSecret = stringAt(values, `${t}.kdsGlobalServer.secretName`);
    if (boolAt(values, `${t}.kdsGlobalServer.create`)) {
      kdsGlobalServerSecret ||= `${name}-kds-global-server-tls`;
      kdsGlobalServerCreate = { cert: stringAt(values, `${t}.kdsGlobalServer.cert`), key: stringAt(values, `${t}.kdsGlobalServer.key`) };
    }
  }
  let kdsZoneClientSecret = '';
  let kdsZoneClientCreate: TlsSettings['kdsZoneClientCreate'];
  if (mode === 'zone') {
    kdsZoneClientSecret = stringAt(values, `${t}.kdsZoneClient.secretName`);
    if (boolAt(values, `${t}.kdsZoneClient.create`)) {
      kdsZoneClientSecret ||= `${name}-kds-zone-client-tls`;
      kdsZoneClientCreate = { cert: stringAt(values, `${t}.kdsZoneClient.cert`) };
    }
  }
  return {
    generalSecret,
    generalSecretInUse: generalSecret || `${name}-tls-cert`,
    generalCaSecret: stringAt(values, `${t}.general.caSecretName`),
    caBundle: checked && 'normalized' in checked ? checked.normalized : bundle,
    apiServerSecret: stringAt(values, `${t}.apiServer.secretName`),
    apiServerClientCertsSecret: stringAt(values, `${t}.apiServer.clientCertsSecretName`),
    kdsGlobalServerSecret,
    kdsGlobalServerCreate,
    kdsZoneClientSecret,
    kdsZoneClientCreate,
    kdsZoneClientSkipVerify: boolAt(values, `${t}.kdsZoneClient.skipVerify`),
  };
}
