import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../../test/support/processes.js';
import { TESTDATA, controlPlanePod, documents, find, installCp, type Doc } from './testing.js';

// Spec §7.2: which Secret becomes which volume, mount path and KUMA_* variable, flag by flag.

const CA_BUNDLE = readFileSync(join(repoRoot, TESTDATA, 'ca.crt')).toString('base64');
const GIVEN_GENERAL = ['--tls-general-secret=general-tls-certs', `--tls-general-ca-bundle=${CA_BUNDLE}`];
const ROOT = '/var/run/secrets/kuma.io';

async function render(argv: string[]): Promise<{ docs: Doc[]; pod: ReturnType<typeof controlPlanePod> }> {
  const r = await installCp(argv);
  assert.equal(r.code, 0, r.stderr);
  const docs = documents(r.stdout);
  return { docs, pod: controlPlanePod(docs) };
}

const mount = (pod: ReturnType<typeof controlPlanePod>, mountPath: string) => pod.container.volumeMounts.find((m) => m.mountPath === mountPath);

/** Every mount has a volume, and every file an env var names lies under a mount. */
function assertConsistent(pod: ReturnType<typeof controlPlanePod>, docs: Doc[]): void {
  const spec = (find(docs, 'Deployment') as unknown as { spec: { template: { spec: { volumes: { name: string }[] } } } }).spec.template.spec;
  const volumeNames = new Set(spec.volumes.map((v) => v.name));
  for (const m of pod.container.volumeMounts) assert.ok(volumeNames.has(m.name), `mount ${m.mountPath} has no volume ${m.name}`);
  for (const [name, value] of pod.env) {
    if (!value.startsWith(ROOT)) continue;
    const covered = pod.container.volumeMounts.some((m) => value === m.mountPath || value.startsWith(`${m.mountPath}/`) || (m.mountPath.startsWith(`${value.replace(/\/$/, '')}/`) && name.endsWith('_DIR')));
    assert.ok(covered, `${name}=${value} is not under any volume mount`);
  }
}

