/**
 * The control plane container's environment on Kubernetes (the chart's `kuma.defaultEnv`): fixed
 * settings, where each TLS Secret is mounted (see TLS_PATHS) and the injector's images. User
 * `controlPlane.envVars` (--env-var) override defaults of the same name; the result is sorted by
 * name and empty defaults are dropped, as the chart's dict merge does.
 */
import type { InstallSettings } from '../settings.js';
import { boolAt, stringAt, stringMapAt, type Values } from '../values.js';
import { admissionServerPort } from './core.js';
import { enabledPlugins } from './rbac.js';

/** Where each Secret is mounted in the control plane container. */
export const TLS_PATHS = {
  general: '/var/run/secrets/kuma.io/tls-cert',
  apiServer: '/var/run/secrets/kuma.io/api-server-tls-cert',
  apiServerClientCerts: '/var/run/secrets/kuma.io/api-server-client-certs',
  kdsServer: '/var/run/secrets/kuma.io/kds-server-tls-cert',
  kdsClient: '/var/run/secrets/kuma.io/kds-client-tls-cert',
} as const;

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export function controlPlaneEnv(s: InstallSettings, values: Values): EnvVar[] {
  const d = new Map<string, string>();
  const set = (name: string, value: string): void => {
    d.set(name, value);
  };
  const resource = (container: string, kind: 'requests' | 'limits', res: 'cpu' | 'memory', fallback: string): string =>
    stringAt(values, `dataPlane.${container}.resources.${kind}.${res}`) || fallback;

  set('KUMA_ENVIRONMENT', 'kubernetes');
  set('KUMA_STORE_TYPE', 'kubernetes');
  set('KUMA_STORE_KUBERNETES_SYSTEM_NAMESPACE', s.namespace);
  set('KUMA_RUNTIME_KUBERNETES_CONTROL_PLANE_SERVICE_NAME', s.serviceName);
  set('KUMA_GENERAL_TLS_CERT_FILE', `${TLS_PATHS.general}/tls.crt`);
  set('KUMA_GENERAL_TLS_KEY_FILE', `${TLS_PATHS.general}/tls.key`);
  if (s.mode === 'zone') set('KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS', s.kdsGlobalAddress);
  set('KUMA_DP_SERVER_HDS_ENABLED', 'false');
  set('KUMA_MONITORING_ASSIGNMENT_SERVER_ENABLED', String(boolAt(values, 'controlPlane.madsServer.enabled')));
  set('KUMA_API_SERVER_READ_ONLY', 'true');
  set('KUMA_RUNTIME_KUBERNETES_ADMISSION_SERVER_PORT', String(admissionServerPort(values)));
  set('KUMA_RUNTIME_KUBERNETES_ADMISSION_SERVER_CERT_DIR', TLS_PATHS.general);
  set('KUMA_RUNTIME_KUBERNETES_INJECTOR_CNI_ENABLED', String(boolAt(values, 'cni.enabled')));
  set('KUMA_RUNTIME_KUBERNETES_INJECTOR_SIDECAR_CONTAINER_IMAGE', s.images.dataPlane);
  set('KUMA_INJECTOR_SIDECAR_CONTAINER_RESOURCES_REQUESTS_CPU', resource('sidecarContainer', 'requests', 'cpu', '50m'));
  set('KUMA_INJECTOR_SIDECAR_CONTAINER_RESOURCES_REQUESTS_MEMORY', resource('sidecarContainer', 'requests', 'memory', '64Mi'));
  set('KUMA_INJECTOR_SIDECAR_CONTAINER_RESOURCES_LIMITS_CPU', resource('sidecarContainer', 'limits', 'cpu', '0'));
  set('KUMA_INJECTOR_SIDECAR_CONTAINER_RESOURCES_LIMITS_MEMORY', resource('sidecarContainer', 'limits', 'memory', '512Mi'));
  set('KUMA_INJECTOR_INIT_CONTAINER_IMAGE', s.images.init);
  set('KUMA_INJECTOR_INIT_CONTAINER_RESOURCES_REQUESTS_CPU', resource('initContainer', 'requests', 'cpu', '20m'));
  set('KUMA_INJECTOR_INIT_CONTAINER_RESOURCES_REQUESTS_MEMORY', resource('initContainer', 'requests', 'memory', '20M'));
  set('KUMA_INJECTOR_INIT_CONTAINER_RESOURCES_LIMITS_CPU', resource('initContainer', 'limits', 'cpu', '0'));
  set('KUMA_INJECTOR_INIT_CONTAINER_RESOURCES_LIMITS_MEMORY', resource('initContainer', 'limits', 'memory', '50M'));
  set('KUMA_INJECTOR_VALIDATION_CONTAINER_RESOURCES_REQUESTS_CPU', resource('validationContainer', 'requests', 'cpu', '20m'));
  set('KUMA_INJECTOR_VALIDATION_CONTAINER_RESOURCES_REQUESTS_MEMORY', resource('validationContainer', 'requests', 'memory', '20M'));
  set('KUMA_INJECTOR_VALIDATION_CONTAINER_RESOURCES_LIMITS_CPU', resource('validationContainer', 'limits', 'cpu', '0'));
  set('KUMA_INJECTOR_VALIDATION_CONTAINER_RESOURCES_LIMITS_MEMORY', resource('validationContainer', 'limits', 'memory', '50M'));
  if (boolAt(values, 'dataPlane.dnsLogging')) set('KUMA_RUNTIME_KUBERNETES_INJECTOR_BUILTIN_DNS_LOGGING', 'true');
  // the injector puts this CA into every sidecar (KUMA_CONTROL_PLANE_CA_CERT) so kuma-dp can verify the CP
  set('KUMA_RUNTIME_KUBERNETES_INJECTOR_CA_CERT_FILE', `${TLS_PATHS.general}/ca.crt`);
  set('KUMA_DEFAULTS_SKIP_MESH_CREATION', String(boolAt(values, 'controlPlane.defaults.skipMeshCreation')));
  set('KUMA_MODE', s.mode);
  if (s.zone !== '') set('KUMA_MULTIZONE_ZONE_NAME', s.zone);
  if (s.tls.apiServerSecret !== '') {
    set('KUMA_API_SERVER_HTTPS_TLS_CERT_FILE', `${TLS_PATHS.apiServer}/tls.crt`);
    set('KUMA_API_SERVER_HTTPS_TLS_KEY_FILE', `${TLS_PATHS.apiServer}/tls.key`);
  }
  if (s.tls.apiServerClientCertsSecret !== '') set('KUMA_API_SERVER_AUTH_CLIENT_CERTS_DIR', `${TLS_PATHS.apiServerClientCerts}/`);
  if (s.tls.kdsGlobalServerSecret !== '') {
    set('KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE', `${TLS_PATHS.kdsServer}/tls.crt`);
    set('KUMA_MULTIZONE_GLOBAL_KDS_TLS_KEY_FILE', `${TLS_PATHS.kdsServer}/tls.key`);
  }
  if (s.tls.kdsZoneClientSecret !== '') set('KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE', `${TLS_PATHS.kdsClient}/ca.crt`);
  set('KUMA_API_SERVER_AUTHN_LOCALHOST_IS_ADMIN', 'false');
  set('KUMA_RUNTIME_KUBERNETES_ALLOWED_USERS', `system:serviceaccount:${s.namespace}:${s.cpName}`);
  set('KUMA_EXPERIMENTAL_SIDECAR_CONTAINERS', String(boolAt(values, 'experimental.sidecarContainers')));
  if (boolAt(values, 'experimental.inboundTagsDisabled')) set('KUMA_EXPERIMENTAL_INBOUND_TAGS_DISABLED', 'true');
  if (boolAt(values, 'experimental.deltaXds')) set('KUMA_EXPERIMENTAL_DELTA_XDS', 'true');
  if (boolAt(values, 'experimental.exposeZoneProxyMetrics')) set('KUMA_EXPERIMENTAL_EXPOSE_ZONE_PROXY_METRICS', 'true');
  set('KUMA_BOOTSTRAP_SERVER_PARAMS_ENVOY_ADMIN_UNIX_SOCKET', String(boolAt(values, 'experimental.envoyAdminUnixSocket')));
  if (s.tls.kdsZoneClientSkipVerify) set('KUMA_MULTIZONE_ZONE_KDS_TLS_SKIP_VERIFY', 'true');
  set('KUMA_PLUGIN_POLICIES_ENABLED', enabledPlugins(values, 'policies').join(','));
  if (boolAt(values, 'controlPlane.supportGatewaySecretsInAllNamespaces')) set('KUMA_RUNTIME_KUBERNETES_SUPPORT_GATEWAY_SECRETS_IN_ALL_NAMESPACES', 'true');
  if (boolAt(values, 'dataPlane.features.unifiedResourceNaming')) set('KUMA_RUNTIME_KUBERNETES_INJECTOR_UNIFIED_RESOURCE_NAMING_ENABLED', 'true');

  const merged = new Map<string, string>();
  for (const [k, v] of d) if (v !== '') merged.set(k.toUpperCase(), v);
  for (const [k, v] of stringMapAt(values, 'controlPlane.envVars')) merged.set(k, v);
  const env: EnvVar[] = [...merged.keys()].sort().map((name) => ({ name, value: merged.get(name) as string }));
  env.push(
    { name: 'KUMA_INTER_CP_CATALOG_INSTANCE_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { containerName: 'control-plane', resource: 'limits.memory', divisor: stringAt(values, 'controlPlane.runtime.goMemLimit.divisor') || '1' } } },
    { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { containerName: 'control-plane', resource: 'limits.cpu', divisor: stringAt(values, 'controlPlane.runtime.goMaxProcs.divisor') || '1' } } },
  );
  return env;
}
