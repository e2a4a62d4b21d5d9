/** Namespace, ServiceAccount, the kuma-cp ConfigMap and the control plane Services (cp-*.yaml of the chart). */
import type { InstallSettings } from '../settings.js';
import { boolAt, listAt, stringAt, stringMapAt, valueAt, type Values } from '../values.js';
import { namespaced, type Manifest } from './common.js';

/** kumactl adds the namespace itself (Helm does not), labelled so nothing in it gets a sidecar. */
export function namespaceManifest(s: InstallSettings): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: s.namespace, labels: { 'kuma.io/sidecar-injection': 'false' } } };
}

export function serviceAccount(s: InstallSettings, values: Values): Manifest {
  const metadata = namespaced(s, s.cpName);
  const annotations = stringMapAt(values, 'controlPlane.serviceAccountAnnotations');
  if (annotations.length > 0) metadata.annotations = Object.fromEntries(annotations);
  const pullSecrets = listAt(values, 'global.imagePullSecrets');
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata,
    ...(pullSecrets.length > 0 ? { imagePullSecrets: pullSecrets.map((n) => ({ name: String(n) })) } : {}),
  };
}

const CONFIG_HEADER = '# use this file to override default configuration of `kuma-cp`\n#\n# see conf/kuma-cp.conf.yml for available settings\n';

/** `kuma-control-plane-config`: config.yaml for `kuma-cp run --config-file`, with `controlPlane.config` appended. */
export function controlPlaneConfigMap(s: InstallSettings, values: Values): Manifest {
  const extra = stringAt(values, 'controlPlane.config');
  const config = extra === '' ? CONFIG_HEADER : `${CONFIG_HEADER}${extra.endsWith('\n') ? extra : `${extra}\n`}`;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: namespaced(s, `${s.cpName}-config`), data: { 'config.yaml': config } };
}

/** The control plane Service: diagnostics, API (HTTP/HTTPS), admission webhooks and, outside global, MADS and the DP server. */
export function controlPlaneService(s: InstallSettings, values: Values): Manifest {
  const type = stringAt(values, 'controlPlane.service.type');
  const nodePort = (path: string): { nodePort?: number } => {
    const port = Number(valueAt(values, path));
    return type === 'NodePort' && port > 0 ? { nodePort: port } : {};
  };
  const ports: Record<string, unknown>[] = [
    { port: 5680, name: 'diagnostics', appProtocol: 'http' },
    { port: 5681, name: 'http-api-server', appProtocol: 'http', ...nodePort('controlPlane.service.apiServer.http.nodePort') },
    { port: 5682, name: 'https-api-server', appProtocol: 'https', ...nodePort('controlPlane.service.apiServer.https.nodePort') },
    { port: 443, name: 'https-admission-server', targetPort: admissionServerPort(values), appProtocol: 'https' },
  ];
  if (s.mode !== 'global') {
    if (boolAt(values, 'controlPlane.madsServer.enabled')) ports.push({ port: 5676, name: 'mads-server', appProtocol: 'https' });
    ports.push({ port: 5678, name: 'dp-server', appProtocol: 'https' });
  }
  const metadata = namespaced(s, s.serviceName);
  const annotations = stringMapAt(values, 'controlPlane.service.annotations').filter(([, v]) => v !== '');
  if (annotations.length > 0) metadata.annotations = Object.fromEntries(annotations);
  return { apiVersion: 'v1', kind: 'Service', metadata, spec: { type, ports, selector: { app: s.cpName, ...s.selectorLabels } } };
}

/** Global only: `<name>-global-zone-sync`, the KDS port (5685) zone control planes connect to. */
export function globalZoneSyncService(s: InstallSettings, values: Values): Manifest {
  const base = 'controlPlane.globalZoneSyncService';
  const type = stringAt(values, `${base}.type`);
  const nodePort = Number(valueAt(values, `${base}.nodePort`));
  const spec: Record<string, unknown> = { type };
  const lbIp = stringAt(values, `${base}.loadBalancerIP`);
  if (lbIp !== '') spec['loadBalancerIP'] = lbIp;
  const ranges = listAt(values, `${base}.loadBalancerSourceRanges`);
  if (ranges.length > 0) spec['loadBalancerSourceRanges'] = ranges.map(String);
  spec['ports'] = [
    {
      port: Number(valueAt(values, `${base}.port`)),
      appProtocol: stringAt(values, `${base}.protocol`),
      ...(type === 'NodePort' && nodePort > 0 ? { nodePort } : {}),
      name: 'global-zone-sync',
    },
  ];
  spec['selector'] = { app: s.cpName, ...s.selectorLabels };
  const metadata = namespaced(s, stringAt(values, `${base}.name`) || `${s.name}-global-zone-sync`);
  const annotations = stringMapAt(values, `${base}.annotations`);
  if (annotations.length > 0) metadata.annotations = Object.fromEntries(annotations);
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
}

export function admissionServerPort(values: Values): number {
  const port = Number(valueAt(values, 'controlPlane.admissionServerPort'));
  return Number.isInteger(port) && port > 0 ? port : 5443;
}