describe('kumactl install control-plane: TLS secrets → volumes, mounts, env', () => {
  it('general (generated): <name>-tls-cert mounted by subPath; cert, key, admission dir and injector CA env', async () => {
    const { docs, pod } = await render([]);
    assert.equal(pod.secretVolumes.get('general-tls-cert'), 'kuma-tls-cert');
    assert.ok(!pod.secretVolumes.has('general-tls-cert-ca'));
    for (const file of ['tls.crt', 'tls.key', 'ca.crt']) {
      assert.deepEqual(mount(pod, `${ROOT}/tls-cert/${file}`), { name: 'general-tls-cert', mountPath: `${ROOT}/tls-cert/${file}`, subPath: file, readOnly: true });
    }
    assert.equal(pod.env.get('KUMA_GENERAL_TLS_CERT_FILE'), `${ROOT}/tls-cert/tls.crt`);
    assert.equal(pod.env.get('KUMA_GENERAL_TLS_KEY_FILE'), `${ROOT}/tls-cert/tls.key`);
    assert.equal(pod.env.get('KUMA_RUNTIME_KUBERNETES_ADMISSION_SERVER_CERT_DIR'), `${ROOT}/tls-cert`);
    assert.equal(pod.env.get('KUMA_RUNTIME_KUBERNETES_INJECTOR_CA_CERT_FILE'), `${ROOT}/tls-cert/ca.crt`);
    for (const absent of ['KUMA_API_SERVER_HTTPS_TLS_CERT_FILE', 'KUMA_API_SERVER_AUTH_CLIENT_CERTS_DIR', 'KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE', 'KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE']) {
      assert.ok(!pod.env.has(absent), absent);
    }
    assert.deepEqual([...pod.secretVolumes.keys()], ['general-tls-cert']);
    assertConsistent(pod, docs);
  });

  it('--tls-general-secret + --tls-general-ca-bundle: that Secret is mounted, none is generated, the bundle goes to every webhook', async () => {
    const { docs, pod } = await render(GIVEN_GENERAL);
    assert.equal(pod.secretVolumes.get('general-tls-cert'), 'general-tls-certs');
    assert.equal(mount(pod, `${ROOT}/tls-cert/ca.crt`)?.name, 'general-tls-cert');
    assert.equal(docs.filter((d) => d.kind === 'Secret').length, 0);
    const hooks = [find(docs, 'MutatingWebhookConfiguration'), find(docs, 'ValidatingWebhookConfiguration')].flatMap((d) => d['webhooks'] as { name: string; clientConfig: Record<string, unknown> }[]);
    assert.equal(hooks.length, 8);
    for (const h of hooks) {
      assert.equal(h.clientConfig['caBundle'], CA_BUNDLE, h.name);
      assert.deepEqual(h.clientConfig['service'], { namespace: 'kuma-system', name: 'kuma-control-plane', path: (h.clientConfig['service'] as { path: string }).path });
    }
    assertConsistent(pod, docs);
  });

  it('--tls-general-ca-secret: ca.crt comes from general-tls-cert-ca, tls.crt/tls.key still from the general secret', async () => {
    const { docs, pod } = await render([...GIVEN_GENERAL, '--tls-general-ca-secret=general-tls-ca']);
    assert.equal(pod.secretVolumes.get('general-tls-cert'), 'general-tls-certs');
    assert.equal(pod.secretVolumes.get('general-tls-cert-ca'), 'general-tls-ca');
    assert.deepEqual(mount(pod, `${ROOT}/tls-cert/ca.crt`), { name: 'general-tls-cert-ca', mountPath: `${ROOT}/tls-cert/ca.crt`, subPath: 'ca.crt', readOnly: true });
    assert.equal(mount(pod, `${ROOT}/tls-cert/tls.crt`)?.name, 'general-tls-cert');
    assert.equal(mount(pod, `${ROOT}/tls-cert/tls.key`)?.name, 'general-tls-cert');
    assert.equal(pod.env.get('KUMA_RUNTIME_KUBERNETES_INJECTOR_CA_CERT_FILE'), `${ROOT}/tls-cert/ca.crt`);
    assertConsistent(pod, docs);
  });

  it('--tls-api-server-secret: api-server-tls-cert mounted whole; KUMA_API_SERVER_HTTPS_TLS_CERT_FILE/KEY_FILE', async () => {
    const { docs, pod } = await render(['--tls-api-server-secret=api-server-tls']);
    assert.equal(pod.secretVolumes.get('api-server-tls-cert'), 'api-server-tls');
    assert.deepEqual(mount(pod, `${ROOT}/api-server-tls-cert`), { name: 'api-server-tls-cert', mountPath: `${ROOT}/api-server-tls-cert`, readOnly: true });
    assert.equal(pod.env.get('KUMA_API_SERVER_HTTPS_TLS_CERT_FILE'), `${ROOT}/api-server-tls-cert/tls.crt`);
    assert.equal(pod.env.get('KUMA_API_SERVER_HTTPS_TLS_KEY_FILE'), `${ROOT}/api-server-tls-cert/tls.key`);
    assertConsistent(pod, docs);
  });

  it('--tls-api-server-client-certs-secret: api-server-client-certs mounted whole; KUMA_API_SERVER_AUTH_CLIENT_CERTS_DIR', async () => {
    const { docs, pod } = await render(['--tls-api-server-client-certs-secret=api-clients']);
    assert.equal(pod.secretVolumes.get('api-server-client-certs'), 'api-clients');
    assert.deepEqual(mount(pod, `${ROOT}/api-server-client-certs`), { name: 'api-server-client-certs', mountPath: `${ROOT}/api-server-client-certs`, readOnly: true });
    assert.equal(pod.env.get('KUMA_API_SERVER_AUTH_CLIENT_CERTS_DIR'), `${ROOT}/api-server-client-certs/`);
    assertConsistent(pod, docs);
  });

  it('--tls-kds-global-server-secret: kds-server-tls-cert and KUMA_MULTIZONE_GLOBAL_KDS_TLS_* in mode global only', async () => {
    const { docs, pod } = await render(['--mode=global', '--tls-kds-global-server-secret=kds-server-tls']);
    assert.equal(pod.secretVolumes.get('kds-server-tls-cert'), 'kds-server-tls');
    assert.deepEqual(mount(pod, `${ROOT}/kds-server-tls-cert`), { name: 'kds-server-tls-cert', mountPath: `${ROOT}/kds-server-tls-cert`, readOnly: true });
    assert.equal(pod.env.get('KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE'), `${ROOT}/kds-server-tls-cert/tls.crt`);
    assert.equal(pod.env.get('KUMA_MULTIZONE_GLOBAL_KDS_TLS_KEY_FILE'), `${ROOT}/kds-server-tls-cert/tls.key`);
    assert.equal(find(docs, 'Service', 'kuma-global-zone-sync').metadata.namespace, 'kuma-system');
    assertConsistent(pod, docs);

    for (const mode of ['zone', 'standalone']) {
      const other = await render([`--mode=${mode}`, '--tls-kds-global-server-secret=kds-server-tls']);
      assert.ok(!other.pod.secretVolumes.has('kds-server-tls-cert'), mode);
      assert.ok(!other.pod.env.has('KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE'), mode);
    }
  });

  it('--tls-kds-zone-client-secret: kds-client-tls-cert and KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE in mode zone only', async () => {
    const { docs, pod } = await render(['--mode=zone', '--tls-kds-zone-client-secret=kds-ca-certs', '--set', 'controlPlane.tls.kdsZoneClient.skipVerify=true']);
    assert.equal(pod.secretVolumes.get('kds-client-tls-cert'), 'kds-ca-certs');
    assert.deepEqual(mount(pod, `${ROOT}/kds-client-tls-cert`), { name: 'kds-client-tls-cert', mountPath: `${ROOT}/kds-client-tls-cert`, readOnly: true });
    assert.equal(pod.env.get('KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE'), `${ROOT}/kds-client-tls-cert/ca.crt`);
    assert.equal(pod.env.get('KUMA_MULTIZONE_ZONE_KDS_TLS_SKIP_VERIFY'), 'true');
    assertConsistent(pod, docs);

    const global = await render(['--mode=global', '--tls-kds-zone-client-secret=kds-ca-certs']);
    assert.ok(!global.pod.secretVolumes.has('kds-client-tls-cert'));
    assert.ok(!global.pod.env.has('KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE'));
  });

  it('every TLS flag at once: each Secret in its own volume, in the chart order', async () => {
    const { docs, pod } = await render([
      ...GIVEN_GENERAL,
      '--tls-general-ca-secret=general-tls-ca',
      '--tls-api-server-secret=api-server-tls',
      '--tls-api-server-client-certs-secret=api-clients',
      '--mode=zone',
      '--tls-kds-zone-client-secret=kds-ca-certs',
    ]);
    assert.deepEqual(Object.fromEntries(pod.secretVolumes), {
      'general-tls-cert': 'general-tls-certs',
      'general-tls-cert-ca': 'general-tls-ca',
      'api-server-tls-cert': 'api-server-tls',
      'api-server-client-certs': 'api-clients',
      'kds-client-tls-cert': 'kds-ca-certs',
    });
    assert.deepEqual(
      pod.container.volumeMounts.map((m) => m.name),
      ['general-tls-cert', 'general-tls-cert', 'general-tls-cert-ca', 'kuma-control-plane-config', 'api-server-tls-cert', 'api-server-client-certs', 'kds-client-tls-cert', 'tmp'],
    );
    assertConsistent(pod, docs);
  });

  it('KDS secrets created from values (create: true) are rendered and mounted', async () => {
    const g = await render(['--mode=global', '--set', 'controlPlane.tls.kdsGlobalServer.create=true', '--set', 'controlPlane.tls.kdsGlobalServer.cert=CERT,controlPlane.tls.kdsGlobalServer.key=KEY']);
    const server = find(g.docs, 'Secret', 'kuma-kds-global-server-tls');
    assert.equal(server['type'], 'kubernetes.io/tls');
    assert.deepEqual(server['stringData'], { 'tls.crt': 'CERT', 'tls.key': 'KEY' });
    assert.equal(g.pod.secretVolumes.get('kds-server-tls-cert'), 'kuma-kds-global-server-tls');
    assert.equal(g.pod.env.get('KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE'), `${ROOT}/kds-server-tls-cert/tls.crt`);

    const z = await render(['--set', 'controlPlane.tls.kdsZoneClient.create=true,controlPlane.tls.kdsZoneClient.secretName=kds-ca,controlPlane.tls.kdsZoneClient.cert=CA']);
    assert.deepEqual(find(z.docs, 'Secret', 'kds-ca')['stringData'], { 'ca.crt': 'CA' });
    assert.equal(z.pod.secretVolumes.get('kds-client-tls-cert'), 'kds-ca');
  });

  it('fixed env: environment, store, mode, zone name and global address, read-only API, no localhost admin', async () => {
    const zone = await render(['--zone=zone-1', '--kds-global-address=grpcs://global.example.com:5685', '--namespace=mesh', '--control-plane-service-name=cp']);
    const env = zone.pod.env;
    assert.equal(env.get('KUMA_ENVIRONMENT'), 'kubernetes');
    assert.equal(env.get('KUMA_STORE_TYPE'), 'kubernetes');
    assert.equal(env.get('KUMA_MODE'), 'zone');
    assert.equal(env.get('KUMA_MULTIZONE_ZONE_NAME'), 'zone-1');
    assert.equal(env.get('KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS'), 'grpcs://global.example.com:5685');
    assert.equal(env.get('KUMA_API_SERVER_READ_ONLY'), 'true');
    assert.equal(env.get('KUMA_API_SERVER_AUTHN_LOCALHOST_IS_ADMIN'), 'false');
    assert.equal(env.get('KUMA_STORE_KUBERNETES_SYSTEM_NAMESPACE'), 'mesh');
    assert.equal(env.get('KUMA_RUNTIME_KUBERNETES_CONTROL_PLANE_SERVICE_NAME'), 'cp');
    assert.equal(env.get('KUMA_RUNTIME_KUBERNETES_ALLOWED_USERS'), 'system:serviceaccount:mesh:kuma-control-plane');
    const svc = find(zone.docs, 'Service', 'cp') as unknown as { spec: { ports: { name: string; port: number }[] } };
    assert.deepEqual(svc.spec.ports.map((p) => `${p.name}:${p.port}`), ['diagnostics:5680', 'http-api-server:5681', 'https-api-server:5682', 'https-admission-server:443', 'mads-server:5676', 'dp-server:5678']);

    const global = await render(['--mode=global']);
    assert.equal(global.pod.env.get('KUMA_MODE'), 'global');
    assert.ok(!global.pod.env.has('KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS'));
    assert.ok(!global.pod.env.has('KUMA_MULTIZONE_ZONE_NAME'));
    const gsvc = find(global.docs, 'Service', 'kuma-control-plane') as unknown as { spec: { ports: { name: string }[] } };
    assert.ok(!gsvc.spec.ports.some((p) => p.name === 'dp-server'));
    const sync = find(global.docs, 'Service', 'kuma-global-zone-sync') as unknown as { spec: { type: string; ports: { port: number; name: string }[] } };
    assert.equal(sync.spec.type, 'LoadBalancer');
    assert.deepEqual(sync.spec.ports.map((p) => `${p.name}:${p.port}`), ['global-zone-sync:5685']);
    const nodePort = await render(['--mode=global', '--use-node-port']);
    assert.equal((find(nodePort.docs, 'Service', 'kuma-global-zone-sync') as unknown as { spec: { type: string } }).spec.type, 'NodePort');
  });
});
