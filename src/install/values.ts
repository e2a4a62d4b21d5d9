/**
 * The values tree of `kumactl install control-plane`: the Helm value names of Kuma's chart
 * (deployments/charts/kuma/values.yaml), so a `--values` file written for `helm install` means the
 * same here. Only the keys the renderer reads have defaults; unknown keys are kept (and ignored),
 * as Helm does.
 */
import { InstallError } from './errors.js';

export type Values = { [key: string]: unknown };

/** The chart's defaults for every key the renderer reads (Kuma 2.x values.yaml). */
export function defaultValues(): Values {
  return {
    global: { image: { registry: 'docker.io/kumahq', tag: null }, imagePullSecrets: [] },
    namespaceAllowList: [],
    skipRBAC: false,
    restartOnSecretChange: true,
    controlPlane: {
      environment: 'kubernetes',
      extraLabels: {},
      logLevel: 'info',
      logOutputPath: '',
      mode: 'zone',
      zone: null,
      kdsGlobalAddress: '',
      replicas: 1,
      restartPolicy: 'Always',
      minReadySeconds: 0,
      deploymentAnnotations: {},
      podAnnotations: {},
      autoscaling: { enabled: false },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [],
      podDisruptionBudget: { enabled: false },
      priorityClassName: '',
      injectorFailurePolicy: 'Fail',
      madsServer: { enabled: true },
      service: {
        apiServer: { http: { nodePort: 30681 }, https: { nodePort: 30682 } },
        enabled: true,
        name: null,
        type: 'ClusterIP',
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '5680' },
      },
      ingress: { enabled: false },
      serviceMonitor: { enabled: false },
      globalZoneSyncService: {
        enabled: true,
        type: 'LoadBalancer',
        loadBalancerIP: null,
        loadBalancerSourceRanges: [],
        annotations: {},
        nodePort: 30685,
        port: 5685,
        protocol: 'grpc',
      },
      defaults: { skipMeshCreation: false },
      automountServiceAccountToken: true,
      resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '256Mi' } },
      runtime: { goMaxProcs: { divisor: '1' }, goMemLimit: { divisor: '1' } },
      terminationGracePeriodSeconds: 30,
      tls: {
        general: { secretName: '', caSecretName: '', caBundle: '', certManager: { enabled: false } },
        apiServer: { secretName: '', clientCertsSecretName: '' },
        kdsGlobalServer: { secretName: '', create: false, cert: '', key: '' },
        kdsZoneClient: { secretName: '', create: false, cert: '', skipVerify: false },
      },
      serviceAccountAnnotations: {},
      image: { pullPolicy: 'IfNotPresent', repository: 'kuma-cp', tag: null },
      envVars: {},
      hostNetwork: false,
      admissionServerPort: 5443,
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: { readOnlyRootFilesystem: true },
      supportGatewaySecretsInAllNamespaces: false,
      skipClusterRoleCreation: false,
    },
    cni: { enabled: false },
    dataPlane: {
      dnsLogging: false,
      image: { repository: 'kuma-dp', pullPolicy: 'IfNotPresent', tag: null },
      initImage: { repository: 'kuma-init', tag: null },
      initContainer: { resources: { requests: { cpu: '20m', memory: '20M' }, limits: { cpu: '0', memory: '50M' } } },
      validationContainer: { resources: { requests: { cpu: '20m', memory: '20M' }, limits: { cpu: '0', memory: '50M' } } },
      sidecarContainer: { resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '0', memory: '512Mi' } } },
      features: { unifiedResourceNaming: false },
    },
    ingress: { enabled: false },
    egress: { enabled: false },
    transparentProxy: { configMap: { enabled: false } },
    experimental: {
      ebpf: { enabled: false },
      sidecarContainers: true,
      inboundTagsDisabled: false,
      envoyAdminUnixSocket: true,
      deltaXds: false,
      exposeZoneProxyMetrics: false,
    },
    plugins: {
      resources: Object.fromEntries(PLUGIN_RESOURCES.map((r) => [r, true])),
      policies: Object.fromEntries(PLUGIN_POLICIES.map((p) => [p, true])),
    },
  };
}

const PLUGIN_RESOURCES = [
  'hostnamegenerators',
  'meshexternalservices',
  'meshidentities',
  'meshmultizoneservices',
  'meshopentelemetrybackends',
  'meshservices',
  'meshtrusts',
  'meshzoneaddresses',
  'workloads',
];
const PLUGIN_POLICIES = [
  'meshaccesslogs',
  'meshcircuitbreakers',
  'meshfaultinjections',
  'meshhealthchecks',
  'meshhttproutes',
  'meshloadbalancingstrategies',
  'meshmetrics',
  'meshpassthroughs',
  'meshproxypatches',
  'meshratelimits',
  'meshretries',
  'meshtcproutes',
  'meshtimeouts',
  'meshtlses',
  'meshtraces',
  'meshtrafficpermissions',
];

/** Keys that would reach Object.prototype through a plain object: refused in --set and values files. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const isMap = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `over` merged onto `base` (neither is changed): mappings merge key by key, anything else
 * replaces, and a null in `over` removes the key, as Helm coalesces user values onto the chart's.
 */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (FORBIDDEN_KEYS.has(key)) throw new InstallError('ERR_INSTALL_INVALID_VALUE', `values key ${JSON.stringify(key)} is not allowed; remove it`);
    if (value === null) {
      delete out[key];
      continue;
    }
    const prev = out[key];
    out[key] = isMap(value) && isMap(prev) ? mergeValues(prev, value) : structuredClone(value);
  }
  return out;
}

/** The value at a dotted path (`controlPlane.tls.general.secretName`), or undefined. */
export function valueAt(tree: Values, path: string): unknown {
  let node: unknown = tree;
  for (const key of path.split('.')) {
    if (!isMap(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Helm's truthiness: false, 0, "", null, empty lists and maps are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** A scalar as the text a template prints (`{{ .Values.x }}`); "" when unset. */
export function stringAt(tree: Values, path: string): string {
  const v = valueAt(tree, path);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export const boolAt = (tree: Values, path: string): boolean => {
  const v = valueAt(tree, path);
  return v === 'false' ? false : truthy(v);
};

/** A mapping of scalars (labels, annotations, env vars) as strings, keys sorted as Helm ranges them. */
export function stringMapAt(tree: Values, path: string): [string, string][] {
  const v = valueAt(tree, path);
  if (!isMap(v)) return [];
  return Object.keys(v)
    .sort()
    .map((k) => [k, scalarText(v[k])]);
}

export function listAt(tree: Values, path: string): unknown[] {
  const v = valueAt(tree, path);
  return Array.isArray(v) ? v : [];
}

function scalarText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v as number | boolean);
}
