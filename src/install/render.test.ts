import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildValues, defaultInstallArgs } from './args.js';
import { generateGeneralTls, type GeneralTls } from './general-tls.js';
import type { Manifest } from './manifests/common.js';
import { manifestsToYaml, renderControlPlane } from './render.js';

// One generated certificate for every render here (the CLI tests exercise real generation).
let pooled: GeneralTls;
const calls: string[] = [];
before(async () => {
  pooled = await generateGeneralTls('kuma-control-plane', 'kuma-system');
});

async function render(sets: string[], namespace = 'kuma-system'): Promise<Manifest[]> {
  const values = buildValues({ args: defaultInstallArgs('9.9.9'), sets });
  const { manifests } = await renderControlPlane(values, {
    namespace,
    appVersion: '9.9.9',
    generateGeneralTls: (svc, ns) => {
      calls.push(`${svc}.${ns}`);
      return Promise.resolve(pooled);
    },
  });
  return manifests;
}

const names = (ms: Manifest[]): string[] => ms.map((m) => `${m.kind}/${m.metadata.name}`);

describe('renderControlPlane', () => {
  it('renders the default zone install in Kuma install order, asking for a certificate for the Service', async () => {
    calls.length = 0;
    const ms = await render([]);
    assert.deepEqual(names(ms), [
      'Namespace/kuma-system',
      'ServiceAccount/kuma-control-plane',
      'Secret/kuma-tls-cert',
      'ConfigMap/kuma-control-plane-config',
      'ClusterRole/kuma-control-plane',
      'ClusterRole/kuma-control-plane-workloads',
      'ClusterRoleBinding/kuma-control-plane',
      'ClusterRoleBinding/kuma-control-plane-workloads',
      'Role/kuma-control-plane',
      'RoleBinding/kuma-control-plane',
      'Service/kuma-control-plane',
      'Deployment/kuma-control-plane',
      'MutatingWebhookConfiguration/kuma-admission-mutating-webhook-configuration',
      'ValidatingWebhookConfiguration/kuma-validating-webhook-configuration',
    ]);
    assert.deepEqual(calls, ['kuma-control-plane.kuma-system']);
    // namespaced objects carry the namespace, cluster-scoped ones do not
    for (const m of ms) {
      const clusterScoped = /^(Namespace|ClusterRole|ClusterRoleBinding|MutatingWebhookConfiguration|ValidatingWebhookConfiguration)$/.test(m.kind);
      assert.equal(m.metadata.namespace, clusterScoped ? undefined : 'kuma-system', `${m.kind}/${m.metadata.name}`);
    }
  });

  it('YAML output round-trips to the same objects', async () => {
    const ms = await render(['controlPlane.mode=global']);
    const back = parseAllDocuments(manifestsToYaml(ms)).map((d) => d.toJS() as unknown);
    assert.deepEqual(back, JSON.parse(JSON.stringify(ms)));
  });

  it('skipRBAC, nameOverride, service.enabled=false, mode standalone', async () => {
    const ms = await render(['skipRBAC=true', 'nameOverride=mesh', 'controlPlane.service.enabled=false', 'controlPlane.mode=standalone']);
    assert.deepEqual(names(ms), [
      'Namespace/kuma-system',
      'ServiceAccount/mesh-control-plane',
      'Secret/mesh-tls-cert',
      'ConfigMap/mesh-control-plane-config',
      'Deployment/mesh-control-plane',
      'MutatingWebhookConfiguration/mesh-admission-mutating-webhook-configuration',
      'ValidatingWebhookConfiguration/mesh-validating-webhook-configuration',
    ]);
  });

  it('controlPlane.config goes into config.yaml and changes the pod checksum', async () => {
    const annotations = (ms: Manifest[]): Record<string, string> =>
      ((ms.find((m) => m.kind === 'Deployment') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations);
    const plain = await render([]);
    const tuned = await render(['controlPlane.config=apiServer:\n  http:\n    enabled: false']);
    const config = (tuned.find((m) => m.kind === 'ConfigMap') as unknown as { data: Record<string, string> }).data['config.yaml'] ?? '';
    assert.match(config, /# see conf\/kuma-cp\.conf\.yml for available settings\napiServer:\n  http:\n    enabled: false\n$/);
    assert.notEqual(annotations(plain)['checksum/config'], annotations(tuned)['checksum/config']);
    assert.equal(annotations(plain)['checksum/tls-secrets'], annotations(tuned)['checksum/tls-secrets']);
    assert.equal(annotations(await render(['restartOnSecretChange=false']))['checksum/tls-secrets'], undefined);
  });

  it('mode global drops the pod injectors and pod validator', async () => {
    const hooks = (ms: Manifest[], kind: string): string[] => ((ms.find((m) => m.kind === kind) as unknown as { webhooks: { name: string }[] }).webhooks.map((w) => w.name));
    const zone = await render([]);
    const global = await render(['controlPlane.mode=global']);
    assert.deepEqual(hooks(zone, 'MutatingWebhookConfiguration'), [
      'mesh.defaulter.kuma-admission.kuma.io',
      'owner-reference.kuma-admission.kuma.io',
      'namespace-kuma-injector.kuma.io',
      'pods-kuma-injector.kuma.io',
      'mesh-zoneproxy-kuma-injector.kuma.io',
    ]);
    assert.deepEqual(hooks(global, 'MutatingWebhookConfiguration'), ['mesh.defaulter.kuma-admission.kuma.io', 'owner-reference.kuma-admission.kuma.io']);
    assert.deepEqual(hooks(zone, 'ValidatingWebhookConfiguration'), ['validator.kuma-admission.kuma.io', 'secret.validator.kuma-admission.kuma.io', 'pod.validator.kuma-admission.kuma.io']);
    assert.deepEqual(hooks(global, 'ValidatingWebhookConfiguration'), ['validator.kuma-admission.kuma.io', 'secret.validator.kuma-admission.kuma.io']);
  });
});
