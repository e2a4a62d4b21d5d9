/**
 * The control plane Deployment (the chart's cp-deployment.yaml for controlPlane.environment=kubernetes):
 * one `control-plane` container running `kuma-cp run`, its environment, and every TLS Secret
 * mounted where that environment points (spec §7.2):
 *   general-tls-cert      ← general secret (given or generated): tls.crt, tls.key (+ ca.crt) by subPath
 *   general-tls-cert-ca   ← tls.general.caSecretName: ca.crt by subPath (else ca.crt from the general secret)
 *   api-server-tls-cert   ← tls.apiServer.secretName
 *   api-server-client-certs ← tls.apiServer.clientCertsSecretName
 *   kds-server-tls-cert   ← tls.kdsGlobalServer (mode global only)
 *   kds-client-tls-cert   ← tls.kdsZoneClient (mode zone only)
 */
import type { InstallSettings } from '../settings.js';
import { boolAt, listAt, stringAt, stringMapAt, truthy, valueAt, type Values } from '../values.js';
import { namespaced, type Manifest } from './common.js';
import { TLS_PATHS, controlPlaneEnv } from './control-plane-env.js';
import { admissionServerPort } from './core.js';

export interface PodChecksums {
  /** sha256 of the rendered ConfigMap: a config change rolls the pods. */
  config: string;
  /** sha256 of the rendered Secrets and webhooks (restartOnSecretChange). */
  tlsSecrets: string;
}

interface Mount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export function tlsVolumes(s: InstallSettings): { volumes: Record<string, unknown>[]; mounts: Mount[] } {
  const t = s.tls;
  const secretVolume = (name: string, secretName: string): Record<string, unknown> => ({ name, secret: { secretName } });
  const caVolume = t.generalCaSecret !== '' ? 'general-tls-cert-ca' : 'general-tls-cert';
  const mounts: Mount[] = [
    { name: 'general-tls-cert', mountPath: `${TLS_PATHS.general}/tls.crt`, subPath: 'tls.crt', readOnly: true },
    { name: 'general-tls-cert', mountPath: `${TLS_PATHS.general}/tls.key`, subPath: 'tls.key', readOnly: true },
    { name: caVolume, mountPath: `${TLS_PATHS.general}/ca.crt`, subPath: 'ca.crt', readOnly: true },
  ];
  const volumes = [secretVolume('general-tls-cert', t.generalSecretInUse)];
  if (t.generalCaSecret !== '') volumes.push(secretVolume('general-tls-cert-ca', t.generalCaSecret));
  const whole = (name: string, secretName: string, mountPath: string): void => {
    if (secretName === '') return;
    volumes.push(secretVolume(name, secretName));
    mounts.push({ name, mountPath, readOnly: true });
  };
  whole('api-server-tls-cert', t.apiServerSecret, TLS_PATHS.apiServer);
  whole('api-server-client-certs', t.apiServerClientCertsSecret, TLS_PATHS.apiServerClientCerts);
  whole('kds-server-tls-cert', t.kdsGlobalServerSecret, TLS_PATHS.kdsServer);
  whole('kds-client-tls-cert', t.kdsZoneClientSecret, TLS_PATHS.kdsClient);
  return { volumes, mounts };
}

