/**
 * The chart's checks, with Kuma's texts (deployments/charts/kuma/templates/cp-deployment.yaml,
 * cp-webhooks-and-secrets.yaml, cp-kds-*-secret.yaml), plus ours where Kuma renders something
 * that cannot work: a CA bundle that is not base64 PEM, names Kubernetes would reject, and values
 * asking for parts kuma-ts does not render. The first problem is thrown; warnings are returned.
 */
import { checkCaBundle } from './ca-bundle.js';
import { InstallError } from './errors.js';
import { boolAt, listAt, stringAt, type Values } from './values.js';

const MODES = ['global', 'zone', 'standalone'];
const ZONE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const invalid = (message: string): InstallError => new InstallError('ERR_INSTALL_INVALID_VALUE', message);

/** Throws the first problem of `values` (installing into `namespace`); returns warnings to print. */
export function validateValues(values: Values, namespace: string): string[] {
  const warnings: string[] = [];
  checkNamespace(namespace);
  const mode = stringAt(values, 'controlPlane.mode');
  if (!MODES.includes(mode)) throw invalid(`controlPlane.mode invalid got:'${mode}' supported values: global,zone,standalone`);
  const zone = stringAt(values, 'controlPlane.zone');
  const address = stringAt(values, 'controlPlane.kdsGlobalAddress');
  if (mode === 'zone') {
    if (zone !== '') {
      if (zone.length > 253) throw invalid('controlPlane.zone must be no more than 253 characters');
      if (!ZONE_NAME.test(zone)) throw invalid("controlPlane.zone must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
    }
    if (address !== '') checkGlobalAddress(address);
  } else {
    if (zone !== '') throw invalid("Can't specify a controlPlane.zone when controlPlane.mode!='zone'");
    if (address !== '') throw invalid("Can't specify a controlPlane.kdsGlobalAddress when controlPlane.mode!='zone'");
  }

  const general = 'controlPlane.tls.general';
  const secretName = stringAt(values, `${general}.secretName`);
  const caBundle = stringAt(values, `${general}.caBundle`);
  if (boolAt(values, `${general}.certManager.enabled`) && (secretName !== '' || caBundle !== '')) {
    throw invalid('When controlPlane.tls.general.certManager.enabled is true, secretName and caBundle must be empty');
  }
  checkUnsupported(values);
  if ((caBundle === '') !== (secretName === '')) {
    throw invalid('You need to send both or neither of controlPlane.tls.general.caBundle and controlPlane.tls.general.secretName');
  }
  if (caBundle !== '') {
    const check = checkCaBundle(caBundle);
    if ('problem' in check) throw invalid(`controlPlane.tls.general.caBundle must be the base64 encoding of the PEM CA certificate(s) that signed the certificate in Secret "${secretName}": ${check.problem}`);
    const now = Date.now();
    for (const c of check.certificates) {
      if (Date.parse(c.validTo) < now) warnings.push(`the CA certificate "${c.subject.replace(/\n/g, ', ')}" in controlPlane.tls.general.caBundle expired on ${c.validTo}; data plane proxies and the Kubernetes API server will reject the control plane's certificate`);
    }
  }

  for (const path of [`${general}.secretName`, `${general}.caSecretName`, 'controlPlane.tls.apiServer.secretName', 'controlPlane.tls.apiServer.clientCertsSecretName', 'controlPlane.tls.kdsGlobalServer.secretName', 'controlPlane.tls.kdsZoneClient.secretName']) {
    checkSecretName(path, stringAt(values, path));
  }
  const serviceName = stringAt(values, 'controlPlane.service.name');
  if (serviceName !== '' && (serviceName.length > 63 || !DNS_1035_LABEL.test(serviceName))) {
    throw invalid(`controlPlane.service.name "${serviceName}" is not a valid Service name: use at most 63 lower case alphanumeric characters or '-', starting with a letter and ending with an alphanumeric character`);
  }

  checkKdsSecrets(values, mode, warnings);
  return warnings;
}

function checkNamespace(namespace: string): void {
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw invalid(`namespace "${namespace}" is not a valid Kubernetes namespace: use at most 63 lower case alphanumeric characters or '-', starting and ending with an alphanumeric character`);
  }
}

