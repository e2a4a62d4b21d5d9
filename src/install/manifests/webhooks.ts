/**
 * The admission webhooks served by the control plane on the Service's port 443 (the chart's
 * cp-webhooks-and-secrets.yaml). Every clientConfig carries `caBundle`: the CA the Kubernetes API
 * server trusts for the control plane's general TLS certificate (the given bundle or the generated CA).
 * Mode global drops the pod injectors and the pod validator (a global CP has no workloads).
 */
import type { InstallSettings } from '../settings.js';
import { stringAt, type Values } from '../values.js';
import type { Manifest } from './common.js';
import { pluginKinds } from './rbac.js';

const SYSTEM = 'kube-system';
const ADMISSION = 'admissionregistration.k8s.io/v1';

type Expr = { key: string; operator: string; values?: string[] };
const exists = (key: string): Expr => ({ key, operator: 'Exists' });
const notIn = (key: string, values: string[]): Expr => ({ key, operator: 'NotIn', values });
const inList = (key: string, values: string[]): Expr => ({ key, operator: 'In', values });
const NAME = 'kubernetes.io/metadata.name';
const INJECTION = 'kuma.io/sidecar-injection';

interface Hook {
  name: string;
  failurePolicy: string;
  namespaceSelector: Expr[];
  objectSelector?: Record<string, unknown>;
  path: string;
  rules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[];
}

function webhook(s: InstallSettings, caBundle: string, h: Hook): Record<string, unknown> {
  return {
    name: h.name,
    admissionReviewVersions: ['v1'],
    failurePolicy: h.failurePolicy,
    namespaceSelector: { matchExpressions: h.namespaceSelector },
    ...(h.objectSelector ? { objectSelector: h.objectSelector } : {}),
    clientConfig: { caBundle, service: { namespace: s.namespace, name: s.serviceName, path: h.path } },
    rules: h.rules,
    sideEffects: 'None',
  };
}

const kuma = (operations: string[], resources: string[]): Hook['rules'][number] => ({ apiGroups: ['kuma.io'], apiVersions: ['v1alpha1'], operations, resources });
const core = (operations: string[], resources: string[]): Hook['rules'][number] => ({ apiGroups: [''], apiVersions: ['v1'], operations, resources });

export function webhookConfigurations(s: InstallSettings, values: Values, caBundle: string): Manifest[] {
  const plugins = pluginKinds(values);
  const injectorPolicy = stringAt(values, 'controlPlane.injectorFailurePolicy') || 'Fail';
  const meshNamespaces = [exists(INJECTION), notIn(NAME, [SYSTEM])];
  const workloadNamespaces = [exists(INJECTION), notIn(NAME, [SYSTEM, s.namespace])];
  const hook = (h: Hook): Record<string, unknown> => webhook(s, caBundle, h);

  const mutating = [
    hook({
      name: 'mesh.defaulter.kuma-admission.kuma.io',
      failurePolicy: 'Fail',
      namespaceSelector: meshNamespaces,
      path: '/default-kuma-io-v1alpha1-mesh',
      rules: [kuma(['CREATE', 'UPDATE'], ['meshes', 'dataplanes', 'dataplaneinsights', 'meshgateways', 'zoneingresses', 'zoneingressinsights', 'zoneegresses', 'zoneegressinsights', 'serviceinsights', 'zone', 'zoneinsights', ...plugins])],
    }),
    hook({
      name: 'owner-reference.kuma-admission.kuma.io',
      failurePolicy: 'Fail',
      namespaceSelector: meshNamespaces,
      path: '/owner-reference-kuma-io-v1alpha1',
      rules: [
        kuma(['CREATE'], [
          'circuitbreakers', 'externalservices', 'faultinjections', 'healthchecks', 'meshgateways', 'meshgatewayroutes', 'proxytemplates',
          'ratelimits', 'retries', 'timeouts', 'trafficlogs', 'trafficpermissions', 'trafficroutes', 'traffictraces', 'virtualoutbounds', ...plugins,
        ]),
      ],
    }),
  ];
  const validating = [
    hook({
      name: 'validator.kuma-admission.kuma.io',
      failurePolicy: 'Fail',
      namespaceSelector: meshNamespaces,
      path: '/validate-kuma-io-v1alpha1',
      rules: [
        kuma(['CREATE', 'UPDATE', 'DELETE'], [
          'circuitbreakers', 'dataplanes', 'externalservices', 'faultinjections', 'meshgatewayinstances', 'healthchecks', 'meshes', 'meshgateways',
          'meshgatewayroutes', 'proxytemplates', 'ratelimits', 'retries', 'trafficlogs', 'trafficpermissions', 'trafficroutes', 'traffictraces',
          'virtualoutbounds', 'zones', 'containerpatches', ...plugins,
        ]),
      ],
    }),
    hook({
      name: 'secret.validator.kuma-admission.kuma.io',
      failurePolicy: 'Ignore',
      namespaceSelector: [inList(NAME, [s.namespace])],
      path: '/validate-v1-secret',
      rules: [core(['CREATE', 'UPDATE', 'DELETE'], ['secrets'])],
    }),
  ];
  if (s.mode !== 'global') {
    const pods = [core(['CREATE'], ['pods'])];
    mutating.push(
      hook({ name: 'namespace-kuma-injector.kuma.io', failurePolicy: injectorPolicy, namespaceSelector: [inList(INJECTION, ['enabled', 'true']), notIn(NAME, [SYSTEM, s.namespace])], path: '/inject-sidecar', rules: pods }),
      hook({ name: 'pods-kuma-injector.kuma.io', failurePolicy: injectorPolicy, namespaceSelector: workloadNamespaces, objectSelector: { matchLabels: { [INJECTION]: 'enabled' } }, path: '/inject-sidecar', rules: pods }),
      hook({
        name: 'mesh-zoneproxy-kuma-injector.kuma.io',
        failurePolicy: injectorPolicy,
        namespaceSelector: [inList(NAME, [s.namespace])],
        objectSelector: { matchExpressions: [inList(INJECTION, ['enabled']), exists('kuma.io/mesh'), exists('k8s.kuma.io/zone-proxy-type')] },
        path: '/inject-sidecar',
        rules: pods,
      }),
    );
    validating.push(
      hook({ name: 'pod.validator.kuma-admission.kuma.io', failurePolicy: 'Fail', namespaceSelector: workloadNamespaces, path: '/validate-v1-pod', rules: [core(['CREATE', 'UPDATE'], ['pods'])] }),
    );
  }
  // Webhook configurations are cluster-scoped: no namespace in their metadata.
  const metadata = (name: string): Manifest['metadata'] => ({ name, labels: { ...s.labels } });
  return [
    { apiVersion: ADMISSION, kind: 'MutatingWebhookConfiguration', metadata: metadata(`${s.name}-admission-mutating-webhook-configuration`), webhooks: mutating },
    { apiVersion: ADMISSION, kind: 'ValidatingWebhookConfiguration', metadata: metadata(`${s.name}-validating-webhook-configuration`), webhooks: validating },
  ];
}