export function controlPlaneDeployment(s: InstallSettings, values: Values, checksums: PodChecksums): Manifest {
  const tls = tlsVolumes(s);
  const configVolume = `${s.cpName}-config`;
  const automount = boolAt(values, 'controlPlane.automountServiceAccountToken');
  const mounts: Mount[] = [];
  const volumes: Record<string, unknown>[] = [];
  if (!automount) {
    // a short-lived projected token instead of the automounted one
    mounts.push({ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'serviceaccount-token', readOnly: true });
    volumes.push({
      name: 'serviceaccount-token',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3600, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
        ],
      },
    });
  }
  // Mount order follows the chart: general TLS, config, then the optional TLS secrets, then /tmp.
  mounts.push(...tls.mounts.slice(0, 3), { name: configVolume, mountPath: '/etc/kuma.io/kuma-control-plane', readOnly: true }, ...tls.mounts.slice(3));
  mounts.push({ name: 'tmp', mountPath: '/tmp' });
  volumes.push(...tls.volumes, { name: configVolume, configMap: { name: configVolume } }, { name: 'tmp', emptyDir: {} });

  const podAnnotations: Record<string, string> = { 'checksum/config': checksums.config };
  if (boolAt(values, 'restartOnSecretChange')) podAnnotations['checksum/tls-secrets'] = checksums.tlsSecrets;
  for (const [k, v] of stringMapAt(values, 'controlPlane.podAnnotations')) podAnnotations[k] = v;

  const ports: Record<string, unknown>[] = [
    { containerPort: 5680, name: 'diagnostics', protocol: 'TCP' },
    { containerPort: 5681 },
    { containerPort: 5682 },
    { containerPort: admissionServerPort(values) },
  ];
  if (s.mode !== 'global') ports.push({ containerPort: 5678 });

  const container: Record<string, unknown> = {
    name: 'control-plane',
    image: s.images.controlPlane,
    imagePullPolicy: stringAt(values, 'controlPlane.image.pullPolicy'),
    securityContext: copy(values, 'controlPlane.containerSecurityContext'),
    env: controlPlaneEnv(s, values),
    args: ['run', `--log-level=${stringAt(values, 'controlPlane.logLevel')}`, `--log-output-path=${stringAt(values, 'controlPlane.logOutputPath')}`, '--config-file=/etc/kuma.io/kuma-control-plane/config.yaml'],
    ports,
    livenessProbe: { timeoutSeconds: 10, httpGet: { path: '/healthy', port: 5680 } },
    readinessProbe: { timeoutSeconds: 10, httpGet: { path: '/ready', port: 5680 } },
    resources: copy(values, 'controlPlane.resources'),
  };
  const lifecycle = valueAt(values, 'controlPlane.lifecycle');
  if (truthy(lifecycle)) container['lifecycle'] = structuredClone(lifecycle);
  container['volumeMounts'] = mounts;

  const podSpec: Record<string, unknown> = {};
  const priorityClassName = stringAt(values, 'controlPlane.priorityClassName');
  if (priorityClassName !== '') podSpec['priorityClassName'] = priorityClassName;
  podSpec['securityContext'] = copy(values, 'controlPlane.podSecurityContext');
  podSpec['serviceAccountName'] = s.cpName;
  podSpec['automountServiceAccountToken'] = automount;
  podSpec['restartPolicy'] = stringAt(values, 'controlPlane.restartPolicy');
  const nodeSelector = stringMapAt(values, 'controlPlane.nodeSelector');
  if (nodeSelector.length > 0) podSpec['nodeSelector'] = Object.fromEntries(nodeSelector);
  const tolerations = listAt(values, 'controlPlane.tolerations');
  if (tolerations.length > 0) podSpec['tolerations'] = structuredClone(tolerations);
  podSpec['hostNetwork'] = boolAt(values, 'controlPlane.hostNetwork');
  podSpec['terminationGracePeriodSeconds'] = Number(valueAt(values, 'controlPlane.terminationGracePeriodSeconds') ?? 30);
  podSpec['containers'] = [container];
  podSpec['volumes'] = volumes;

  const metadata = namespaced(s, s.cpName);
  const deploymentAnnotations = stringMapAt(values, 'controlPlane.deploymentAnnotations');
  if (deploymentAnnotations.length > 0) metadata.annotations = Object.fromEntries(deploymentAnnotations);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: Number(valueAt(values, 'controlPlane.replicas') ?? 1),
      minReadySeconds: Number(valueAt(values, 'controlPlane.minReadySeconds') ?? 0),
      strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: { ...s.selectorLabels, app: s.cpName } },
      template: { metadata: { annotations: podAnnotations, labels: { ...s.labels } }, spec: podSpec },
    },
  };
}

/** A subtree copied as is (securityContext, resources): the user's YAML goes through untouched. */
function copy(values: Values, path: string): unknown {
  const v = valueAt(values, path);
  return v === undefined || v === null ? {} : structuredClone(v);
}
