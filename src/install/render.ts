/**
 * `kumactl install control-plane`: Kuma's Helm chart for a control plane on Kubernetes, rendered in
 * TypeScript from a values tree with the chart's value names (no Helm involved).
 *
 * Rendered (controlPlane.environment=kubernetes, modes zone, global and standalone):
 *   Namespace, ServiceAccount, the general TLS Secret `<name>-tls-cert` (generated when
 *   controlPlane.tls.general.secretName is empty), KDS Secrets from values (`create: true`),
 *   ConfigMap `<name>-control-plane-config`, RBAC (ClusterRoles, bindings, Role), the control plane
 *   Service, the global zone sync Service (mode global), the Deployment (env, volumes and mounts
 *   for every TLS Secret), and the mutating/validating webhook configurations with their caBundle.
 * Not rendered (values asking for them are refused, see validate.ts): CRDs, CNI, zone
 *   ingress/egress and mesh zone proxies, cert-manager, universal-on-Kubernetes with Postgres,
 *   HPA, PDB, Ingress, ServiceMonitor, namespaceAllowList, eBPF, the transparent proxy ConfigMap,
 *   Gateway API classes, Helm hooks and extra ConfigMaps/Secrets. Unlike Helm, nothing is looked
 *   up in a cluster: a generated certificate is new on every run.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { generateGeneralTls, type GeneralTls } from './general-tls.js';
import type { Manifest } from './manifests/common.js';
import { controlPlaneConfigMap, controlPlaneService, globalZoneSyncService, namespaceManifest, serviceAccount } from './manifests/core.js';
import { controlPlaneDeployment } from './manifests/deployment.js';
import { rbacManifests } from './manifests/rbac.js';
import { generalTlsSecret, kdsSecrets } from './manifests/secrets.js';
import { webhookConfigurations } from './manifests/webhooks.js';
import { readSettings } from './settings.js';
import { validateValues } from './validate.js';
import { boolAt, type Values } from './values.js';

export interface RenderOptions {
  /** The release namespace (`--namespace`). */
  namespace: string;
  /** Image tag when neither `<component>.image.tag` nor `global.image.tag` is set. */
  appVersion: string;
  /** How the general TLS certificate is made when none is given (tests pool one). */
  generateGeneralTls?: (serviceName: string, namespace: string) => Promise<GeneralTls>;
}

export interface RenderResult {
  /** In Kuma's install order (by kind, then name). */
  manifests: Manifest[];
  /** Things that will be ignored or will not work, for stderr. */
  warnings: string[];
}

/** Validates `values` (InstallError on the first problem) and renders the manifests. */
export async function renderControlPlane(values: Values, opts: RenderOptions): Promise<RenderResult> {
  const warnings = validateValues(values, opts.namespace);
  const s = readSettings(values, opts.namespace, opts.appVersion);

  const secrets: Manifest[] = [];
  let caBundle = s.tls.caBundle;
  if (s.tls.generalSecret === '') {
    const tls = await (opts.generateGeneralTls ?? generateGeneralTls)(s.serviceName, s.namespace);
    secrets.push(generalTlsSecret(s, tls));
    caBundle = Buffer.from(tls.caPem, 'utf8').toString('base64');
  }
  secrets.push(...kdsSecrets(s));
  const webhooks = webhookConfigurations(s, values, caBundle);
  const configMap = controlPlaneConfigMap(s, values);

  const manifests: Manifest[] = [namespaceManifest(s), serviceAccount(s, values), ...secrets, configMap, ...rbacManifests(s, values)];
  if (boolAt(values, 'controlPlane.service.enabled')) manifests.push(controlPlaneService(s, values));
  if (s.mode === 'global' && boolAt(values, 'controlPlane.globalZoneSyncService.enabled')) manifests.push(globalZoneSyncService(s, values));
  manifests.push(
    controlPlaneDeployment(s, values, { config: sha256(manifestsToYaml([configMap])), tlsSecrets: sha256(manifestsToYaml([...secrets, ...webhooks])) }),
    ...webhooks,
  );
  return { manifests: sortByKind(manifests), warnings };
}

/** Multi-document YAML, each document introduced by `---`. */
export function manifestsToYaml(manifests: readonly object[]): string {
  return manifests.map((m) => `---\n${stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

/** Kuma's install order (app/kumactl/pkg/install/k8s/sorter.go), for the kinds rendered here. */
const KIND_ORDER = [
  'Namespace',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'Deployment',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

function sortByKind(manifests: Manifest[]): Manifest[] {
  const rank = (m: Manifest): number => {
    const i = KIND_ORDER.indexOf(m.kind);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return [...manifests].sort((a, b) => rank(a) - rank(b) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
