/**
 * RBAC for the control plane ServiceAccount, following the chart's cp-rbac.yaml without the CNI,
 * namespaceAllowList and gateway-secrets-in-all-namespaces variants: a ClusterRole to read the
 * cluster and own Kuma's resources, a "-workloads" ClusterRole for what it creates in workload
 * namespaces (MeshGateway deployments and services, events), and a Role in the system namespace
 * (leader election leases, its ConfigMaps and Secrets).
 */
import type { InstallSettings } from '../settings.js';
import { boolAt, isMap, truthy, valueAt, type Values } from '../values.js';
import { clusterScoped, namespaced, type Manifest } from './common.js';

const READ = ['get', 'list', 'watch'];
const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const rule = (apiGroups: string[], resources: string[], verbs: string[]): Record<string, string[]> => ({ apiGroups, resources, verbs });

const KUMA_RESOURCES = [
  'dataplanes',
  'dataplaneinsights',
  'meshes',
  'zones',
  'zoneinsights',
  'zoneingresses',
  'zoneingressinsights',
  'zoneegresses',
  'zoneegressinsights',
  'meshinsights',
  'serviceinsights',
  'proxytemplates',
  'ratelimits',
  'trafficpermissions',
  'trafficroutes',
  'timeouts',
  'retries',
  'circuitbreakers',
  'virtualoutbounds',
  'containerpatches',
  'externalservices',
  'faultinjections',
  'healthchecks',
  'trafficlogs',
  'traffictraces',
  'meshgateways',
  'meshgatewayroutes',
  'meshgatewayinstances',
  'meshgatewayconfigs',
];

/** The enabled `plugins.<group>` names, sorted (Helm ranges maps by key). */
export function enabledPlugins(values: Values, group: 'policies' | 'resources'): string[] {
  const m = valueAt(values, `plugins.${group}`);
  return isMap(m) ? Object.keys(m).sort().filter((k) => truthy(m[k]) && m[k] !== 'false') : [];
}

/** Policies then resources, as the chart lists them in RBAC rules and webhook rules. */
export const pluginKinds = (values: Values): string[] => [...enabledPlugins(values, 'policies'), ...enabledPlugins(values, 'resources')];

export function rbacManifests(s: InstallSettings, values: Values): Manifest[] {
  if (boolAt(values, 'skipRBAC')) return [];
  const subject = [{ kind: 'ServiceAccount', name: s.cpName, namespace: s.namespace }];
  const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', roleKind: 'ClusterRole' | 'Role', name: string): Manifest => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: kind === 'RoleBinding' ? namespaced(s, name) : clusterScoped(s, name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name },
    subjects: subject,
  });
  const out: Manifest[] = [];
  if (!boolAt(values, 'controlPlane.skipClusterRoleCreation')) {
    out.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: clusterScoped(s, s.cpName),
        rules: [
          rule([''], ['namespaces', 'pods', 'nodes', 'services'], READ),
          rule(['discovery.k8s.io'], ['endpointslices'], READ),
          rule(['apps'], ['deployments', 'replicasets'], READ),
          rule(['batch'], ['jobs'], READ),
          rule(['gateway.networking.k8s.io'], ['gateways', 'referencegrants', 'httproutes'], READ),
          rule(['gateway.networking.k8s.io'], ['gatewayclasses'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
          rule(['gateway.networking.k8s.io'], ['gatewayclasses/status'], ['get', 'patch', 'update']),
          rule(['kuma.io'], [...KUMA_RESOURCES, ...pluginKinds(values)], ALL),
          rule(['kuma.io'], ['meshgatewayinstances/status', 'meshgatewayinstances/finalizers', 'meshes/finalizers', 'dataplanes/finalizers'], ['get', 'patch', 'update']),
          // the CP validates a pod's service account token before issuing its mTLS certificate
          rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
        ],
      },
      binding('ClusterRoleBinding', 'ClusterRole', s.cpName),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: clusterScoped(s, `${s.cpName}-workloads`),
        rules: [
          rule(['', 'events.k8s.io'], ['events'], ['create', 'patch']),
          rule(['apps'], ['deployments', 'replicasets'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
          rule(['batch'], ['jobs'], READ),
          rule([''], ['services'], ['get', 'delete', 'list', 'watch', 'create', 'update', 'patch']),
          rule([''], ['pods/finalizers'], ['get', 'patch', 'update']),
          rule(['gateway.networking.k8s.io'], ['gateways', 'referencegrants', 'httproutes'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
          rule(['gateway.networking.k8s.io'], ['gateways/status', 'httproutes/status'], ['get', 'patch', 'update']),
        ],
      },
      binding('ClusterRoleBinding', 'ClusterRole', `${s.cpName}-workloads`),
    );
  }
  out.push(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: namespaced(s, s.cpName),
      rules: [
        rule(['coordination.k8s.io'], ['leases'], ALL),
        rule([''], ['configmaps', 'secrets'], ['get', 'delete', 'list', 'watch', 'create', 'update', 'patch']),
        rule(['', 'events.k8s.io'], ['events'], ['create', 'patch']),
        // leader-for-life election deletes Pods in some circumstances
        rule([''], ['pods'], ['delete']),
      ],
    },
    binding('RoleBinding', 'Role', s.cpName),
  );
  return out;
}