function checkGlobalAddress(address: string): void {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(address)?.[1] ?? '';
  if (scheme !== 'grpcs' && scheme !== 'grpc') throw invalid(`controlPlane.kdsGlobalAddress must be a url with scheme grpcs:// or grpc:// got:'${address}'`);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw invalid(`unable to parse url: controlPlane.kdsGlobalAddress '${address}' is not a URL; write it as grpcs://<global-kds-address>:5685`);
  }
  if (url.hostname === '') throw invalid(`controlPlane.kdsGlobalAddress '${address}' has no host; write it as grpcs://<global-kds-address>:5685`);
}

function checkSecretName(path: string, name: string): void {
  if (name === '') return;
  if (name.length > 253 || !ZONE_NAME.test(name)) {
    throw invalid(`${path} "${name}" is not a valid Secret name: use lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character (at most 253)`);
  }
}

/** Helm's `required` texts for secrets the chart creates from values; warnings for secrets the mode ignores. */
function checkKdsSecrets(values: Values, mode: string, warnings: string[]): void {
  const server = 'controlPlane.tls.kdsGlobalServer';
  const client = 'controlPlane.tls.kdsZoneClient';
  if (mode === 'global' && boolAt(values, `${server}.create`)) {
    if (stringAt(values, `${server}.cert`) === '') throw invalid('you must provide a kds tls cert');
    if (stringAt(values, `${server}.key`) === '') throw invalid('you must provide a kds tls key');
  }
  if (mode === 'zone' && boolAt(values, `${client}.create`) && stringAt(values, `${client}.cert`) === '') throw invalid('you must provide a kds cert');
  if (mode !== 'global' && stringAt(values, `${server}.secretName`) !== '') {
    warnings.push(`${server}.secretName (--tls-kds-global-server-secret) is used only with controlPlane.mode=global; it is ignored in mode ${mode}`);
  }
  if (mode !== 'zone' && stringAt(values, `${client}.secretName`) !== '') {
    warnings.push(`${client}.secretName (--tls-kds-zone-client-secret) is used only with controlPlane.mode=zone; it is ignored in mode ${mode}`);
  }
}

/** Values whose resources kuma-ts does not render: refused, so the output is never silently incomplete. */
const UNSUPPORTED: readonly [path: string, what: string][] = [
  ['cni.enabled', 'the Kuma CNI DaemonSet'],
  ['ingress.enabled', 'the ZoneIngress Deployment'],
  ['egress.enabled', 'the ZoneEgress Deployment'],
  ['controlPlane.tls.general.certManager.enabled', 'cert-manager Issuer/Certificate resources'],
  ['controlPlane.autoscaling.enabled', 'a HorizontalPodAutoscaler'],
  ['controlPlane.podDisruptionBudget.enabled', 'a PodDisruptionBudget'],
  ['controlPlane.ingress.enabled', 'an Ingress for the API and GUI'],
  ['controlPlane.serviceMonitor.enabled', 'a Prometheus ServiceMonitor'],
  ['transparentProxy.configMap.enabled', 'the transparent proxy ConfigMap'],
  ['experimental.ebpf.enabled', 'the eBPF transparent proxy cleanup job'],
];

function checkUnsupported(values: Values): void {
  const env = stringAt(values, 'controlPlane.environment');
  if (env !== 'kubernetes') {
    throw new InstallError('ERR_INSTALL_UNSUPPORTED', `controlPlane.environment=${env} is not rendered by kuma-ts (only "kubernetes"); for a universal control plane with Postgres on Kubernetes use Kuma's Helm chart`);
  }
  if ((stringAt(values, 'postgres.tls.secretName') !== '' || stringAt(values, 'postgres.tls.caSecretName') !== '')) {
    throw new InstallError('ERR_INSTALL_UNSUPPORTED', 'postgres.tls.* is used only with controlPlane.environment=universal, which kuma-ts does not render; remove the postgres values');
  }
  for (const [path, what] of UNSUPPORTED) {
    if (boolAt(values, path)) throw new InstallError('ERR_INSTALL_UNSUPPORTED', `${path}=true needs ${what}, which kuma-ts does not render; leave it false, or install with Kuma's Helm chart`);
  }
  if (listAt(values, 'namespaceAllowList').length > 0) {
    throw new InstallError('ERR_INSTALL_UNSUPPORTED', "namespaceAllowList needs per-namespace RoleBindings and webhook selectors, which kuma-ts does not render; leave it empty, or install with Kuma's Helm chart");
  }
}
